"""Waiting for CVAT background requests (``/api/requests/<rq_id>``).

Exports, imports, backups and task data creation answer ``202 {"rq_id"}`` and run on the
server's workers. :func:`wait_for_request` polls the request until it is ``finished`` (returns
it), ``failed`` (raises ``BackgroundRequestException`` with the server's own message) or the
deadline passes (``OperationTimeoutError``).

The waits follow the server rather than a fixed period: the first pause is short
(``FIRST_POLL_PERIOD``, 0.05 s) and each next one is ``POLL_BACKOFF`` (1.5) times longer, up to
``status_check_period`` (``Config.status_check_period``, 5 s by default). Most requests of a small
task finish in a fraction of a second, and then the wait ends a fraction of a second later
(cvat-sdk sleeps the whole period first: every export took at least 5 s); a long one is asked
about every ``status_check_period`` seconds after a dozen quick polls. Each poll's document is
handed to ``on_poll`` (the progress reporting of :mod:`cvatorm.transfer.waiting` and
``Client.wait_for_completion(progress=...)``). An answer that is not a request document (a JSON
list, an object without a known ``status``) is a ``MalformedResponseError`` at once: polling it
again would only wait for the timeout. It only needs a function that fetches one poll's
response, so it is independent of the client and testable on its own. The callers give the
default overall timeout (``Config.background_timeout``, one hour unless configured).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from cvatorm.exceptions import (
    BackgroundRequestException,
    InvalidArgumentError,
    MalformedResponseError,
    OperationTimeoutError,
)

__all__ = [
    "FAILED",
    "FINISHED",
    "FIRST_POLL_PERIOD",
    "POLL_BACKOFF",
    "STATUSES",
    "BackgroundRequest",
    "poll_pauses",
    "wait_for_request",
]

FINISHED = "finished"
FAILED = "failed"
#: The statuses CVAT's ``RequestStatus`` has (``cvat/apps/redis_handler/serializers.py``).
STATUSES = frozenset({"queued", "started", FAILED, FINISHED})
#: The first pause between two polls (seconds), and how much longer each next pause is.
FIRST_POLL_PERIOD = 0.05
POLL_BACKOFF = 1.5


@dataclass(frozen=True)
class BackgroundRequest(Mapping[str, Any]):
    """One ``/api/requests/<id>`` document: attribute access for the usual fields, and the whole
    JSON as a read-only mapping (``request["operation"]["type"]``)."""

    raw: Mapping[str, Any] = field(repr=False)

    @property
    def id(self) -> str:
        return str(self.raw.get("id", ""))

    @property
    def status(self) -> str:
        return str(self.raw.get("status", ""))

    @property
    def message(self) -> str:
        return str(self.raw.get("message") or "")

    @property
    def progress(self) -> float | None:
        value = self.raw.get("progress")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def operation(self) -> Mapping[str, Any]:
        value = self.raw.get("operation")
        return value if isinstance(value, Mapping) else {}

    @property
    def result_url(self) -> str | None:
        value = self.raw.get("result_url")
        return value if isinstance(value, str) else None

    @property
    def result_id(self) -> int | None:
        value = self.raw.get("result_id")
        return value if isinstance(value, int) else None

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"BackgroundRequest(id={self.id!r}, status={self.status!r})"


def poll_pauses(
    status_check_period: float,
    *,
    first_period: float = FIRST_POLL_PERIOD,
    backoff: float = POLL_BACKOFF,
) -> Iterator[float]:
    """The pauses between polls: ``first_period`` (at most ``status_check_period``), then each
    ``backoff`` times the previous one, then ``status_check_period`` for ever."""
    pause = min(first_period, status_check_period)
    while True:
        yield pause
        pause = min(pause * backoff, status_check_period)


def wait_for_request(
    fetch: Callable[[str], requests.Response],
    rq_id: str,
    *,
    status_check_period: float,
    timeout: float | None = None,
    log_prefix: str | None = None,
    logger: logging.Logger,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    first_period: float = FIRST_POLL_PERIOD,
    on_poll: Callable[[BackgroundRequest], None] | None = None,
) -> tuple[BackgroundRequest, requests.Response]:
    """Poll ``fetch(rq_id)`` until the request ends, pausing ``first_period`` seconds first and
    backing off geometrically to ``status_check_period`` (see :func:`poll_pauses`); each poll's
    request goes to ``on_poll``. ``timeout=None`` waits as long as it takes."""
    if not _positive(status_check_period):
        raise InvalidArgumentError(
            "status_check_period", status_check_period, "a finite number of seconds > 0"
        )
    if timeout is not None and not _positive(timeout):
        raise InvalidArgumentError("timeout", timeout, "None or a finite number of seconds > 0")
    if not _positive(first_period):
        raise InvalidArgumentError("first_period", first_period, "a finite number of seconds > 0")
    deadline = None if timeout is None else monotonic() + timeout
    pauses = poll_pauses(status_check_period, first_period=first_period)
    last_status = None
    while True:
        response = fetch(rq_id)
        request = parse_request(response.json(), rq_id)
        if on_poll is not None:
            on_poll(request)
        if request.status != last_status or request.status in (FINISHED, FAILED):
            # One line per change of status: quick polls must not flood the log.
            prefix = log_prefix or f"{request.operation.get('type') or 'background'} operation"
            logger.info("%s status: %s (message=%s)", prefix, request.status, request.message)
            last_status = request.status
        if request.status == FINISHED:
            return request, response
        if request.status == FAILED:
            raise BackgroundRequestException(
                request.message or f"background request {rq_id} failed",
                rq_id=rq_id,
                status=request.status,
            )
        pause = next(pauses)
        if deadline is not None:
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise OperationTimeoutError(
                    f"background request {rq_id} did not finish within {timeout}s "
                    f"(last status: {request.status or 'unknown'})"
                )
            pause = min(pause, remaining)
        sleep(pause)


def parse_request(document: Any, rq_id: str) -> BackgroundRequest:
    """``document`` as a :class:`BackgroundRequest`, or ``MalformedResponseError`` when it is
    not one (not an object, or no status CVAT knows)."""
    if not isinstance(document, Mapping):
        raise MalformedResponseError(
            f"background request {rq_id}: the server answered a JSON "
            f"{type(document).__name__}, not a request object"
        )
    status = document.get("status")
    if status not in STATUSES:
        raise MalformedResponseError(
            f"background request {rq_id}: the answer has status {status!r}, not one of "
            f"{', '.join(sorted(STATUSES))}"
        )
    return BackgroundRequest(document)


def _positive(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
