"""The ``covers`` marker: a test names the CVAT operations it exercises, and proves it.

``@pytest.mark.covers("GET /api/cloudstorages/{id}/status", call="CloudStorage.status()")``
says the test performs that operation of the schema through that high-level call. The marker is
checked when the test ends (``tests/conftest.py``): the test's recorded ``traffic`` must hold a
request with that method on a path the template matches, else the test fails. The markers are
what ``docs/api-coverage.md`` is generated from (``tests/test_api_coverage.py``), so
the page can only name a test that really sent the operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Covered:
    """One ``covers`` marker: ``operation`` is ``"METHOD /api/path/{param}"`` as in the schema."""

    operation: str
    call: str

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0].upper()

    @property
    def template(self) -> str:
        return self.operation.split(" ", 1)[1]


@cache
def template_pattern(template: str) -> re.Pattern[str]:
    """``/api/tasks/{id}/data/`` -> a pattern matching ``/api/tasks/7/data`` (a trailing
    slash does not matter; a parameter is one path segment)."""
    parts = re.split(r"(\{[^}]+\})", template.rstrip("/"))
    body = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{body}/?$")


def matches(covered: Covered, method: str, path: str) -> bool:
    return method.upper() == covered.method and bool(template_pattern(covered.template).match(path))


def missing(covered: Iterable[Covered], sent: Iterable[tuple[str, str]]) -> list[Covered]:
    """The markers no request of ``sent`` (``(method, path)`` pairs) answers."""
    calls = list(sent)
    return [c for c in covered if not any(matches(c, m, p) for m, p in calls)]
