"""Background requests (CVAT's RQ jobs): ``202 {"rq_id"}`` now, ``GET /api/requests/<id>`` later.

Any route can :meth:`Background.submit` a piece of work; one worker thread runs the queue in
order, moving each request through ``queued`` -> ``started`` -> ``finished`` (or ``failed``),
like the real server's export worker. Exports keep their file here until downloaded through the
request's ``result_url``. Task data upload, annotation import and dataset export plug in the same
way: a work function plus the request id and operation they report.

Tests steer it with :meth:`fail_next` (the next matching requests fail with a message),
:meth:`pause`/:meth:`resume` (hold requests in ``queued``) and :attr:`duration` (seconds each
request stays ``started``).
"""

from __future__ import annotations

import datetime
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cvatorm.testing.store import now_iso

if TYPE_CHECKING:
    from cvatorm.testing.app import App

#: How long the real server keeps a finished export (its default export cache TTL), seconds.
RESULT_TTL = 86400


def _wire_operation(operation: dict[str, Any]) -> dict[str, Any]:
    """The ``operation`` as CVAT 2.64.1 shows it (asked): ``lightweight`` is null for every
    operation, ``function_id`` appears for auto-annotation only."""
    shown = {
        key: value
        for key, value in operation.items()
        if key != "function_id" and not key.startswith("_")  # "_x": the route's own notes
    }
    if operation.get("function_id") is not None:
        shown["function_id"] = operation["function_id"]
    shown["lightweight"] = None
    return shown


@dataclass
class Outcome:
    """What a work function produced: a file to download and/or an object id."""

    file: bytes | None = None
    filename: str | None = None
    content_type: str = "application/zip"
    result_id: int | None = None


class BackgroundFailure(Exception):
    """Raised by a work function (or injected) to fail a request with this message."""


@dataclass
class BackgroundRequest:
    """One background request in the shape of the real ``Request`` serializer."""

    id: str
    operation: dict[str, Any]
    owner: dict[str, Any]
    work: Callable[[BackgroundRequest], Outcome]
    result_url: str | None = None
    status: str = "queued"
    message: str = ""
    progress: float = 0.0
    created_date: str = field(default_factory=now_iso)
    started_date: str | None = None
    finished_date: str | None = None
    expiry_date: str | None = None
    outcome: Outcome | None = None
    cancelled: bool = False

    def to_wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "message": self.message,
            "id": self.id,
            "operation": _wire_operation(self.operation),
            "progress": self.progress,
            "created_date": self.created_date,
            "started_date": self.started_date,
            "finished_date": self.finished_date,
            "expiry_date": self.expiry_date,
            "owner": dict(self.owner),
        }
        if self.status == "finished":
            # CVAT 2.64.1 (asked): a finished request has both, null when not applicable
            exported = str(self.operation.get("type", "")).startswith("export")
            # None for an export to a cloud storage: nothing to download from the server
            data["result_url"] = self.result_url if exported else None
            data["result_id"] = self.outcome.result_id if self.outcome is not None else None
        elif self.status == "failed":
            # CVAT 2.64.1 (asked): a failed request has both, null
            data["result_url"] = data["result_id"] = None
        return data

    @property
    def active(self) -> bool:
        return self.status in ("queued", "started")


@dataclass
class _InjectedFailure:
    message: str
    remaining: int
    match: Callable[[BackgroundRequest], bool] | None


