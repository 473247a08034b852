"""Waiting for CVAT background requests (``/api/requests/<rq_id>``).

Exports, imports, backups and task data creation answer ``202 {"rq_id"}`` and run on the
server's workers. :func:`wait_for_request` polls the request until it is ``finished`` (returns
it), ``failed`` (raises ``BackgroundRequestException`` with the server's own message) or the
deadline passes (``OperationTimeoutError``). An answer that is not a request document (a JSON
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

__all__ = ["FAILED", "FINISHED", "STATUSES", "BackgroundRequest", "wait_for_request"]

FINISHED = "finished"
FAILED = "failed"
#: The statuses CVAT's ``RequestStatus`` has (``cvat/apps/redis_handler/serializers.py``).
STATUSES = frozenset({"queued", "started", FAILED, FINISHED})


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
) -> tuple[BackgroundRequest, requests.Response]:
    """Poll ``fetch(rq_id)`` every ``status_check_period`` seconds until the request ends;
    ``timeout=None`` waits as long as it takes."""
    if not _positive(status_check_period):
        raise InvalidArgumentError(
            "status_check_period", status_check_period, "a finite number of seconds > 0"
        )
    if timeout is not None and not _positive(timeout):
        raise InvalidArgumentError("timeout", timeout, "None or a finite number of seconds > 0")
    deadline = None if timeout is None else monotonic() + timeout
    while True:
        response = fetch(rq_id)
        request = parse_request(response.json(), rq_id)
        prefix = log_prefix or f"{request.operation.get('type') or 'background'} operation"
        logger.info("%s status: %s (message=%s)", prefix, request.status, request.message)
        if request.status == FINISHED:
            return request, response
        if request.status == FAILED:
            raise BackgroundRequestException(
                request.message or f"background request {rq_id} failed",
                rq_id=rq_id,
                status=request.status,
            )
        pause = status_check_period
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
