"""Whole-request deadlines: no call may outlive its deadline, however the server trickles bytes.

``requests``' timeouts bound each wait for the network (to connect, for the next bytes), not a
whole request: a server that sends one byte every second keeps a call alive forever under a
two-second read timeout. Python offers no portable way to bound a blocking ``recv`` from the
outside except closing its socket, so that is what happens here:

- :class:`DeadlineAdapter` is mounted on the session; its connections tell the
  :class:`Watchdog` which socket the current thread's request uses (when they connect, and
  each time a kept-alive connection sends a request);
- :meth:`Watchdog.watch` opens a :class:`Watch` for one call; one daemon thread shuts the
  watched sockets down when the deadline passes, which ends any blocked read at once (the
  read sees end-of-file and urllib3 raises); the transport sees ``watch.fired`` and reports
  :class:`~cvatorm.exceptions.DeadlineExceededError` instead of retrying.

A socket belongs to the last watch that used it: a pooled connection reused by another request
is never shut down on behalf of an older one. One thread serves every client; a watch costs a
heap push, not a thread.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["WATCHDOG", "DeadlineAdapter", "Watch", "Watchdog"]


class Watch:
    """One call's deadline (``time.monotonic()`` based) and the sockets it currently uses."""

    __slots__ = ("deadline", "done", "fired", "sockets")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.done = False
        self.fired = False
        self.sockets: list[socket.socket] = []

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class Watchdog:
    """Shuts down the sockets of watches whose deadline passed (one daemon thread, lazily)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._owner: dict[socket.socket, Watch] = {}
        self._finished = 0  # done watches still in the heap
        self._local = threading.local()
        self._thread: threading.Thread | None = None

    # -- the calling thread ------------------------------------------------------------------

    def watch(self, seconds: float) -> Watch:
        """Start watching a call of the current thread that must end within ``seconds``."""
        watch = Watch(time.monotonic() + seconds)
        with self._cond:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cvatorm-deadline-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        self._local.current = watch
        return watch

    def detach(self) -> None:
        """The current thread's requests are no longer part of its watch (the watch goes on
        covering the sockets it already claimed: a streamed body being read)."""
        self._local.current = None

    def finish(self, watch: Watch) -> None:
        """The call is over: its sockets are nobody's any more."""
        with self._cond:
            watch.done = True
            for sock in watch.sockets:
                if self._owner.get(sock) is watch:
                    del self._owner[sock]
            watch.sockets.clear()
            self._finished += 1
            if self._finished > 256 and self._finished * 2 > len(self._heap):
                # Most calls end long before their deadline: drop them in one O(n) pass.
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._finished = 0
        if getattr(self._local, "current", None) is watch:
            self._local.current = None

    def claim(self, sock: socket.socket | None) -> None:
        """``sock`` now carries the current thread's request (called by the connections)."""
        watch = getattr(self._local, "current", None)
        if sock is None or watch is None or watch.done:
            return
        with self._cond:
            previous = self._owner.get(sock)
            if previous is watch:
                return
            self._owner[sock] = watch
            watch.sockets.append(sock)
            late = watch.fired
        if late:
            _shut(sock)

    # -- the watchdog thread -----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                    self._finished = max(0, self._finished - 1)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, watch = heapq.heappop(self._heap)
                watch.fired = True
                doomed = [s for s in watch.sockets if self._owner.get(s) is watch]
            for sock in doomed:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End every blocked read or write on ``sock`` (the plain socket call, so that a TLS
    socket's wrapper state is left alone; the reader sees end-of-file)."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


#: The process's watchdog, shared by every transport.
WATCHDOG = Watchdog()


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        WATCHDOG.claim(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        WATCHDOG.claim(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        WATCHDOG.claim(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        WATCHDOG.claim(self.sock)
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections report their sockets to :data:`WATCHDOG`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
