"""Dataset exports (tasks, jobs, projects) and dataset import into projects.

``export_dataset`` starts the export, waits for the background request (its failure raises
``BackgroundRequestException`` with the server's message: exports never fail silently), then
downloads ``result_url`` to a temporary file that is moved into place only when complete.
"""

from __future__ import annotations

import os
from pathlib import Path

from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Target
from cvatorm.operations._common import (
    check_format,
    download_result,
    existing_file,
    upload_and_wait,
)
from cvatorm.transfer import writable_target

__all__ = ["export_dataset", "import_dataset"]


def export_dataset(
    target: Target,
    format_name: str,
    path: str | os.PathLike[str],
    *,
    include_images: bool = False,
    overwrite: bool = False,
) -> Path:
    """Export the object in ``format_name`` (e.g. ``"CVAT for images 1.1"``) to ``path`` (a
    file, or an existing folder for the server's file name); returns the path."""
    check_format(format_name)
    destination = writable_target(path, overwrite)
    target.context.client.check_format(format_name, "export")
    return download_result(
        target,
        "dataset_export",
        destination,
        params={"format": format_name, "save_images": "true" if include_images else "false"},
        overwrite=overwrite,
        desc=f"Exporting {target.describe()}",
    )


def import_dataset(
    target: Target, format_name: str, path: str | os.PathLike[str]
) -> BackgroundRequest:
    """Import a dataset file into a project (the server creates its tasks) and wait."""
    check_format(format_name)
    source = existing_file(path)
    target.context.client.check_format(format_name, "import")
    return upload_and_wait(
        target.context,
        target.path("dataset_import"),
        source,
        params={"format": format_name},
        desc=f"Importing a dataset into {target.describe()}",
    )
