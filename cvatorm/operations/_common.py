"""What every operation shares: starting a background request and waiting for it (and
downloading what it made), uploading a file and waiting for the server to process it.

Operations receive a :class:`~cvatorm.connection.context.Target` (or a ``Context`` for what
concerns no single object): it knows the client, the organization, the progress reporter, the
polling, the resource descriptor and the object's key, so nothing is threaded by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Context, Target
from cvatorm.exceptions import (
    ConflictError,
    InvalidArgumentError,
    MalformedResponseError,
    ValidationError,
)
from cvatorm.transfer import download, upload_file, wait_for_request

__all__ = [
    "download_result",
    "existing_file",
    "rq_id_of",
    "run_background",
    "start_background",
    "upload_and_wait",
    "wait",
]


def rq_id_of(body: Any) -> str:
    """The ``rq_id`` of a ``202`` (or ``409``) answer; a clear error if the server sent none."""
    if isinstance(body, Mapping) and isinstance(body.get("rq_id"), str) and body["rq_id"]:
        return str(body["rq_id"])
    raise ValueError(f"the server did not answer a background request id (got {body!r})")


def start_background(
    context: Context, method: str, path: str, *, params: Mapping[str, Any] | None = None
) -> str:
    """Send the request that starts a background operation and return its ``rq_id``.

    A ``409`` that names the identical request already running (the real server's answer to a
    repeated export) is joined instead of failing: waiting for it gives the same file.
    """
    try:
        response = context.request(method, path, params=dict(params or {}))
    except ConflictError as conflict:
        if isinstance(conflict.body, Mapping) and conflict.body.get("rq_id"):
            return rq_id_of(conflict.body)
        if "rq_id" in str(conflict.body):
            # The running request's id was in the answer, but the answer arrived damaged.
            raise MalformedResponseError(
                f"{method} {path}: the server answered 409 (the same request is already "
                f"running) but its answer was damaged, so it cannot be joined: {conflict}"
            ) from conflict
        raise
    return rq_id_of(response.json())


def wait(context: Context, rq_id: str, *, desc: str) -> BackgroundRequest:
    """Wait for the background request ``rq_id`` with the context's progress and polling."""
    return wait_for_request(
        context.client,
        rq_id,
        progress=context.progress,
        desc=desc,
        status_check_period=context.polling.period,
        timeout=context.polling.timeout,
    )


def run_background(
    context: Context,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    desc: str,
) -> BackgroundRequest:
    """Start a background operation and wait until it finished (or raise its failure)."""
    return wait(context, start_background(context, method, path, params=params), desc=desc)


def download_result(
    target: Target,
    action: str,
    destination: Path,
    *,
    params: Mapping[str, Any] | None = None,
    overwrite: bool,
    desc: str,
) -> Path:
    """``POST`` the object's ``action`` (an export), wait until the server finished it, then
    download its ``result_url`` to ``destination`` (atomically: see
    :func:`cvatorm.transfer.download`)."""
    context = target.context
    request = run_background(context, "POST", target.path(action), params=params, desc=desc)
    if request.result_url is None:
        raise ValueError(f"the finished request {request.id} has no result_url to download")
    return download(
        context.client,
        request.result_url,
        destination,
        organization=context.organization,
        progress=context.progress,
        overwrite=overwrite,
    )


def existing_file(path: str | os.PathLike[str], *, argument: str = "filename") -> Path:
    """``path`` as a ``Path``, checked before any request: ``InvalidArgumentError`` if it is
    not a path, ``ValidationError`` if it is no file (both name ``argument``, the public
    parameter)."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise InvalidArgumentError(argument, path, "a file path (str or PathLike)")
    source = Path(path)
    if not source.is_file():
        raise ValidationError({argument: [f"not a file: {source}"]})
    return source


def check_format(format_name: object, *, argument: str = "format_name") -> str:
    """A format name (``"CVAT 1.1"``...): a non-blank string, checked before any request.
    Whether the server has it only the server knows (``/api/server/annotation/formats``)."""
    if not isinstance(format_name, str) or not format_name.strip():
        raise InvalidArgumentError(
            argument, format_name, "a format name such as 'CVAT 1.1' (str)"
        )
    return format_name


def upload_and_wait(
    context: Context, path: str, source: Path, *, params: Mapping[str, Any], desc: str
) -> BackgroundRequest:
    """Upload ``source`` to ``path`` (``params`` plus ``filename``), then wait for the
    background request the server answered with (or raise its failure)."""
    response = upload_file(
        context.client,
        path,
        source,
        params={**params, "filename": source.name},
        organization=context.organization,
        progress=context.progress,
    )
    return wait(context, rq_id_of(response.json()), desc=desc)
