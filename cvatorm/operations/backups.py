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
from cvatorm.operations._common import (
    download_result,
    existing_file,
    fetch,
    item_path,
    upload_and_wait,
)
from cvatorm.progress import resolve_progress
from cvatorm.transfer import TransferClient, writable_target
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
    target = writable_target(path, overwrite)
    reporter = resolve_progress(progress)
    return download_result(
        client,
        item_path(resource, obj_id, "/backup/export"),
        target,
        organization=organization,
        progress=reporter,
        overwrite=overwrite,
        desc=f"Backing up {resource[:-1]} {obj_id}",
        status_check_period=status_check_period,
        timeout=timeout,
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
    source = existing_file(path)
    reporter = resolve_progress(progress)
    request = upload_and_wait(
        client,
        f"/api/{resource}/backup/",
        source,
        params={},
        organization=organization,
        progress=reporter,
        desc=f"Restoring a {resource[:-1]}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
    if request.result_id is None:
        raise ValueError(f"the finished request {request.id} did not name the new object")
    return fetch(resource, request.result_id, client, organization)
