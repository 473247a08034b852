"""Progress reporting for long operations: one small protocol, silent unless asked.

Every long operation (uploads, downloads, waiting on a background request, bulk frame
downloads, the query layer's bulk ``update()``/``delete()``) takes ``progress=`` and reports
through the same four calls, so one reporter works everywhere and a pipeline can plug in its
own (a log line, a web socket, a test recorder)::

    reporter.start(total, desc="Uploading", unit="B")   # total may be None (unknown)
    reporter.advance(n)                                  # n more units done
    reporter.update(done)                                # or: this many done in all
    reporter.finish()

``progress=None`` (the default) is silent. ``progress=True`` shows tqdm bars when tqdm is
installed (it stays an optional dependency, imported only then) and is silent otherwise.
cvat-sdk's reporters (``start2``/``advance``/``finish``) are accepted too, adapted on the fly,
so code moving from the SDK keeps its progress bars.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = [
    "NullProgress",
    "ProgressLike",
    "ProgressReporter",
    "TqdmProgress",
    "reporting",
    "resolve_progress",
    "tracked",
]

T = TypeVar("T")


@runtime_checkable
class ProgressReporter(Protocol):
    """What every long operation reports to. One operation at a time per reporter."""

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        """A new operation of ``total`` units (``None``: unknown) begins."""

    def advance(self, delta: float) -> None:
        """``delta`` more units are done."""

    def update(self, done: float) -> None:
        """``done`` units are done in all (for sources that report totals, e.g. the server)."""

    def finish(self) -> None:
        """The operation ended (successfully or not)."""


class NullProgress:
    """Reports nothing: the default."""

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        pass

    def advance(self, delta: float) -> None:
        pass

    def update(self, done: float) -> None:
        pass

    def finish(self) -> None:
        pass


class TqdmProgress:
    """A tqdm bar per operation. Raises ``ImportError`` when tqdm is not installed."""

    def __init__(self, **tqdm_options: Any) -> None:
        import tqdm  # optional dependency: only needed when this reporter is used

        self._tqdm = tqdm.tqdm
        self._options = tqdm_options
        self._bar: Any = None
        self._done = 0.0

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.finish()
        byte_units = unit == "B"
        self._done = 0.0
        self._bar = self._tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=byte_units,
            unit_divisor=1024 if byte_units else 1000,
            **self._options,
        )

    def advance(self, delta: float) -> None:
        if self._bar is not None:
            self._done += delta
            self._bar.update(delta)

    def update(self, done: float) -> None:
        if self._bar is not None and done != self._done:
            self._bar.update(done - self._done)
            self._done = done

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _SdkAdapter:
    """cvat-sdk's ``ProgressReporter`` (``start2``/``report_status``/``advance``/``finish``)."""

    def __init__(self, sdk_reporter: Any) -> None:
        self._sdk = sdk_reporter
        self._done = 0.0

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self._done = 0.0
        self._sdk.start2(total=total, desc=desc, unit=unit)

    def advance(self, delta: float) -> None:
        self._done += delta
        self._sdk.advance(delta)

    def update(self, done: float) -> None:
        if done != self._done:
            self._sdk.advance(done - self._done)
            self._done = done

    def finish(self) -> None:
        self._sdk.finish()


#: What ``progress=`` accepts (a cvat-sdk reporter is accepted at run time too).
ProgressLike = ProgressReporter | bool | None


def resolve_progress(progress: object) -> ProgressReporter:
    """The reporter for a ``progress=`` argument (see the module docstring)."""
    if progress is None or progress is False:
        return NullProgress()
    if progress is True:
        try:
            return TqdmProgress()
        except ImportError:
            return NullProgress()
    if isinstance(progress, ProgressReporter):
        return progress
    if callable(getattr(progress, "start2", None)) and callable(getattr(progress, "advance", None)):
        return _SdkAdapter(progress)
    raise TypeError(
        f"progress must be a ProgressReporter, True, False or None, not {type(progress).__name__}"
    )


@contextlib.contextmanager
def reporting(
    reporter: ProgressReporter, total: float | None, *, desc: str, unit: str = "it"
) -> Iterator[ProgressReporter]:
    """``start`` now and ``finish`` however the block ends."""
    reporter.start(total, desc=desc, unit=unit)
    try:
        yield reporter
    finally:
        reporter.finish()


def tracked(
    items: Iterable[T],
    progress: object,
    *,
    total: int | None = None,
    desc: str,
    unit: str = "it",
) -> Iterator[T]:
    """Yield ``items``, advancing by one after each: the progress of a bulk operation
    (``for obj in tracked(objs, progress, total=len(objs), desc="Updating tasks"): ...``).
    ``progress`` is anything :func:`resolve_progress` accepts; ``finish`` runs however the
    loop ends (also on ``break`` or an exception, when the generator is closed)."""
    reporter = resolve_progress(progress)
    with reporting(reporter, total, desc=desc, unit=unit):
        for item in items:
            yield item
            reporter.advance(1)
