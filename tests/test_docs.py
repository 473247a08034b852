"""The documentation's links lead somewhere: every relative link of the README and of the pages
the docs reorganisation wrote resolves to a file (and a ``#fragment`` to one of its headings).

Pages other sessions add at ``docs/`` top level are linked at the place the index gives them
(``PENDING``): the lead moves them there when merging, and then empties ``PENDING``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHECKED = [
    ROOT / "README.md",
    DOCS / "README.md",
    DOCS / "guide" / "README.md",
    DOCS / "guide" / "testing.md",
    DOCS / "guide" / "command-line.md",
    *(DOCS / "guide" / f"{name}.md" for name in (
        "authentication", "organizations", "task-data", "annotations", "datasets-and-backups",
        "frames", "models", "connecting", "progress", "server-info", "cloud-storages",
        "requests", "lambda", "access-tokens", "events",
    )),
    DOCS / "reference" / "pagination.md",
    DOCS / "reference" / "errors.md",
    DOCS / "internals" / "capabilities-cache.md",
    DOCS / "reference" / "logging.md",
    DOCS / "internals" / "architecture.md",
    DOCS / "reference" / "local-cvat.md",
    DOCS / "reference" / "versions.md",
    DOCS / "reference" / "repositories.md",
    DOCS / "internals" / "test-suite.md",
]
#: New pages of concurrent work, linked where they belong once moved (docs/<name> -> here).
PENDING: set[Path] = set()

_LINK = re.compile(r"\]\(([^)\s]+)\)")


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
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if resolved in PENDING:
            continue
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
