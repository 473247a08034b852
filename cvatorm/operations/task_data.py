"""Creating tasks from files: ``create_from_data`` and ``upload_data``.

Everything that can be checked locally is checked before the task is created (no resources, a
missing file, two files with the same name, labels together with a project, unknown data
parameters), so bad input never leaves an empty task behind. If the upload or the server's
processing fails afterwards, the new task is deleted again (unless ``keep_on_failure=True``)
and the original error is raised: with the server's own message for a failed background
request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.exceptions import ApiException, TransportError, ValidationError
from cvatorm.operations._common import fetch, item_path, rq_id_of
from cvatorm.progress import ProgressReporter, resolve_progress
from cvatorm.transfer import TransferClient, upload_files, wait_for_request
from cvatorm.transfer.client import OrganizationArg
from cvatorm.transfer.tus import TUS_CHUNK_SIZE
from cvatorm.transfer.upload import MAX_REQUEST_SIZE

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["DATA_PARAMS", "ResourceType", "create_from_data", "upload_data"]

ResourceType = Literal["local", "share", "remote"]
_RESOURCE_TYPES = ("local", "share", "remote")

#: The ``DataRequest`` fields a caller may pass in ``data_params`` (plus cvat-sdk's
#: ``frame_step``, sent as ``frame_filter="step=N"``).
DATA_PARAMS = frozenset(
    {
        "chunk_size",
        "copy_data",
        "image_quality",
        "sorting_method",
        "start_frame",
        "stop_frame",
        "frame_filter",
        "frame_step",
        "use_cache",
        "use_zip_chunks",
        "job_file_mapping",
        "filename_pattern",
        "cloud_storage_id",
        "server_files_exclude",
        "storage_method",
        "validation_params",
    }
)


def _data_fields(data_params: Mapping[str, Any] | None) -> dict[str, Any]:
    params = dict(data_params or {})
    unknown = sorted(set(params) - DATA_PARAMS)
    if unknown:
        raise ValidationError(
            {
                "data_params": [
                    f"unknown parameter(s): {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(DATA_PARAMS))}"
                ]
            }
        )
    fields: dict[str, Any] = {"image_quality": 70}
    step = params.pop("frame_step", None)
    if step is not None:
        fields["frame_filter"] = f"step={int(step)}"
    fields.update({key: value for key, value in params.items() if value is not None})
    return fields


def _local_files(resources: Sequence[str | os.PathLike[str]]) -> list[Path]:
    paths = [Path(resource) for resource in resources]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ValidationError({"resources": [f"not a file: {name}" for name in missing]})
    seen: dict[str, Path] = {}
    for path in paths:
        if path.name in seen:
            raise ValidationError(
                {
                    "resources": [
                        f"two files are named {path.name!r} ({seen[path.name]} and "
                        f"{path}); CVAT keeps file names only, rename one"
                    ]
                }
            )
        seen[path.name] = path
    return paths


def _checked_resources(
    resources: Sequence[str | os.PathLike[str]], resource_type: str
) -> list[Path] | list[str]:
    if isinstance(resources, (str, bytes, os.PathLike)):
        raise ValidationError({"resources": ["expected a list of files, not a single path"]})
    if resource_type not in _RESOURCE_TYPES:
        raise ValidationError(
            {
                "resource_type": [
                    f"expected one of {', '.join(_RESOURCE_TYPES)}, not {resource_type!r}"
                ]
            }
        )
    if not resources:
        raise ValidationError({"resources": ["no files given: a task needs at least one"]})
    if resource_type == "local":
        return _local_files(resources)
    return [os.fspath(resource) for resource in resources]


def upload_data(
    client: TransferClient,
    task_id: int,
    resources: Sequence[str | os.PathLike[str]],
    *,
    resource_type: ResourceType = "local",
    data_params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    wait: bool = True,
    status_check_period: float | None = None,
    timeout: float | None = None,
    max_request_size: int = MAX_REQUEST_SIZE,
    chunk_size: int = TUS_CHUNK_SIZE,
) -> BackgroundRequest | str:
    """Attach files to task ``task_id`` and (``wait=True``) wait until the server made frames
    and jobs of them; returns the finished request, or its ``rq_id`` when not waiting."""
    checked = _checked_resources(resources, resource_type)
    fields = _data_fields(data_params)
    reporter = resolve_progress(progress)
    return _upload_checked(
        client,
        task_id,
        checked,
        resource_type,
        fields,
        organization,
        reporter,
        wait,
        status_check_period,
        timeout,
        max_request_size,
        chunk_size,
    )


def _upload_checked(
    client: TransferClient,
    task_id: int,
    checked: list[Path] | list[str],
    resource_type: str,
    fields: dict[str, Any],
    organization: OrganizationArg,
    reporter: ProgressReporter,
    wait: bool,
    status_check_period: float | None,
    timeout: float | None,
    max_request_size: int,
    chunk_size: int,
) -> BackgroundRequest | str:
    endpoint = item_path("tasks", task_id, "/data/")
    if resource_type == "local":
        paths = [Path(item) for item in checked]
        if str(fields.get("sorting_method", "")).lower() == "predefined":
            # Files travel grouped by size, not in the caller's order: state the order.
            fields.setdefault("upload_file_order", [path.name for path in paths])
        response = upload_files(
            client,
            endpoint,
            paths,
            fields=fields,
            organization=organization,
            progress=reporter,
            max_request_size=max_request_size,
            chunk_size=chunk_size,
        )
    else:
        key = "server_files" if resource_type == "share" else "remote_files"
        response = client.request(
            "POST",
            endpoint,
            json={**fields, key: [str(item) for item in checked]},
            organization=organization,
        )
    rq_id = rq_id_of(response.json())
    if not wait:
        return rq_id
    return wait_for_request(
        client,
        rq_id,
        progress=reporter,
        desc=f"Creating task {task_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )


def _check_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(spec)
    if spec.get("project_id") is not None and spec.get("labels"):
        raise ValidationError(
            {
                "labels": [
                    "a task in a project uses the project's labels: give labels or "
                    "project_id, not both"
                ]
            }
        )
    if spec.get("project_id") is None and not spec.get("labels"):
        raise ValidationError({"labels": ["a task needs labels, or a project_id"]})
    return spec


def create_from_data(
    client: TransferClient,
    spec: Mapping[str, Any],
    resources: Sequence[str | os.PathLike[str]],
    *,
    resource_type: ResourceType = "local",
    data_params: Mapping[str, Any] | None = None,
    annotation_path: str | os.PathLike[str] | None = None,
    annotation_format: str = "CVAT 1.1",
    progress: object = None,
    organization: OrganizationArg = INHERIT,
    keep_on_failure: bool = False,
    status_check_period: float | None = None,
    timeout: float | None = None,
    max_request_size: int = MAX_REQUEST_SIZE,
    chunk_size: int = TUS_CHUNK_SIZE,
) -> Model:
    """Create a task from ``spec`` (``{"name", "labels" | "project_id", ...}``), upload
    ``resources`` and wait for the server; optionally import annotations. Returns the task,
    refreshed (``task.size``, ``task.jobs`` are there at once)."""
    from cvatorm.models.registry import registry

    spec = _check_spec(spec)
    checked = _checked_resources(resources, resource_type)
    fields = _data_fields(data_params)
    if annotation_path is not None and not Path(annotation_path).is_file():
        raise ValidationError({"annotation_path": [f"not a file: {annotation_path}"]})
    reporter = resolve_progress(progress)

    task_model = registry["tasks"]
    task = task_model()
    for key, value in spec.items():
        setattr(task, task_model._field_for_key(key).name, value)
    task.save(using=client, organization=organization)
    task_id = int(task.pk)
    try:
        _upload_checked(
            client,
            task_id,
            checked,
            resource_type,
            fields,
            organization,
            reporter,
            True,
            status_check_period,
            timeout,
            max_request_size,
            chunk_size,
        )
        if annotation_path is not None:
            from cvatorm.operations.annotations import import_annotations

            import_annotations(
                client,
                "tasks",
                task_id,
                annotation_format,
                annotation_path,
                organization=organization,
                progress=reporter,
                status_check_period=status_check_period,
                timeout=timeout,
            )
    except BaseException:
        if not keep_on_failure:
            _delete_quietly(client, task_id, organization)
        raise
    return fetch("tasks", task_id, client, organization)


def _delete_quietly(client: TransferClient, task_id: int, organization: OrganizationArg) -> None:
    """Remove the half-made task; a failure here must not hide the error that caused it."""
    try:
        client.request("DELETE", item_path("tasks", task_id), organization=organization)
    except (ApiException, TransportError) as error:
        client.logger.warning("could not delete the half-made task %d: %s", task_id, error)
