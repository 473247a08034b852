"""Dataset exports (tasks, jobs, projects) and dataset import into projects.

``export_dataset`` starts the export, waits for the background request (its failure raises
``BackgroundRequestException`` with the server's message: exports never fail silently), then
downloads ``result_url`` to a temporary file that is moved into place only when complete.
"""

from __future__ import annotations

import os
from pathlib import Path

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.operations._common import (
    download_result,
    existing_file,
    item_path,
    upload_and_wait,
)
from cvatorm.progress import resolve_progress
from cvatorm.transfer import TransferClient, writable_target
from cvatorm.transfer.client import OrganizationArg

__all__ = ["export_dataset", "import_dataset"]


def export_dataset(
    client: TransferClient,
    resource: str,
    obj_id: int,
    format_name: str,
    path: str | os.PathLike[str],
    *,
    include_images: bool = False,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    overwrite: bool = False,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> Path:
    """Export a task, job or project in ``format_name`` (e.g. ``"CVAT for images 1.1"``) to
    ``path`` (a file, or an existing folder for the server's file name); returns the path."""
    target = writable_target(path, overwrite)
    reporter = resolve_progress(progress)
    return download_result(
        client,
        item_path(resource, obj_id, "/dataset/export"),
        target,
        params={"format": format_name, "save_images": "true" if include_images else "false"},
        organization=organization,
        progress=reporter,
        overwrite=overwrite,
        desc=f"Exporting {resource[:-1]} {obj_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )


def import_dataset(
    client: TransferClient,
    project_id: int,
    format_name: str,
    path: str | os.PathLike[str],
    *,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> BackgroundRequest:
    """Import a dataset file into a project (the server creates its tasks) and wait."""
    source = existing_file(path)
    reporter = resolve_progress(progress)
    return upload_and_wait(
        client,
        item_path("projects", project_id, "/dataset/"),
        source,
        params={"format": format_name},
        organization=organization,
        progress=reporter,
        desc=f"Importing a dataset into project {project_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
