"""Waiting on a background request (``/api/requests/<rq_id>``) while reporting its progress.

The polling and the failure handling (``BackgroundRequestException`` carrying the server's own
message, ``OperationTimeoutError``) are the connection layer's
:func:`cvatorm.connection.background.wait_for_request`; this adds the server's ``progress``
field, reported to a :class:`~cvatorm.progress.ProgressReporter` as a percentage.
"""

from __future__ import annotations

import requests

from cvatorm.connection.background import BackgroundRequest, parse_request
from cvatorm.connection.background import wait_for_request as _poll
from cvatorm.connection.client import Client
from cvatorm.progress import ProgressReporter, reporting
from cvatorm.wire.endpoints import request_path

__all__ = ["wait_for_request"]


def wait_for_request(
    client: Client,
    rq_id: str,
    *,
    progress: ProgressReporter,
    desc: str = "Waiting for the server",
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> BackgroundRequest:
    """Poll until the request is finished (returned) or failed (raised); ``timeout=None`` means
    ``Config.background_timeout``."""
    path = request_path(rq_id)

    def fetch(request_id: str) -> requests.Response:
        response = client.request("GET", path, organization=None)
        value = parse_request(response.json(), request_id).progress
        if value is not None:
            progress.update(round(value * 100, 1))
        return response

    period = (
        client.config.status_check_period if status_check_period is None else status_check_period
    )
    if timeout is None:
        timeout = client.config.background_timeout
    with reporting(progress, 100, desc=desc, unit="%"):
        request, _ = _poll(
            fetch,
            rq_id,
            status_check_period=period,
            timeout=timeout,
            log_prefix=desc,
            logger=client.logger,
        )
        progress.update(100)
    return request
