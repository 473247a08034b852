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
from cvatorm.exceptions import ValidationError
from cvatorm.operations._common import item_path, rq_id_of, run_background
from cvatorm.progress import ProgressReporter, resolve_progress
from cvatorm.transfer import TransferClient, download, upload_file, wait_for_request
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
    target = Path(path)
    if not target.is_dir() and target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    reporter = resolve_progress(progress)
    request = run_background(
        client,
        "POST",
        item_path(resource, obj_id, "/dataset/export"),
        params={"format": format_name, "save_images": "true" if include_images else "false"},
        organization=organization,
        progress=reporter,
        desc=f"Exporting {resource[:-1]} {obj_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
    return _download_result(client, request, target, organization, reporter, overwrite)


def _download_result(
    client: TransferClient,
    request: BackgroundRequest,
    target: Path,
    organization: OrganizationArg,
    reporter: ProgressReporter,
    overwrite: bool,
) -> Path:
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
    source = Path(path)
    if not source.is_file():
        raise ValidationError({"path": [f"not a file: {source}"]})
    reporter = resolve_progress(progress)
    response = upload_file(
        client,
        item_path("projects", project_id, "/dataset/"),
        source,
        params={"format": format_name, "filename": source.name},
        organization=organization,
        progress=reporter,
    )
    return wait_for_request(
        client,
        rq_id_of(response.json()),
        progress=reporter,
        desc=f"Importing a dataset into project {project_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
