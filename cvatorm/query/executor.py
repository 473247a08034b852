"""Runs a ``Plan``: sends list requests through the client and streams raw objects back.

The only module of ``query`` that talks to a client, through the contract of
``docs/internals/architecture.md``:
``client.request("GET", path, params=..., organization=...)``. It
chooses page sizes and pages (``pagination``), walks long listings by keyset when the order is
the primary key (``id > last`` added to the filter each round, so objects created or deleted
during the walk are neither skipped nor repeated), applies the plan's local part page by page
(constant memory unless the order itself is local), and loads related objects in batches
(``id in [...]``: one request per related resource per page) for local conditions on related
fields and for ``prefetch_related``.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import OrganizationArg
from cvatorm.exceptions import ListingChangedError, NotFoundError
from cvatorm.query.pagination import covering_windows, page_for_offset
from cvatorm.query.paths import FieldPath, pk_of
from cvatorm.query.planner import OrderTerm, Plan
from cvatorm.query.snapshot import snapshot_pages
from cvatorm.wire import jsonlogic
from cvatorm.wire.capabilities import capabilities_for
from cvatorm.wire.endpoints import collection_path, item_path
from cvatorm.wire.filtervars import denormalized_key, filter_var
from cvatorm.wire.jsonlogic import Rule
from cvatorm.wire.listing import ListRequest, PageResult, membership_batches, parse_page

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Executor", "RelatedLoader", "sort_locally"]

#: Objects per page when walking a listing (``iterator(chunk_size=)`` overrides it).
DEFAULT_PAGE_SIZE = 500
#: The largest page the planner asks for to serve a slice in one request.
MAX_PAGE_SIZE = 1000

Raw = dict[str, Any]


def fetch_page(
    client: Client,
    request: ListRequest,
    organization: OrganizationArg,
    *,
    announced: bool = False,
) -> PageResult:
    """One list request; a page past the end (404 on page > 1) is an empty page, unless the
    previous page ``announced`` it (its ``next``): then the listing shrank under the walk and
    ``ListingChangedError`` says so rather than ending with part of the objects."""
    try:
        response = client.request(
            "GET", request.path, params=request.params(), organization=organization
        )
    except NotFoundError as missing:
        if announced:
            raise ListingChangedError(
                f"page {request.page} of {request.path} was announced by the previous page but "
                "is gone: objects were deleted during the walk. Walk again, or order by id "
                "(a keyset walk is exact under changes)."
            ) from missing
        if request.page > 1:
            return PageResult.empty()
        raise
    return parse_page(response.json())


class RelatedLoader:
    """Raw JSON of related objects, loaded in batches and kept for one query's execution."""

    def __init__(self, client: Client, organization: OrganizationArg = None) -> None:
        self.client = client
        self.organization = organization
        self._raws: dict[tuple[str, Any], Raw | None] = {}

    def raw(self, model: Any, pk: Any) -> Raw | None:
        return self._raws.get((model._meta.resource, pk))

    def load(self, model: Any, pks: Iterable[Any]) -> None:
        resource = model._meta.resource
        wanted = (p for p in pks if p is not None and (resource, p) not in self._raws)
        missing = list(dict.fromkeys(wanted))
        if not missing:
            return
        caps = capabilities_for(self.client, resource)
        pk_field = model._meta.fields[model._meta.pk_name]
        var = filter_var(resource, (pk_field.wire_name,))
        if var is not None and var in caps.filter_fields:
            for chunk in membership_batches(missing, max_size=MAX_PAGE_SIZE):
                request = ListRequest(
                    collection_path(resource),
                    filter=jsonlogic.member_of(var, chunk),
                    page_size=len(chunk),
                )
                for raw in fetch_page(self.client, request, self.organization).results:
                    self._raws[(resource, raw.get(pk_field.wire_name))] = raw
        else:
            for pk in missing:
                try:
                    response = self.client.request(
                        "GET", item_path(resource, pk), organization=self.organization
                    )
                except NotFoundError:
                    continue
                self._raws[(resource, pk)] = response.json()
        for pk in missing:  # invisible or deleted: remembered, so never asked for again
            self._raws.setdefault((resource, pk), None)

    def prime(self, path: FieldPath, raws: Iterable[Mapping[str, Any]]) -> None:
        """Load, hop by hop, every related object ``path`` needs to be read from ``raws``."""
        shortcut = denormalized_key(path.resource, path.wire_path)
        current: list[Mapping[str, Any]] = [
            r for r in raws if shortcut is None or shortcut not in r
        ]
        for index in range(len(path.fields) - 1):
            key = path.fields[index].wire_name
            following = path.fields[index + 1].wire_name
            model = path.related[index]
            nested: list[Mapping[str, Any]] = []
            pks: list[Any] = []
            for raw in current:
                value = raw.get(key)
                if isinstance(value, Mapping) and following in value:
                    nested.append(value)
                elif value is not None:
                    pks.append(pk_of(value))
            if pks:
                self.load(model, pks)
            loaded = [self.raw(model, pk) for pk in pks]
            current = nested + [r for r in loaded if r is not None]


