"""Timing, request counting and peak memory of one workload run by one client.

Requests are counted at the bottom of the HTTP stack that all three clients share: urllib3's
``HTTPConnectionPool.urlopen`` (``requests`` sits on it, and cvat-sdk calls it directly), so
the same counter sees cvatorm, cvat-sdk and the raw floor alike, in every thread of this
process. The test server runs in another process, so nothing it does is counted or timed here.

Time is measured twice: wall time (what a user waits for, server included) and this process's
CPU time (``time.process_time``: the client's own overhead, every thread of it).
Peak memory is measured in a separate pass under ``tracemalloc`` (which slows Python code
several times, so it never runs in the timed pass).
"""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import urllib3.connectionpool


@dataclass(frozen=True)
class SentRequest:
    method: str
    path: str
    query: dict[str, list[str]]


class RequestLog:
    """Every HTTP request this process sends while recording (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recording = 0
        self.entries: list[SentRequest] = []

    def add(self, method: str, url: str) -> None:
        if not self._recording:
            return
        split = urlsplit(url)
        entry = SentRequest(method.upper(), split.path, parse_qs(split.query))
        with self._lock:
            self.entries.append(entry)

    @contextmanager
    def recording(self) -> Iterator[list[SentRequest]]:
        """Record requests sent inside the block; yields the list that fills up."""
        with self._lock:
            self.entries = []
            self._recording += 1
        try:
            yield self.entries
        finally:
            with self._lock:
                self._recording -= 1


LOG = RequestLog()

_original_urlopen = urllib3.connectionpool.HTTPConnectionPool.urlopen


def _counting_urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
    LOG.add(method, url)
    return _original_urlopen(self, method, url, *args, **kwargs)


def install() -> None:
    """Count requests from now on (idempotent)."""
    urllib3.connectionpool.HTTPConnectionPool.urlopen = _counting_urlopen  # type: ignore[method-assign]


def uninstall() -> None:
    urllib3.connectionpool.HTTPConnectionPool.urlopen = _original_urlopen  # type: ignore[method-assign]


@dataclass
class Outcome:
    """What a workload function returns: how many objects it produced and a digest of them.

    ``digest`` lets the harness check that the three clients saw the same data (for example
    the sorted ids, or a sum of ids and name lengths). ``extra`` carries anything else worth
    printing (e.g. duplicates found, the page size used).
    """

    objects: int
    digest: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Called after the clock stops (e.g. to stop concurrent writers and judge the result).
    finish: Callable[[Outcome], None] | None = None


@dataclass
class Measurement:
    workload: str
    client: str
    available: bool = True
    note: str = ""
    objects: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    page_sizes: list[int] = field(default_factory=list)
    sent: list[SentRequest] = field(default_factory=list)
    peak_bytes: int | None = None
    outcome: Outcome | None = None
    error: str | None = None
    #: Interleaved rounds whose median ``wall`` and ``cpu`` are.
    rounds: int = 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def wall_per_object(self) -> float | None:
        return self.wall / self.objects if self.objects else None

    @property
    def cpu_per_object(self) -> float | None:
        return self.cpu / self.objects if self.objects else None


def _page_sizes(entries: list[SentRequest]) -> list[int]:
    sizes = []
    for entry in entries:
        values = entry.query.get("page_size")
        if entry.method == "GET" and values and values[0].isdigit():
            sizes.append(int(values[0]))
    return sizes


def timed(workload: str, client: str, run: Callable[[], Outcome]) -> Measurement:
    """Run once, timing wall and CPU time and counting requests."""
    gc.collect()
    with LOG.recording() as entries:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        outcome = run()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        sent = list(entries)
    if outcome.finish is not None:
        outcome.finish(outcome)
    return Measurement(
        workload=workload,
        client=client,
        objects=outcome.objects,
        wall=wall,
        cpu=cpu,
        requests=Counter(e.method for e in sent),
        page_sizes=_page_sizes(sent),
        sent=sent,
        outcome=outcome,
    )


def peak_memory(run: Callable[[], Outcome]) -> int:
    """Peak bytes allocated by Python while ``run`` runs, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        outcome = run()
        _, peak = tracemalloc.get_traced_memory()
        if outcome.finish is not None:
            outcome.finish(outcome)
        del outcome
    finally:
        tracemalloc.stop()
    return max(0, peak - base)
