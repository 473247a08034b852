"""Query parameters of CVAT list requests, and the shape of a list response.

``GET /api/<resource>`` takes ``filter`` (JSON Logic), ``sort`` (``name,-id``), ``search``,
``page`` (1-based) and ``page_size``; it answers ``{"count", "next", "previous", "results"}``.
A page past the end is a 404, which ``PageResult.empty`` stands for when the caller asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cvatorm.wire.jsonlogic import Rule, dumps

__all__ = [
    "MAX_FILTER_URL_CHARS",
    "ListRequest",
    "PageResult",
    "membership_batches",
    "parse_page",
    "readable_query",
    "sort_param",
]


#: Kept as they are in ``describe()``: printable ASCII that cannot be read as a separator
#: (``=`` too in a value: a query pair is split at its first ``=``).
_READABLE = " !\"$'()*,-./:;<>?@[\\]^_`{|}~"


def _readable(text: str, also: str = "") -> str:
    return quote(text, safe=_READABLE + also)


def readable_query(params: Iterable[tuple[str, str]]) -> str:
    """A query string as people read it (``filter={"==":[{"var":"name"},"a b"]}``), still
    exact: only ``&``, ``%``, ``#``, ``+``, control and non-ASCII characters (and ``=`` in
    names) are percent-encoded, so ``parse_qsl`` gives back the parameters. For ``explain()``
    and the DEBUG log lines."""
    return "&".join(f"{_readable(k)}={_readable(v, '=')}" for k, v in params)


#: How long an encoded ``filter`` parameter may grow when a list of values is split over several
#: requests: proxies in front of CVAT commonly refuse request lines over 8 KiB (nginx's default
#: ``large_client_header_buffers``), and the rest of the URL needs room too.
MAX_FILTER_URL_CHARS = 6000


def membership_batches(
    values: Sequence[Any], *, max_chars: int = MAX_FILTER_URL_CHARS, max_size: int = 1000
) -> list[list[Any]]:
    """Split ``values`` into as few ``{"in": [var, [...]]}`` lists as fit in ``max_chars`` once
    URL-encoded, and ``max_size`` values each (the largest page asked for).

    Batching by encoded length rather than by count matters: 1,000 small ids fit in one request,
    1,000 six-digit ones need two.
    """
    separator = len(quote(","))
    batches: list[list[Any]] = []
    current: list[Any] = []
    used = 0
    for value in values:
        cost = len(quote(dumps(value))) + separator
        if current and (used + cost > max_chars or len(current) >= max_size):
            batches.append(current)
            current, used = [], 0
        current.append(value)
        used += cost
    if current:
        batches.append(current)
    return batches


def sort_param(terms: Sequence[str]) -> str:
    """``("name", "-id")`` -> ``"name,-id"``."""
    return ",".join(terms)


@dataclass(frozen=True)
class ListRequest:
    """One list request, as data: what ``explain()`` shows and the executor sends."""

    path: str
    filter: Rule | None = None
    sort: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 100
    search: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        params: dict[str, str] = dict(self.extra)
        if self.filter is not None:
            params["filter"] = dumps(self.filter)
        if self.sort:
            params["sort"] = sort_param(self.sort)
        if self.search is not None:
            params["search"] = self.search
        params["page"] = str(self.page)
        params["page_size"] = str(self.page_size)
        return params

    def describe(self) -> str:
        """``GET /api/tasks?filter={"==":[{"var":"name"},"a b"]}&sort=-id&page=1``: the URL to be
        read, and still exact: only what would make it ambiguous (``&``, ``%``, ``#``, ``+``,
        control characters, non-ASCII; ``=`` in names) is percent-encoded, so
        ``urllib.parse.parse_qsl`` of the query gives back exactly the parameters sent."""
        return f"GET {self.path}?{readable_query(self.params().items())}"


@dataclass(frozen=True)
class PageResult:
    """One page of a list response."""

    count: int
    results: list[dict[str, Any]]
    has_next: bool

    @classmethod
    def empty(cls) -> PageResult:
        return cls(count=0, results=[], has_next=False)


def parse_page(body: Any) -> PageResult:
    """The page of a list response; a bare JSON list (``page_size=all`` on old servers) too."""
    if isinstance(body, list):
        return PageResult(count=len(body), results=list(body), has_next=False)
    if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
        raise ValueError(f"not a CVAT list response: {str(body)[:200]!r}")
    results = body["results"]
    if not all(type(r) is dict for r in results):  # JSON objects are kept, never copied
        results = [dict(r) for r in results]
    count = body.get("count")
    return PageResult(
        count=int(count) if isinstance(count, int) else len(results),
        results=results,
        has_next=bool(body.get("next")),
    )
