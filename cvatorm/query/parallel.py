"""``iterator(chunk_size=k, concurrency=n)``: a keyset walk split into ``n`` overlapping walks.

A sequential walk waits for one page before asking for the next, so a long listing costs one
round trip per page. When the order is the primary key, the id range is known from two
``page_size=1`` requests sent together (the first object in each direction), split into ``n``
disjoint id ranges, and each range is walked by keyset (``lo <= id < hi`` and ``id beyond the
last seen``) in its own thread. Pages are yielded as they arrive, so the objects come
*unordered* across pages (each page is in the queryset's order); the point is throughput.

Why every object is returned exactly once while others create and delete objects: the ranges
are disjoint and each is a keyset walk, which never repeats or skips (``pagination.md``). Objects
created after the bounds were read have larger ids than the upper bound and are not returned;
objects deleted before their range reaches them are not returned, as in a sequential walk.

Memory stays bounded: the threads hand pages over through a queue of ``2 * n`` pages, so a slow
consumer holds at most that many pages (plus one in flight per thread).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from cvatorm.exceptions import InvalidArgumentError
from cvatorm.wire import jsonlogic

if TYPE_CHECKING:
    from cvatorm.query.executor import Executor, Raw

__all__ = ["parallel_batches", "split_range"]

_DONE = object()


def split_range(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """``[low, high]`` (inclusive) as at most ``parts`` disjoint half-open ``[lo, hi)`` ranges,
    in ascending order, covering every integer once."""
    span = high - low + 1
    if span <= 0:
        return []
    step = -(-span // max(1, parts))
    return [(start, min(start + step, high + 1)) for start in range(low, high + 1, step)]


def _first_id(executor: Executor, *, reverse: bool) -> tuple[int, int] | None:
    """``(count, id)`` of the first object of the server part, in the plan's direction or the
    opposite one; None when nothing matches."""
    plan = executor.plan
    request = executor.request(page=1, page_size=1)
    if reverse:
        sort = tuple(t[1:] if t.startswith("-") else f"-{t}" for t in plan.sort)
        request = dataclasses.replace(request, sort=sort)
    page = executor.fetch(request)
    if not page.results:
        return None
    pk_key = plan.model._meta.fields[plan.model._meta.pk_name].wire_name
    return page.count, int(page.results[0][pk_key])


def _range_pages(executor: Executor, start: int, stop: int) -> Iterator[list[Raw]]:
    """The server part's objects with ``start <= id < stop``, by keyset, in the plan's order."""
    plan = executor.plan
    var = plan.pk_var
    assert var is not None
    pk_key = plan.model._meta.fields[plan.model._meta.pk_name].wire_name
    descending = plan.keyset == "desc"
    lower, upper = jsonlogic.compare(">=", var, start), jsonlogic.compare("<", var, stop)
    bounds = [lower, upper]
    while True:
        request = executor.request(
            page=1, page_size=executor.page_size, extra=jsonlogic.all_of(bounds)
        )
        result = executor.fetch(request)
        if result.results:
            yield result.results
        if not result.results or len(result.results) >= result.count:
            return
        last = result.results[-1][pk_key]
        beyond = jsonlogic.compare("<" if descending else ">", var, last)
        bounds = [lower, beyond] if descending else [beyond, upper]


def parallel_batches(executor: Executor, concurrency: int) -> Iterator[list[Raw]]:
    """The server part's objects in pages, walked by ``concurrency`` threads (unordered across
    pages); the local filter is applied here, in the caller's thread."""
    plan = executor.plan
    if plan.keyset is None or plan.pk_var is None or plan.local_order:
        raise InvalidArgumentError(
            "concurrency",
            concurrency,
            "1 unless the primary-key order is the server's sort (the default, 'id' or "
            "'-id'): a parallel walk splits the ids into ranges",
        )
    # Both ends at once: one round trip before the walks start.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cvatorm-walk") as pool:
        first, last = pool.map(lambda reverse: _first_id(executor, reverse=reverse), (False, True))
    if first is None or last is None:  # nothing matches (or everything was just deleted)
        return
    if first[0] <= executor.page_size or concurrency <= 1:
        yield from executor.batches()  # one page, or no parallelism asked: nothing to split
        return
    low, high = sorted((first[1], last[1]))
    ranges = split_range(low, high, concurrency)
    if plan.keyset == "desc":
        ranges.reverse()
    yield from _run(executor, ranges)


def _run(executor: Executor, ranges: list[tuple[int, int]]) -> Iterator[list[Raw]]:
    pages: queue.Queue[Any] = queue.Queue(maxsize=2 * len(ranges))
    stopping = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stopping.is_set():
            try:
                pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def walk(start: int, stop: int) -> None:
        try:
            for chunk in _range_pages(executor, start, stop):
                if not hand_over(chunk):
                    return
            hand_over(_DONE)
        except BaseException as exc:  # handed to the caller's thread and raised there
            hand_over(exc)

    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="cvatorm-walk") as pool:
        futures: list[Future[None]] = [pool.submit(walk, lo, hi) for lo, hi in ranges]
        try:
            remaining = len(futures)
            while remaining:
                item = pages.get()
                if item is _DONE:
                    remaining -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    kept = executor.filter_chunk(item)
                    if kept:
                        yield kept
        finally:
            stopping.set()  # a failure, or the caller stopped early: the threads give up
