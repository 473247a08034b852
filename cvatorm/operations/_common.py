"""What every operation shares: starting a background request and waiting for it (and
downloading what it made), uploading a file and waiting for the server to process it, building
model instances from server data, and the paths of the resources operations act on.

Models are imported lazily (inside functions): the models import this package's mixins, so a
module-level import would be circular.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.exceptions import ConflictError, ValidationError
from cvatorm.progress import ProgressReporter
from cvatorm.transfer import TransferClient, download, upload_file, wait_for_request
from cvatorm.transfer.client import OrganizationArg

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = [
    "download_result",
    "existing_file",
    "item_path",
    "rq_id_of",
    "run_background",
    "start_background",
    "upload_and_wait",
    "wrap",
]

RESOURCES = ("tasks", "jobs", "projects")


def item_path(resource: str, obj_id: int, suffix: str = "") -> str:
    """``/api/<resource>/<id><suffix>`` for tasks, jobs and projects."""
    if resource not in RESOURCES:
        raise ValueError(f"expected one of {', '.join(RESOURCES)}, not {resource!r}")
    return f"/api/{resource}/{int(obj_id)}{suffix}"


def rq_id_of(body: Any) -> str:
    """The ``rq_id`` of a ``202`` (or ``409``) answer; a clear error if the server sent none."""
    if isinstance(body, Mapping) and isinstance(body.get("rq_id"), str) and body["rq_id"]:
        return str(body["rq_id"])
    raise ValueError(f"the server did not answer a background request id (got {body!r})")


def start_background(
    client: TransferClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
) -> str:
    """Send the request that starts a background operation and return its ``rq_id``.

    A ``409`` that names the identical request already running (the real server's answer to a
    repeated export) is joined instead of failing: waiting for it gives the same file.
    """
    try:
        response = client.request(
            method, path, params=dict(params or {}), organization=organization
        )
    except ConflictError as conflict:
        if isinstance(conflict.body, Mapping) and conflict.body.get("rq_id"):
            return rq_id_of(conflict.body)
        raise
    return rq_id_of(response.json())


def run_background(
    client: TransferClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    desc: str,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> BackgroundRequest:
    """Start a background operation and wait until it finished (or raise its failure)."""
    rq_id = start_background(client, method, path, params=params, organization=organization)
    return wait_for_request(
        client,
        rq_id,
        progress=progress,
        desc=desc,
        status_check_period=status_check_period,
        timeout=timeout,
    )


def download_result(
    client: TransferClient,
    path: str,
    target: Path,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg,
    progress: ProgressReporter,
    overwrite: bool,
    desc: str,
    status_check_period: float | None,
    timeout: float | None,
) -> Path:
    """``POST path`` (an export), wait until the server finished it, then download its
    ``result_url`` to ``target`` (atomically: see :func:`cvatorm.transfer.download`)."""
    request = run_background(
        client,
        "POST",
        path,
        params=params,
        organization=organization,
        progress=progress,
        desc=desc,
        status_check_period=status_check_period,
        timeout=timeout,
    )
    if request.result_url is None:
        raise ValueError(f"the finished request {request.id} has no result_url to download")
    return download(
        client,
        request.result_url,
        target,
        organization=organization,
        progress=progress,
        overwrite=overwrite,
    )


def existing_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a ``Path``; a ``ValidationError`` (before any request) if it is no file."""
    source = Path(path)
    if not source.is_file():
        raise ValidationError({"path": [f"not a file: {source}"]})
    return source


def upload_and_wait(
    client: TransferClient,
    path: str,
    source: Path,
    *,
    params: Mapping[str, Any],
    organization: OrganizationArg,
    progress: ProgressReporter,
    desc: str,
    status_check_period: float | None,
    timeout: float | None,
) -> BackgroundRequest:
    """Upload ``source`` to ``path`` (``params`` plus ``filename``), then wait for the
    background request the server answered with (or raise its failure)."""
    response = upload_file(
        client,
        path,
        source,
        params={**params, "filename": source.name},
        organization=organization,
        progress=progress,
    )
    return wait_for_request(
        client,
        rq_id_of(response.json()),
        progress=progress,
        desc=desc,
        status_check_period=status_check_period,
        timeout=timeout,
    )


def wrap(resource: str, data: dict[str, Any], client: Any, organization: OrganizationArg) -> Model:
    """A model instance of ``resource`` around server data."""
    from cvatorm.models.registry import registry

    return registry[resource]._from_wire(data, client=client, organization=organization)


def fetch(resource: str, obj_id: int, client: Any, organization: OrganizationArg) -> Model:
    """GET one object as a model instance."""
    response = client.request("GET", item_path(resource, obj_id), organization=organization)
    return wrap(resource, dict(response.json()), client, organization)
