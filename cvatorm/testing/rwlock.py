"""A re-entrant readers-writer lock: the test server's data is read by many requests at once.

LocalCVAT serves each request in its own thread. Reads (list and retrieve requests) may run
side by side; a write waits until no read is in progress and keeps every other request out
while it changes rows and their derived fields, so no reader ever sees a half-made change.

Both modes are re-entrant per thread. A thread that holds the write lock may also read. A
thread that holds only read holds and asks to write gives them up, waits for the write lock,
and gets them back when its write is done (an upgrade that can never deadlock with another
upgrading reader); what it read before the write may have changed, as between two requests.
Writers are preferred: once one waits, new readers wait behind it, so a stream of reads cannot
starve a write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType


class RWLock:
    """Shared (:meth:`acquire_read`) and exclusive (:meth:`acquire_write`) holds."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._writer: int | None = None
        self._write_depth = 0
        self._readers: dict[int, int] = {}
        self._waiting_writers = 0
        #: Read holds the writer gave up to write (restored when its write ends).
        self._suspended = 0
        #: Upgrades so far (a read hold that had to write): for tests and diagnostics.
        self.upgrades = 0

    # -- shared -------------------------------------------------------------------------------

    def acquire_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me or me in self._readers:
                self._readers[me] = self._readers.get(me, 0) + 1
                return
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers[me] = 1

    def release_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            left = self._readers[me] - 1
            if left:
                self._readers[me] = left
                return
            del self._readers[me]
            if not self._readers:
                self._cond.notify_all()

    # -- exclusive ----------------------------------------------------------------------------

    def acquire_write(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._write_depth += 1
                return
            held = self._readers.pop(me, 0)  # an upgrade: give up this thread's read holds
            if held:
                self.upgrades += 1
                self._cond.notify_all()
            self._waiting_writers += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._waiting_writers -= 1
            self._writer = me
            self._write_depth = 1
            self._suspended = held

    def release_write(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer != me:
                raise RuntimeError("release of a write lock this thread does not hold")
            self._write_depth -= 1
            if self._write_depth:
                return
            self._writer = None
            if self._suspended:  # the upgraded reader reads on; no other reader can be in
                self._readers[me] = self._readers.get(me, 0) + self._suspended
                self._suspended = 0
            self._cond.notify_all()

    def holds_write(self) -> bool:
        """Whether the calling thread holds the write lock."""
        return self._writer == threading.get_ident()

    # -- context managers ---------------------------------------------------------------------

    @property
    def read(self) -> _Hold:
        """``with lock.read:``: a shared hold."""
        return _Hold(self.acquire_read, self.release_read)

    @property
    def write(self) -> _Hold:
        """``with lock.write:``: an exclusive hold."""
        return _Hold(self.acquire_write, self.release_write)


class _Hold:
    """One mode of an :class:`RWLock` as a context manager (and ``acquire``/``release``, so
    code written for a ``threading.RLock`` keeps working)."""

    __slots__ = ("acquire_hold", "release_hold")

    def __init__(self, acquire: Callable[[], None], release: Callable[[], None]) -> None:
        self.acquire_hold = acquire
        self.release_hold = release

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.acquire_hold()
        return True

    def release(self) -> None:
        self.release_hold()

    def __enter__(self) -> bool:
        self.acquire_hold()
        return True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release_hold()