def _sort_key(value: Any) -> tuple[bool, Any]:
    # PostgreSQL: NULLS LAST ascending, NULLS FIRST descending (the key is reversed with it).
    return (value is None, 0 if value is None else value)


def sort_locally(raws: list[Raw], terms: tuple[OrderTerm, ...], loader: RelatedLoader) -> list[Raw]:
    """Stable multi-key sort with the server's null placement."""
    for term in terms:
        loader.prime(term.path, raws)
    result = list(raws)
    for term in reversed(terms):
        result.sort(
            key=lambda raw, t=term: _sort_key(t.path.value(raw, loader)),  # type: ignore[misc]
            reverse=term.descending,
        )
    return result


class Executor:
    """Sends the requests of one plan; every method starts a fresh walk."""

    def __init__(
        self,
        plan: Plan,
        client: Client,
        organization: OrganizationArg,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self.plan = plan
        self.client = client
        self.organization = organization
        self.page_size = max(1, page_size)
        self.max_page_size = max(self.page_size, max_page_size)
        self.path = collection_path(plan.resource)
        self.loader = RelatedLoader(client)
        #: The ``count`` of the first page this executor read: the total a progress bar shows.
        self.first_count: int | None = None

    # ------------------------------------------------------------------ requests

    def request(self, *, page: int, page_size: int, extra: Rule | None = None) -> ListRequest:
        rules = [r for r in (self.plan.server_filter, extra) if r is not None]
        return ListRequest(
            self.path,
            filter=jsonlogic.all_of(rules) if rules else None,
            sort=self.plan.sort,
            page=page,
            page_size=page_size,
            extra=dict(self.plan.params),
        )

    def fetch(self, request: ListRequest, *, announced: bool = False) -> PageResult:
        result = fetch_page(self.client, request, self.organization, announced=announced)
        if self.first_count is None:
            self.first_count = result.count
        return result

    # ------------------------------------------------------------------ server-side walks

    def _server_pages(self, low: int, high: int | None) -> Iterator[list[Raw]]:
        """Server-ordered objects ``[low:high]`` of the server part, page by page."""
        if high is not None and high <= low:
            return
        if high is not None and high - low <= self.max_page_size:
            windows = covering_windows(low, high, self.max_page_size)
            for window in windows:
                page = self.fetch(self.request(page=window.page, page_size=window.page_size))
                chunk = page.results[window.skip : window.skip + window.take]
                if chunk:
                    yield chunk
                if len(chunk) < window.take:
                    return
            return
        if self.plan.keyset is not None:
            yield from self._keyset_pages(low, high)
        else:
            yield from snapshot_pages(self, low, high)  # exact for any other order

    def _keyset_pages(self, low: int, high: int | None) -> Iterator[list[Raw]]:
        plan = self.plan
        assert plan.keyset is not None and plan.pk_var is not None
        pk_key = plan.model._meta.fields[plan.model._meta.pk_name].wire_name
        op = ">" if plan.keyset == "asc" else "<"
        remaining = None if high is None else high - low
        page, skip = page_for_offset(low, self.page_size)
        extra: Rule | None = None
        while True:
            size = self.page_size
            if page == 1 and remaining is not None:
                size = max(1, min(size, skip + remaining))  # no more than the slice needs
            request = self.request(page=page, page_size=size, extra=extra)
            result = self.fetch(request)
            chunk = result.results[skip:]
            if remaining is not None:
                chunk = chunk[:remaining]
                remaining -= len(chunk)
            if chunk:
                yield chunk
            # The round's ``count`` decides (it counts what is left after ``last``): a page
            # shorter than asked, from a server capping page_size, does not end the walk.
            seen = (page - 1) * size + len(result.results)
            if not result.results or seen >= result.count:
                return
            if remaining == 0:
                return
            extra = jsonlogic.compare(op, plan.pk_var, result.results[-1][pk_key])
            page, skip = 1, 0

    # ------------------------------------------------------------------ the plan's results

    def _split(self) -> list[Executor]:
        """One executor per batch of a long ``in`` list (``Plan.batches``), unsliced."""
        plan = self.plan
        executors = []
        for rule in plan.batches:
            rules = [r for r in (plan.server_filter, rule) if r is not None]
            part = dataclasses.replace(
                plan, server_filter=jsonlogic.all_of(rules), batches=(), low=0, high=None
            )
            executor = Executor(
                part,
                self.client,
                self.organization,
                page_size=self.page_size,
                max_page_size=self.max_page_size,
            )
            executor.loader = self.loader
            executors.append(executor)
        return executors

    def _merged_batches(self) -> Iterator[list[Raw]]:
        """The walks of every batch merged by primary key (the plan's order), then sliced."""
        plan = self.plan
        pk_key = plan.model._meta.fields[plan.model._meta.pk_name].wire_name
        walks = [
            (raw for chunk in executor.batches() for raw in chunk) for executor in self._split()
        ]
        merged = heapq.merge(
            *walks, key=lambda raw: raw[pk_key], reverse=plan.keyset == "desc"
        )
        sliced = itertools.islice(merged, plan.low, plan.high)
        while True:
            chunk = list(itertools.islice(sliced, self.page_size))
            if not chunk:
                return
            yield chunk

    def batches(self) -> Iterator[list[Raw]]:
        """The plan's objects (local part applied, sliced), in pages; constant memory unless
        the ordering is local."""
        plan = self.plan
        if plan.empty or (plan.high is not None and plan.high <= plan.low):
            return
        if plan.batches:
            yield from self._merged_batches()
            return
        if not plan.needs_full_scan:
            yield from self._server_pages(plan.low, plan.high)
            return
        if plan.local_order:
            everything: list[Raw] = []
            for chunk in self._server_pages(0, None):
                everything.extend(self.filter_chunk(chunk))
            ordered = sort_locally(everything, plan.local_order, self.loader)
            sliced = ordered[plan.low : plan.high]
            for start in range(0, len(sliced), self.page_size):
                yield sliced[start : start + self.page_size]
            return
        skip = plan.low
        remaining = None if plan.high is None else plan.high - plan.low
        if remaining is not None and remaining <= 0:
            return
        for chunk in self._server_pages(0, None):
            kept = self.filter_chunk(chunk)
            if skip:
                dropped = min(skip, len(kept))
                kept, skip = kept[dropped:], skip - dropped
            if remaining is not None:
                kept = kept[:remaining]
                remaining -= len(kept)
            if kept:
                yield kept
            if remaining == 0:
                return

    def filter_chunk(self, chunk: list[Raw]) -> list[Raw]:
        """The objects of ``chunk`` that pass the local filter (related objects loaded first)."""
        if not self.plan.local_filter:
            return chunk
        for path in {id(p): p for p in self.plan.local_paths()}.values():
            if len(path.fields) > 1:
                self.loader.prime(path, chunk)
        return [raw for raw in chunk if self.plan.matches(raw, self.loader)]

    def count(self) -> int:
        """One ``page_size=1`` request, or a full local walk when the plan has a local part."""
        plan = self.plan
        if plan.empty:
            return 0
        if plan.batches and not plan.has_local_filter:
            total = sum(executor.count() for executor in self._split())
            upper = total if plan.high is None else min(total, plan.high)
            return max(0, upper - plan.low)
        if plan.has_local_filter or plan.batches:
            return sum(len(chunk) for chunk in self.batches())
        # a local ordering changes which objects a slice holds, not how many there are
        total = self.fetch(self.request(page=1, page_size=1)).count
        upper = total if plan.high is None else min(total, plan.high)
        return max(0, upper - plan.low)

    def exists(self) -> bool:
        plan = self.plan
        if plan.empty:
            return False
        if plan.has_local_filter or plan.batches:
            return any(True for _ in self.batches())
        if plan.high is not None and plan.high <= plan.low:
            return False
        page = self.fetch(self.request(page=plan.low + 1, page_size=1))
        return bool(page.results)

    def describe(self) -> list[str]:
        """The first request(s) a walk sends, as text (for ``explain()``)."""
        plan = self.plan
        if plan.empty:
            return []
        if plan.batches:
            parts = self._split()
            first = parts[0].describe()
            if len(parts) > 1:
                first[-1] += (
                    f"  (1 of {len(parts)} walks, one per batch of values that fits a URL, "
                    "merged by id)"
                )
            return first
        if not plan.needs_full_scan and plan.high is not None:
            if plan.high <= plan.low:
                return []
            windows = covering_windows(plan.low, plan.high, self.max_page_size)
            if plan.high - plan.low <= self.max_page_size:
                return [
                    self.request(page=w.page, page_size=w.page_size).describe() for w in windows
                ]
        low = 0 if plan.needs_full_scan else plan.low
        page, _ = page_for_offset(low, self.page_size)
        return [self.request(page=page, page_size=self.page_size).describe()]
