"""The operations as model methods: ``task.upload_data(...)``, ``job.get_annotations()``,
``project.export_dataset(...)``, and the creation functions managers and repositories expose.

Mixed into ``Task``, ``Job`` and ``Project`` (before ``Model`` in the bases). Every method sends
its requests through the instance's client and organization, like ``save()`` does, and names
follow cvat-sdk's entities so code moving from the SDK keeps working.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

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
    """The wire resource of the model the mixin is part of (``"tasks"``, ``"jobs"``)."""
    resource: str = type(obj)._meta.resource  # type: ignore[attr-defined]
    return resource


class _AnnotatedMixin:
    """Annotations and dataset exports, shared by tasks and jobs."""

    def get_annotations(self) -> dict[str, Any]:
        """The annotations (``LabeledData``: version, tags, shapes, tracks)."""
        client, pk, org = _bound(self)
        return annotation_ops.get_annotations(client, _resource_of(self), pk, organization=org)

    def set_annotations(self, data: Mapping[str, Any]) -> None:
        """Replace all annotations."""
        client, pk, org = _bound(self)
        annotation_ops.set_annotations(client, _resource_of(self), pk, data, organization=org)

    def update_annotations(
        self, data: Mapping[str, Any], *, action: PatchAction = "update"
    ) -> dict[str, Any]:
        """Create, update (by id) or delete (by id) some annotations."""
        client, pk, org = _bound(self)
        return annotation_ops.update_annotations(
            client, _resource_of(self), pk, data, action=action, organization=org
        )

    def remove_annotations(self, *, ids: Iterable[int] | None = None) -> None:
        """Delete all annotations, or those with these ids."""
        client, pk, org = _bound(self)
        annotation_ops.remove_annotations(client, _resource_of(self), pk, ids=ids, organization=org)

    def import_annotations(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        status_check_period: float | None = None,
    ) -> BackgroundRequest:
        """Import an annotation file (e.g. ``"CVAT 1.1"``) and wait for the server."""
        client, pk, org = _bound(self)
        return annotation_ops.import_annotations(
            client,
            _resource_of(self),
            pk,
            format_name,
            filename,
            organization=org,
            progress=progress,
            status_check_period=status_check_period,
        )

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
        client, pk, org = _bound(self)
        return datasets.export_dataset(
            client,
            _resource_of(self),
            pk,
            format_name,
            filename,
            include_images=include_images,
            organization=org,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )

    def get_frame(self, frame_id: int, *, quality: Quality = "original") -> bytes:
        """The encoded image of a frame (task frame numbers, for jobs too)."""
        client, pk, org = _bound(self)
        return frames.get_frame(
            client, _resource_of(self), pk, frame_id, quality=quality, organization=org
        )

    def download_chunk(self, chunk_id: int, *, quality: Quality = "original") -> bytes:
        client, pk, org = _bound(self)
        return frames.download_chunk(
            client, _resource_of(self), pk, chunk_id, quality=quality, organization=org
        )

    def get_preview(self) -> bytes:
        client, pk, org = _bound(self)
        return frames.get_preview(client, _resource_of(self), pk, organization=org)

    def get_meta(self) -> dict[str, Any]:
        client, pk, org = _bound(self)
        return frames.get_meta(client, _resource_of(self), pk, organization=org)

    def get_frames_info(self) -> list[dict[str, Any]]:
        """cvat-sdk's name: the ``frames`` of :meth:`get_meta`."""
        client, pk, org = _bound(self)
        meta = frames.get_meta(client, _resource_of(self), pk, organization=org)
        return list(meta.get("frames") or [])

    def remove_frames_by_ids(self, ids: Iterable[int]) -> dict[str, Any]:
        client, pk, org = _bound(self)
        return frames.remove_frames_by_ids(client, _resource_of(self), pk, ids, organization=org)

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
        client, pk, org = _bound(self)
        return frames.download_frames(
            client,
            _resource_of(self),
            pk,
            frame_ids,
            outdir=outdir,
            quality=quality,
            filename_pattern=filename_pattern,
            max_workers=max_workers,
            organization=org,
            progress=progress,
        )


class TaskDataMixin(_AnnotatedMixin):
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

    def download_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
    ) -> Path:
        client, pk, org = _bound(self)
        return backups.download_backup(
            client,
            "tasks",
            pk,
            filename,
            organization=org,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )


class JobDataMixin(_AnnotatedMixin):
    """Job methods: annotations, dataset export, frames."""


class ProjectDataMixin:
    """Project methods: dataset export and import, backups, preview."""

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
        client, pk, org = _bound(self)
        return datasets.export_dataset(
            client,
            "projects",
            pk,
            format_name,
            filename,
            include_images=include_images,
            organization=org,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )

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

    def download_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
    ) -> Path:
        client, pk, org = _bound(self)
        return backups.download_backup(
            client,
            "projects",
            pk,
            filename,
            organization=org,
            progress=progress,
            overwrite=overwrite,
            status_check_period=status_check_period,
        )

    def get_preview(self) -> bytes:
        client, pk, org = _bound(self)
        return frames.get_preview(client, "projects", pk, organization=org)


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
