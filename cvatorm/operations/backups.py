"""Backups: download a task's or project's backup, and recreate one from a backup file.

A backup is prepared by a background request and downloaded from its ``result_url`` (to a
temporary file moved into place when complete); restoring uploads the file (TUS, resumable)
and waits for the server, whose finished request names the new object (``result_id``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cvatorm.connection.context import Context, Target
from cvatorm.operations._common import download_result, existing_file, upload_and_wait
from cvatorm.transfer import writable_target
from cvatorm.wire.resource import Resource

__all__ = ["download_backup", "restore_backup"]


def download_backup(
    target: Target, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Back up the object to ``path`` (a file, or a folder for the server's name)."""
    destination = writable_target(path, overwrite)
    return download_result(
        target,
        "backup_export",
        destination,
        overwrite=overwrite,
        desc=f"Backing up {target.describe()}",
    )


def restore_backup(context: Context, api: Resource, path: str | os.PathLike[str]) -> int:
    """Recreate an object of ``api`` (a task or project) from a backup file; returns the new
    object's id (the model layer reads it)."""
    source = existing_file(path)
    request = upload_and_wait(
        context,
        api.action_path("backup_import"),
        source,
        params={},
        desc=f"Restoring {api.name}",
    )
    if request.result_id is None:
        raise ValueError(f"the finished request {request.id} did not name the new object")
    return int(request.result_id)
