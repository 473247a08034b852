"""Exactly-once walks for orders a keyset walk cannot serve: the ids first, then the objects.

A walk by page numbers (``sort=updated_date&page=2``) is not exact when the listing changes
under it: a loop that changes the filtered field (``state``) removes objects from the pages
not yet read, so the next page starts further on and objects are skipped (400 of 865 jobs in
the issue that led here); one that changes the ordered field (saving moves ``updated_date`` to
now) moves objects behind the walk, so they come again. A keyset walk (``id > last``) is
exact, but only when the order is the primary key: on a field that changes, the key itself
moves, and a keyset on ``(updated_date, id)`` would meet every saved object a second time.

So any other server order is walked in two passes, as a database cursor gives a snapshot:

1. the ids, in the server's order, page by page before anything is handed to the caller
   (so the caller's changes cannot move them); the first page's ``count`` checks the pass:
   ids seen twice or missing mean someone else changed the listing during that short pass,
   which is then read again (``ListingChangedError`` if it keeps changing);
2. the objects, by batches of ids (``id in [...]``, one request per batch), put back in the
   snapshot's order: their data is fresh, their membership and order are the snapshot's.
   Objects deleted in between are not returned.

The cost: one extra request per page and the ids in memory (about 30 MB for a million).
Resources without an id filter variable keep the first pass's objects instead (their
listings are short: memberships of one organization, invitations).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cvatorm.exceptions import ListingChangedError
from cvatorm.wire import jsonlogic
from cvatorm.wire.listing import ListRequest, membership_batches

if TYPE_CHECKING:
    from cvatorm.query.executor import Executor, Raw

__all__ = ["SNAPSHOT_ATTEMPTS", "snapshot_pages"]

#: How many times the first pass is read again when the listing changed during it.
SNAPSHOT_ATTEMPTS = 3


def snapshot_pages(executor: Executor, low: int, high: int | None) -> Iterator[list[Raw]]:
    """The server part's objects ``[low:high]`` in the plan's server order, each exactly once
    even while the caller (or anyone) changes them, in pages of ``executor.page_size``."""
    snapshot = _consistent_snapshot(executor, low, high)
    plan = executor.plan
    if plan.pk_var is None:
        size = executor.page_size
        for start in range(0, len(snapshot), size):
            yield snapshot[start : start + size]
        return
    pk_key = _pk_key(executor)
    ids = [raw[pk_key] for raw in snapshot]
    del snapshot
    path = executor.path
    for batch in membership_batches(ids, max_size=executor.page_size):
        request = ListRequest(
            path,
            filter=jsonlogic.member_of(plan.pk_var, batch),
            page_size=len(batch),
            extra=dict(plan.params),
        )
        found = {raw[pk_key]: raw for raw in _all_pages(executor, request)}
        chunk = [found[pk] for pk in batch if pk in found]
        if chunk:
            yield chunk


def _all_pages(executor: Executor, request: ListRequest) -> Iterator[Raw]:
    """Every page of ``request`` (one, unless a proxy caps the page size below the batch)."""
    while True:
        result = executor.fetch(request)
        yield from result.results
        if not result.has_next or not result.results:
            return
        request = dataclasses.replace(request, page=request.page + 1)


def _pk_key(executor: Executor) -> str:
    meta = executor.plan.model._meta
    return str(meta.fields[meta.pk_name].wire_name)


def _consistent_snapshot(executor: Executor, low: int, high: int | None) -> list[Raw]:
    last_problem = ""
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        snapshot, problem = _read_once(executor, low, high)
        if not problem:
            return snapshot
        last_problem = problem
    raise ListingChangedError(
        f"{executor.path} kept changing while the order of its objects was read "
        f"({last_problem}, {SNAPSHOT_ATTEMPTS} times): walk again, or order by id (a keyset "
        "walk is exact while others create, change and delete objects)"
    )


def _read_once(executor: Executor, low: int, high: int | None) -> tuple[list[Raw], str]:
    """One pass over the pages; ``(objects, "")``, or what showed the listing changed."""
    size = executor.page_size
    pk_key = _pk_key(executor)
    page = low // size + 1
    skip = low % size
    objects: list[Raw] = []
    seen: set[Any] = set()
    repeated = 0
    expected: int | None = None
    while True:
        request = executor.request(page=page, page_size=size)
        try:
            result = executor.fetch(request, announced=page > 1)
        except ListingChangedError:
            return objects, f"page {page} vanished"
        if expected is None:
            upper = result.count if high is None else min(result.count, high)
            expected = max(0, upper - low)
        for raw in result.results[skip:]:
            if len(objects) == expected:
                break
            pk = raw.get(pk_key)
            if pk in seen:
                repeated += 1
                continue
            seen.add(pk)
            objects.append(raw)
        if len(objects) >= expected or not result.has_next or not result.results:
            break
        page, skip = page + 1, 0
    if repeated:
        return objects, f"{repeated} object(s) listed twice"
    if len(objects) != expected:
        return objects, f"{len(objects)} objects listed where the count said {expected}"
    return objects, ""


def snapshot_description(executor: Executor) -> str:
    """What ``explain()`` says of such a walk."""
    var = executor.plan.pk_var
    second = f"then the objects by '{var} in [...]' batches" if var else "kept in memory"
    return (
        "walk: exact snapshot (the order is not the primary key): the ids in the server's "
        f"order first, {second}, in the snapshot's order"
    )