class Background:
    """The queue and worker of one server."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.duration = 0.05
        self._lock = threading.RLock()
        self._requests: dict[str, BackgroundRequest] = {}
        self._queue: queue.Queue[BackgroundRequest | None] = queue.Queue()
        self._failures: list[_InjectedFailure] = []
        self._running = threading.Event()
        self._running.set()
        self._worker: threading.Thread | None = None

    # -- steering (tests) ---------------------------------------------------------------------

    def fail_next(
        self,
        times: int = 1,
        message: str = "Injected failure",
        *,
        operation: str | None = None,
        match: Callable[[BackgroundRequest], bool] | None = None,
    ) -> None:
        """Make the next ``times`` requests (of ``operation`` type, e.g. ``"export:backup"``,
        or for which ``match`` is true) fail with ``message``."""

        def matcher(request: BackgroundRequest) -> bool:
            if operation is not None and request.operation.get("type") != operation:
                return False
            return match is None or match(request)

        with self._lock:
            self._failures.append(_InjectedFailure(message, times, matcher))

    def pause(self) -> None:
        """Hold new and queued requests in ``queued`` until :meth:`resume`."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    # -- API for routes -----------------------------------------------------------------------

    def submit(
        self,
        rq_id: str,
        operation: dict[str, Any],
        owner: dict[str, Any],
        work: Callable[[BackgroundRequest], Outcome],
        result_url: str | None = None,
    ) -> BackgroundRequest:
        """Queue work under ``rq_id`` (replacing a finished or failed request of that id)."""
        request = BackgroundRequest(
            id=rq_id,
            operation=operation,
            owner={"id": owner["id"], "username": owner["username"]},
            work=work,
            result_url=result_url,
        )
        with self._lock:
            self._requests.pop(rq_id, None)
            self._requests[rq_id] = request
            self._ensure_worker()
        self._queue.put(request)
        return request

    def get(self, rq_id: str) -> BackgroundRequest | None:
        with self._lock:
            return self._requests.get(rq_id)

    def all(self) -> list[BackgroundRequest]:
        with self._lock:
            return list(self._requests.values())

    def cancel(self, rq_id: str) -> bool:
        """Cancel a queued request (the real server can only cancel queued ones)."""
        with self._lock:
            request = self._requests.get(rq_id)
            if request is None or request.status != "queued":
                return False
            request.cancelled = True
            del self._requests[rq_id]
            return True

    def remove(self, rq_id: str) -> bool:
        """Delete a request in any state (RQ's ``job.delete()``: a started one stops being
        reported and its result is dropped); False when there is none."""
        with self._lock:
            request = self._requests.pop(rq_id, None)
            if request is None:
                return False
            request.cancelled = True
            return True

    def reset(self) -> None:
        with self._lock:
            for request in self._requests.values():
                request.cancelled = True
            self._requests.clear()
            self._failures.clear()
        self.resume()

    def stop(self) -> None:
        self.resume()
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout=5)

    # -- worker -------------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._run, name="LocalCVAT-background", daemon=True
            )
            self._worker.start()

    def _injected_failure(self, request: BackgroundRequest) -> str | None:
        with self._lock:
            for failure in self._failures:
                if failure.remaining > 0 and (failure.match is None or failure.match(request)):
                    failure.remaining -= 1
                    return failure.message
        return None

    def _run(self) -> None:
        while True:
            request = self._queue.get()
            if request is None:
                return
            self._running.wait()
            if request.cancelled:
                continue
            self._process(request)

    def _process(self, request: BackgroundRequest) -> None:
        with self._lock:
            request.status = "started"
            request.started_date = now_iso()
            request.progress = 0.0
        stop = threading.Event()
        stop.wait(self.duration / 2)
        with self._lock:
            request.progress = _progress_shown(request, 0.5)
        stop.wait(self.duration / 2)
        failure = self._injected_failure(request)
        try:
            if failure is not None:
                raise BackgroundFailure(failure)
            outcome = request.work(request)
        except Exception as error:  # the real worker reports any exception as the message
            with self._lock:
                request.status = "failed"
                request.message = str(error) or type(error).__name__
                request.progress = 0.0
                request.finished_date = now_iso()
                request.expiry_date = _later(RESULT_TTL)
            return
        with self._lock:
            if request.cancelled:  # removed while it ran: nothing is reported
                return
            request.outcome = outcome
            request.status = "finished"
            request.progress = _progress_shown(request, 1.0)
            request.finished_date = now_iso()
            request.expiry_date = _later(RESULT_TTL)


def _progress_shown(request: BackgroundRequest, fraction: float) -> float:
    """The ``progress`` CVAT 2.64 reports for a request ``fraction`` done (asked): task
    creation, imports and auto-annotation record a fraction (``task_progress``/``progress``;
    ``/api/lambda/requests`` shows auto-annotation's as a percentage), exports nothing (0.0
    even when finished)."""
    kind = str(request.operation.get("type", ""))
    if kind.startswith(("create:", "import:", "autoannotate:")):
        return fraction
    return 0.0


def _later(seconds: int) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
