"""The package's structure, as docs/internals/architecture.md states it, checked on the
source (AST):

- subpackages import each other one way: no cycle between them, counting every import that
  runs (``if TYPE_CHECKING:`` blocks don't), at module level or inside a function;
- no function-level import crosses into another subpackage (the way cycles used to be dodged);
- ``/api/`` is spelled only in ``cvatorm/wire/`` (and in the test server, ``cvatorm/testing/``),
  docstrings aside;
- the connection layer never imports the test server;
- the layers' order is the documented one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cvatorm"

#: The documented order, bottom first: a layer may import only the layers before it.
#: Modules directly in ``cvatorm/`` (``exceptions``, ``progress``, ``_sentinels``) are leaves,
#: except those on top: ``__init__``, ``embedded``, the pytest plugin and the command line
#: (``__main__`` and ``cli/``), which use the models and may start the test server.
LAYERS = ("wire", "connection", "transfer", "operations", "query", "models")
LEAVES = ("exceptions", "progress", "_sentinels", "_version")
TOP = ("__init__", "embedded", "pytest_plugin", "__main__", "cli")


def _unit(path: Path) -> str:
    """The subpackage (or top-level module) a file belongs to."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def _imports(tree: ast.AST) -> Iterator[tuple[ast.stmt, str, bool]]:
    """``(node, imported cvatorm module, inside a function)`` for every import that runs."""
    skipped = _type_checking_nodes(tree)
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "cvatorm":  # ``from cvatorm import exceptions`` or a name
                names = [
                    f"cvatorm.{alias.name}" if _is_module(alias.name) else "cvatorm"
                    for alias in node.names
                ]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name == "cvatorm" or name.startswith("cvatorm."):
                yield node, name, id(node) in in_function  # type: ignore[misc]


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def _target_unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _sources() -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(PACKAGE.rglob("*.py"))]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree in _sources():
        source = _unit(path)
        for _, module, _ in _imports(tree):
            target = _target_unit(module)
            if target != source:
                graph[source].add(target)
    return graph


def test_no_import_cycle_between_subpackages() -> None:
    graph = _graph()
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif len(stack) < 12:
                visit(nxt, [*stack, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


def test_layers_import_only_downward() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    wrong = []
    for source, targets in _graph().items():
        if source in TOP or source == "testing":
            continue
        for target in targets:
            if target in LEAVES:
                continue
            upward = target in TOP or target == "testing" or rank[target] >= rank[source]
            if source in LEAVES or upward:
                wrong.append((source, target))
    assert sorted(wrong) == []


def test_no_function_level_import_crosses_subpackages() -> None:
    found = []
    for path, tree in _sources():
        source = _unit(path)
        for node, module, in_function in _imports(tree):
            if in_function and _target_unit(module) != source:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {module}")
    # The one deliberate exception: the package loads the embedded test server on first use.
    assert found == ["__init__.py:97 imports cvatorm.embedded"] or found == [
        f for f in found if f.startswith("__init__.py:") and f.endswith("cvatorm.embedded")
    ]


def _docstring_ids(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_api_paths_are_spelled_only_in_wire() -> None:
    found = []
    for path, tree in _sources():
        unit = _unit(path)
        if unit in ("wire", "testing"):
            continue
        docstrings = _docstring_ids(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "/api/" in node.value
                and id(node) not in docstrings
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_connection_layer_never_imports_the_test_server() -> None:
    found = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path, tree in _sources()
        if _unit(path) == "connection"
        for _, module, _ in _imports(tree)
        if _target_unit(module) == "testing"
    ]
    assert found == []


@pytest.mark.parametrize("snippet", ["import cvatorm.testing", "from cvatorm import testing"])
def test_the_checker_sees_a_forbidden_import(snippet: str) -> None:
    """The checks above can fail: an import of the test server is seen for what it is."""
    tree = ast.parse(snippet)
    modules = [module for _, module, _ in _imports(tree)]
    assert [_target_unit(m) for m in modules] == ["testing"]
