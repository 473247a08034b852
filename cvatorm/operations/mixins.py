"""The operations as model methods: ``task.upload_data(...)``, ``job.get_annotations()``,
``project.export_dataset(...)``, and the creation functions managers and repositories expose.

Mixed into ``Task``, ``Job`` and ``Project`` (before ``Model`` in the bases). Every method sends
its requests through the instance's client and organization, like ``save()`` does, and names
follow cvat-sdk's entities so code moving from the SDK keeps working.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.operations import annotations as annotation_ops
from cvatorm.operations import backups, datasets, frames, task_data
from cvatorm.operations.annotations import PatchAction
from cvatorm.operations.frames import Quality
from cvatorm.operations.task_data import ResourceType
from cvatorm.transfer import TransferClient
from cvatorm.transfer.client import OrganizationArg

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = [
    "JobDataMixin",
    "ProjectDataMixin",
    "TaskDataMixin",
    "create_from_backup",
    "create_from_data",
]

T = TypeVar("T")


class _Saved(Protocol):
    """What the mixins use of a model instance."""

    @property
    def pk(self) -> Any: ...

    def _connection(self, using: Any = None) -> Any: ...

    def _request_organization(self) -> OrganizationArg: ...

    def refresh(self, *, using: Any = None) -> None: ...


def _bound(obj: object) -> tuple[TransferClient, int, OrganizationArg]:
    model = cast(_Saved, obj)
    if model.pk is None:
        raise ValueError(f"{obj!r} is not saved yet: save() it first")
    return cast(TransferClient, model._connection()), int(model.pk), model._request_organization()


def _resource_of(obj: object) -> str:
    """The wire resource of the model the mixin is part of (``"tasks"``, ``"jobs"``,
    ``"projects"``)."""
    resource: str = type(obj)._meta.resource  # type: ignore[attr-defined]
    return resource


def _run(obj: object, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``operation(client, resource, pk, *args, organization=..., **kwargs)`` for the saved
    object ``obj``: how every per-object operation is called, whatever the resource."""
    client, pk, org = _bound(obj)
    return operation(client, _resource_of(obj), pk, *args, organization=org, **kwargs)


class _ExportMixin:
    """Dataset export and the preview, shared by tasks, jobs and projects."""

    def export_dataset(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        include_images: bool = False,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
    ) -> Path:
        """Export to ``filename`` (or into a folder, with the server's name)."""
        return _run(
            self,
            datasets.export_dataset,
            format_name,
            filename,
            include_images=include_images,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )

    def get_preview(self) -> bytes:
        return _run(self, frames.get_preview)


class _BackupMixin:
    """Backup download, shared by tasks and projects."""

    def download_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
    ) -> Path:
        return _run(
            self,
            backups.download_backup,
            filename,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )


