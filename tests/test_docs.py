"""The documentation's links lead somewhere: every relative link of the README and of every
page under docs/ resolves to a file (and a ``#fragment`` to one of its headings), and the index
links every page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Every page: the README and all of docs/.
CHECKED = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]

_LINK = re.compile(r"\]\(([^)\s]+)\)")


_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def _links(page: Path) -> list[str]:
    """The page's link targets, outside code (a `![...](link)` in backticks is text)."""
    return _LINK.findall(_CODE.sub("", page.read_text(encoding="utf-8")))


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


@pytest.mark.parametrize("page", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z]+:", target) or target.startswith("/"):
            continue  # https:, mailto:, and a server path (/api/assets/... in a guide's markdown)
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        missing_anchor = (
            resolved.exists()
            and bool(fragment)
            and resolved.suffix == ".md"
            and fragment not in _anchors(resolved)
        )
        if not resolved.exists() or missing_anchor:
            broken.append(target)
    assert broken == []


def test_the_index_links_every_page_under_docs() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {(DOCS / t.partition("#")[0]).resolve() for t in _LINK.findall(index)}
    pages = {p.resolve() for p in DOCS.rglob("*.md")} - {(DOCS / "README.md").resolve()}
    assert sorted(str(p.relative_to(DOCS)) for p in pages - linked) == []


def test_the_readme_keeps_its_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -q -e . && .venv/bin/python examples/quickstart.py" in readme
    assert ".venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "pip install cvatorm" in readme


def test_every_docs_path_named_in_the_code_exists() -> None:
    """Docstrings and comments send readers to ``docs/<page>.md``: the page must be there."""
    named = re.compile(r"\bdocs/[\w/-]+\.md\b")
    sources = [
        *(
            p
            for top in ("cvatorm", "tests", "benchmarks", "examples")
            for p in (ROOT / top).rglob("*.py")
        ),
        ROOT / "pyproject.toml",
        ROOT / "tox.ini",
        *CHECKED,
    ]
    missing = sorted(
        f"{source.relative_to(ROOT)}: {path}"
        for source in sources
        for path in set(named.findall(source.read_text(encoding="utf-8")))
        if not (ROOT / path).exists()
    )
    assert missing == []
