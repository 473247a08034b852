"""Backups: download a task's or project's backup, and recreate one from a backup file.

A backup is prepared by a background request and downloaded from its ``result_url`` (to a
temporary file moved into place when complete); restoring uploads the file (TUS, resumable)
and waits for the server, whose finished request names the new object (``result_id``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cvatorm._sentinels import INHERIT
from cvatorm.exceptions import ValidationError
from cvatorm.operations._common import fetch, item_path, rq_id_of, run_background
from cvatorm.progress import resolve_progress
from cvatorm.transfer import TransferClient, download, upload_file, wait_for_request
from cvatorm.transfer.client import OrganizationArg

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["create_from_backup", "download_backup"]

_BACKED_UP = ("tasks", "projects")


def download_backup(
    client: TransferClient,
    resource: str,
    obj_id: int,
    path: str | os.PathLike[str],
    *,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    overwrite: bool = False,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> Path:
    """Back up a task or project to ``path`` (a file, or a folder for the server's name)."""
    if resource not in _BACKED_UP:
        raise ValueError(f"backups are made of tasks or projects, not {resource!r}")
    target = Path(path)
    if not target.is_dir() and target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    reporter = resolve_progress(progress)
    request = run_background(
        client,
        "POST",
        item_path(resource, obj_id, "/backup/export"),
        organization=organization,
        progress=reporter,
        desc=f"Backing up {resource[:-1]} {obj_id}",
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
        progress=reporter,
        overwrite=overwrite,
    )


def create_from_backup(
    client: TransferClient,
    resource: str,
    path: str | os.PathLike[str],
    *,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> Model:
    """Recreate a task or project from a backup file; returns the new object."""
    if resource not in _BACKED_UP:
        raise ValueError(f"backups are made of tasks or projects, not {resource!r}")
    source = Path(path)
    if not source.is_file():
        raise ValidationError({"path": [f"not a file: {source}"]})
    reporter = resolve_progress(progress)
    response = upload_file(
        client,
        f"/api/{resource}/backup/",
        source,
        params={"filename": source.name},
        organization=organization,
        progress=reporter,
    )
    request = wait_for_request(
        client,
        rq_id_of(response.json()),
        progress=reporter,
        desc=f"Restoring a {resource[:-1]}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
    if request.result_id is None:
        raise ValueError(f"the finished request {request.id} did not name the new object")
    return fetch(resource, request.result_id, client, organization)