class _AnnotatedMixin(_ExportMixin):
    """Annotations and frames (plus dataset export), shared by tasks and jobs."""

    def get_annotations(self) -> dict[str, Any]:
        """The annotations (``LabeledData``: version, tags, shapes, tracks)."""
        return _run(self, annotation_ops.get_annotations)

    def set_annotations(self, data: Mapping[str, Any]) -> None:
        """Replace all annotations."""
        _run(self, annotation_ops.set_annotations, data)

    def update_annotations(
        self, data: Mapping[str, Any], *, action: PatchAction = "update"
    ) -> dict[str, Any]:
        """Create, update (by id) or delete (by id) some annotations."""
        return _run(self, annotation_ops.update_annotations, data, action=action)

    def remove_annotations(self, *, ids: Iterable[int] | None = None) -> None:
        """Delete all annotations, or those with these ids."""
        _run(self, annotation_ops.remove_annotations, ids=ids)

    def import_annotations(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        status_check_period: float | None = None,
    ) -> BackgroundRequest:
        """Import an annotation file (e.g. ``"CVAT 1.1"``) and wait for the server."""
        return _run(
            self,
            annotation_ops.import_annotations,
            format_name,
            filename,
            progress=progress,
            status_check_period=status_check_period,
        )

    def get_frame(self, frame_id: int, *, quality: Quality = "original") -> bytes:
        """The encoded image of a frame (task frame numbers, for jobs too)."""
        return _run(self, frames.get_frame, frame_id, quality=quality)

    def download_chunk(self, chunk_id: int, *, quality: Quality = "original") -> bytes:
        return _run(self, frames.download_chunk, chunk_id, quality=quality)

    def get_meta(self) -> dict[str, Any]:
        return _run(self, frames.get_meta)

    def get_frames_info(self) -> list[dict[str, Any]]:
        """cvat-sdk's name: the ``frames`` of :meth:`get_meta`."""
        meta = _run(self, frames.get_meta)
        return list(meta.get("frames") or [])

    def remove_frames_by_ids(self, ids: Iterable[int]) -> dict[str, Any]:
        return _run(self, frames.remove_frames_by_ids, ids)

    def download_frames(
        self,
        frame_ids: Iterable[int],
        *,
        outdir: str | os.PathLike[str] = ".",
        quality: Quality = "original",
        filename_pattern: str = "frame_{frame_id:06d}{frame_ext}",
        max_workers: int = 4,
        progress: object = None,
    ) -> list[Path]:
        """Save frames into ``outdir``, ``max_workers`` downloads at a time."""
        return _run(
            self,
            frames.download_frames,
            frame_ids,
            outdir=outdir,
            quality=quality,
            filename_pattern=filename_pattern,
            max_workers=max_workers,
            progress=progress,
        )


class TaskDataMixin(_AnnotatedMixin, _BackupMixin):
    """Task methods: data upload, annotations, datasets, backups, frames."""

    def upload_data(
        self,
        resources: Sequence[str | os.PathLike[str]],
        *,
        resource_type: ResourceType = "local",
        data_params: Mapping[str, Any] | None = None,
        progress: object = None,
        wait_for_completion: bool = True,
        status_check_period: float | None = None,
    ) -> None:
        """Attach files and (by default) wait until the server made frames and jobs; then the
        task is refreshed (``size``, ``jobs``)."""
        client, pk, org = _bound(self)
        task_data.upload_data(
            client,
            pk,
            resources,
            resource_type=resource_type,
            data_params=data_params,
            organization=org,
            progress=progress,
            wait=wait_for_completion,
            status_check_period=status_check_period,
        )
        if wait_for_completion:
            cast(_Saved, self).refresh()


class JobDataMixin(_AnnotatedMixin):
    """Job methods: annotations, dataset export, frames."""


class ProjectDataMixin(_ExportMixin, _BackupMixin):
    """Project methods: dataset export and import, backups, preview."""

    def import_dataset(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        status_check_period: float | None = None,
    ) -> BackgroundRequest:
        client, pk, org = _bound(self)
        return datasets.import_dataset(
            client,
            pk,
            format_name,
            filename,
            organization=org,
            progress=progress,
            status_check_period=status_check_period,
        )


def create_from_data(
    client: TransferClient,
    spec: Mapping[str, Any],
    resources: Sequence[str | os.PathLike[str]],
    *,
    organization: OrganizationArg = INHERIT,
    **options: Any,
) -> Model:
    """For ``Task.objects`` and ``client.tasks``: see
    :func:`cvatorm.operations.task_data.create_from_data`."""
    return task_data.create_from_data(client, spec, resources, organization=organization, **options)


def create_from_backup(
    client: TransferClient,
    resource: str,
    filename: str | os.PathLike[str],
    *,
    organization: OrganizationArg = INHERIT,
    **options: Any,
) -> Model:
    """For ``Task.objects``/``Project.objects`` and ``client.tasks``/``client.projects``: see
    :func:`cvatorm.operations.backups.create_from_backup`."""
    return backups.create_from_backup(
        client, resource, filename, organization=organization, **options
    )
