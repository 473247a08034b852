"""Data work as model methods: ``task.export_dataset(...)``, ``job.get_annotations()``,
``Task.objects.create_from_data(...)``, ``Project.objects.create_from_backup(...)``.

Each method is written once and works for every model whose resource descriptor declares the
actions it uses (``Meta.api = Resource(actions=...)``): the mixins only build a
:class:`~cvatorm.connection.context.Target` from the instance (its client, organization,
descriptor and key, plus the call's progress and polling) and hand it to the operation. Names
follow cvat-sdk's entities and repositories, so code moving from the SDK keeps working
(``pbar=`` is accepted as ``progress=``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Context, Target
from cvatorm.exceptions import (
    BackgroundRequestException,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.models.clients import Client, resolve_client
from cvatorm.operations import annotations as annotation_ops
from cvatorm.operations import backups, datasets, frames, task_data
from cvatorm.operations._common import check_format, existing_file
from cvatorm.operations.annotations import PatchAction
from cvatorm.operations.frames import Quality
from cvatorm.operations.task_data import ResourceType
from cvatorm.query import Manager
from cvatorm.transfer import MAX_REQUEST_SIZE, TUS_CHUNK_SIZE

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = [
    "AnnotatedMixin",
    "BackupMixin",
    "ExportMixin",
    "ProjectDataMixin",
    "ProjectManager",
    "RestoringManager",
    "Targeted",
    "TaskDataMixin",
    "TaskManager",
]

M = TypeVar("M", bound="Model")


def _check_polling(status_check_period: object, timeout: object) -> None:
    """The polling arguments of the waiting methods, checked before any request."""
    for name, value in (("status_check_period", status_check_period), ("timeout", timeout)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise InvalidArgumentError(name, value, "a finite number of seconds > 0, or None")


def _cloud_form(
    cloud_storage: object,
    resource_type: ResourceType,
    data_params: Mapping[str, Any] | None,
) -> tuple[ResourceType, Mapping[str, Any] | None, int | None]:
    """``cloud_storage=`` (a ``CloudStorage`` or its id): the resources are keys in its bucket,
    sent as the real ``DataSerializer``'s ``server_files`` with ``cloud_storage_id``."""
    if cloud_storage is None:
        return resource_type, data_params, None
    from_model = getattr(cloud_storage, "pk", cloud_storage)
    if isinstance(from_model, bool) or not isinstance(from_model, int) or from_model < 1:
        raise InvalidArgumentError(
            "cloud_storage", cloud_storage, "a saved CloudStorage or its id (int >= 1)"
        )
    if resource_type == "remote":
        raise ValidationError(
            {"resource_type": ["files of a cloud storage are keys in its bucket, not URLs"]}
        )
    if data_params is not None and not isinstance(data_params, Mapping):
        raise ValidationError({"data_params": [f"expected a dict, not {data_params!r}"]})
    given = (data_params or {}).get("cloud_storage_id")
    if given is not None and given != from_model:
        raise ValidationError(
            {"cloud_storage_id": [f"{given!r} contradicts cloud_storage={from_model}"]}
        )
    return "share", {**(data_params or {}), "cloud_storage_id": from_model}, from_model


def _raise_unavailable(error: BaseException, storage_id: int | None) -> None:
    """A failure on a bucket the server cannot use, as ``CloudStorageUnavailableError``."""
    if storage_id is not None:
        unavailable = task_data.unavailable_storage(error, storage_id)
        if unavailable is not None:
            raise unavailable from error


def _progress(progress: object, pbar: object) -> object:
    """cvat-sdk's ``pbar`` is accepted for ``progress``."""
    return pbar if pbar is not None else progress


class Targeted:
    """What every data mixin needs: the saved instance as an operation target."""

    def _target(
        self,
        *,
        progress: object = None,
        pbar: object = None,
        status_check_period: float | None = None,
        timeout: float | None = None,
    ) -> Target:
        """The saved instance with this call's progress (cvat-sdk's ``pbar`` too) and polling."""
        model: Model = self  # type: ignore[assignment]
        if model.pk is None:
            raise ValidationError(f"{model!r} is not saved yet: save() it first")
        _check_polling(status_check_period, timeout)
        context = Context.of(
            model._connection(),
            organization=model._request_organization(),
            progress=_progress(progress, pbar),
            status_check_period=status_check_period,
            timeout=timeout,
        )
        return context.on(model._meta.require_api(), model.pk)


class ExportMixin(Targeted):
    """Dataset export and the preview: tasks, jobs and projects."""

    def export_dataset(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        include_images: bool = False,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
    ) -> Path:
        """Export to ``filename`` (or into a folder, with the server's name) in ``format_name``
        (``"CVAT for images 1.1"``...); waits for the server, then downloads atomically."""
        target = self._target(
            progress=progress,
            pbar=pbar,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        return datasets.export_dataset(
            target, format_name, filename, include_images=include_images, overwrite=overwrite
        )

    def get_preview(self) -> bytes:
        """The preview image (encoded bytes)."""
        return frames.get_preview(self._target())


class BackupMixin(Targeted):
    """Backup download: tasks and projects."""

    def download_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        overwrite: bool = False,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
    ) -> Path:
        """Back up to ``filename`` (or into a folder, with the server's name)."""
        target = self._target(
            progress=progress,
            pbar=pbar,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        return backups.download_backup(target, filename, overwrite=overwrite)


class AnnotatedMixin(ExportMixin):
    """Annotations and frames (plus dataset export): tasks and jobs."""

    def get_annotations(self) -> dict[str, Any]:
        """The annotations (``LabeledData``: version, tags, shapes, tracks)."""
        return annotation_ops.get_annotations(self._target())

    def set_annotations(self, data: Mapping[str, Any]) -> None:
        """Replace all annotations."""
        annotation_ops.set_annotations(self._target(), data)

    def update_annotations(
        self, data: Mapping[str, Any], *, action: PatchAction = "update"
    ) -> dict[str, Any]:
        """Create, update (by id) or delete (by id) some annotations."""
        return annotation_ops.update_annotations(self._target(), data, action=action)

    def remove_annotations(self, *, ids: Iterable[int] | None = None) -> None:
        """Delete all annotations, or those with these ids."""
        annotation_ops.remove_annotations(self._target(), ids=ids)

    def import_annotations(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
    ) -> BackgroundRequest:
        """Import an annotation file (e.g. ``"CVAT 1.1"``) and wait for the server."""
        target = self._target(
            progress=progress,
            pbar=pbar,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        return annotation_ops.import_annotations(target, format_name, filename)

    def get_frame(self, frame_id: int, *, quality: Quality = "original") -> bytes:
        """The encoded image of a frame (task frame numbers, for jobs too)."""
        return frames.get_frame(self._target(), frame_id, quality=quality)

    def download_chunk(self, chunk_id: int, *, quality: Quality = "original") -> bytes:
        """One chunk: a zip of frames (images) or a video segment."""
        return frames.download_chunk(self._target(), chunk_id, quality=quality)

    def get_meta(self) -> dict[str, Any]:
        """The media meta: frame names and sizes, chunk size, deleted frames."""
        return frames.get_meta(self._target())

    def get_frames_info(self) -> list[dict[str, Any]]:
        """cvat-sdk's name: the ``frames`` of :meth:`get_meta`."""
        return list(self.get_meta().get("frames") or [])

    def remove_frames_by_ids(self, ids: Iterable[int]) -> dict[str, Any]:
        """Mark frames deleted (added to those already deleted); returns the new meta."""
        return frames.remove_frames_by_ids(self._target(), ids)

    def download_frames(
        self,
        frame_ids: Iterable[int],
        *,
        outdir: str | os.PathLike[str] = ".",
        quality: Quality = "original",
        filename_pattern: str = "frame_{frame_id:06d}{frame_ext}",
        max_workers: int = 4,
        progress: object = None,
        pbar: object = None,
    ) -> list[Path]:
        """Save frames into ``outdir``, ``max_workers`` downloads at a time."""
        target = self._target(progress=progress, pbar=pbar)
        return frames.download_frames(
            target,
            frame_ids,
            outdir=outdir,
            quality=quality,
            filename_pattern=filename_pattern,
            max_workers=max_workers,
        )


class TaskDataMixin(AnnotatedMixin, BackupMixin):
    """Task methods: data upload, annotations, datasets, backups, frames."""

    def upload_data(
        self,
        resources: Sequence[str | os.PathLike[str]],
        *,
        resource_type: ResourceType = "local",
        data_params: Mapping[str, Any] | None = None,
        cloud_storage: object = None,
        progress: object = None,
        wait_for_completion: bool = True,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
        max_request_size: int = MAX_REQUEST_SIZE,
        chunk_size: int = TUS_CHUNK_SIZE,
    ) -> None:
        """Attach files and (by default) wait until the server made frames and jobs; then the
        task is refreshed (``size``, ``jobs``). Files are checked before any request.
        Files up to ``max_request_size`` travel grouped in multipart requests, bigger ones by
        TUS in ``chunk_size`` pieces (docs/guide/task-data.md). With ``cloud_storage`` (a
        ``CloudStorage`` or its id) the resources are keys in its bucket
        (docs/guide/cloud-storages.md)."""
        resource_type, data_params, storage_id = _cloud_form(
            cloud_storage, resource_type, data_params
        )
        prepared = task_data.prepare_data(
            resources,
            resource_type=resource_type,
            data_params=data_params,
            max_request_size=max_request_size,
            chunk_size=chunk_size,
        )
        target = self._target(
            progress=progress,
            pbar=pbar,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        task_data.check_share_files(target.context.client, prepared)
        try:
            task_data.send_data(target, prepared, wait_until_done=wait_for_completion)
        except BackgroundRequestException as error:
            _raise_unavailable(error, storage_id)
            raise
        if wait_for_completion:
            model: Model = self  # type: ignore[assignment]
            model.refresh()


class ProjectDataMixin(ExportMixin, BackupMixin):
    """Project methods: dataset export and import, backups, preview."""

    def import_dataset(
        self,
        format_name: str,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
    ) -> BackgroundRequest:
        """Import a dataset file (the server creates the project's tasks) and wait."""
        target = self._target(
            progress=progress,
            pbar=pbar,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        return datasets.import_dataset(target, format_name, filename)


# ---------------------------------------------------------------------- managers


class RestoringManager(Manager[M]):
    """``create_from_backup``: tasks and projects (the descriptor declares ``backup_import``)."""

    def _context(
        self,
        using: str | Client | None,
        organization: OrganizationArg,
        progress: object,
        status_check_period: float | None,
        timeout: float | None,
    ) -> Context:
        _check_polling(status_check_period, timeout)
        client = resolve_client(using if using is not None else self._using)
        return Context.of(
            client,
            organization=self._org(organization),
            progress=progress,
            status_check_period=status_check_period,
            timeout=timeout,
        )

    def create_from_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
    ) -> M:
        """Restore an object from a backup file and return it.

        See docs/guide/datasets-and-backups.md.
        """
        model = self._model()
        context = self._context(
            using, organization, _progress(progress, pbar), status_check_period, timeout
        )
        new_id = backups.restore_backup(context, model._meta.require_api(), filename)
        return model._fetch(new_id, client=context.client, organization=context.organization)

    def _model(self) -> type[M]:
        if self.model is None:
            raise TypeError("this manager is not attached to a model class")
        return self.model


class TaskManager(RestoringManager[M]):
    """``Task.objects`` and ``client.tasks``: queries, plus creating tasks from files."""

    def create_from_data(
        self,
        spec: Mapping[str, Any],
        resources: Sequence[str | os.PathLike[str]],
        *,
        resource_type: ResourceType = "local",
        data_params: Mapping[str, Any] | None = None,
        cloud_storage: object = None,
        annotation_path: str | os.PathLike[str] | None = None,
        annotation_format: str = "CVAT 1.1",
        progress: object = None,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
        keep_on_failure: bool = False,
        status_check_period: float | None = None,
        timeout: float | None = None,
        pbar: object = None,
        max_request_size: int = MAX_REQUEST_SIZE,
        chunk_size: int = TUS_CHUNK_SIZE,
    ) -> M:
        """Create a task from ``spec`` (``{"name", "labels" | "project_id", ...}``), upload
        ``resources`` and wait for the server; optionally import annotations. Returns the task,
        refreshed (``task.size`` and ``task.jobs`` are there at once).

        Everything knowable locally is checked first (docs/guide/task-data.md). When the upload or
        the server's processing fails, the task is deleted again (unless
        ``keep_on_failure=True``) and the original error is raised. With ``cloud_storage``
        (a ``CloudStorage`` or its id) the resources are keys in its bucket; a bucket the
        server cannot use is a ``CloudStorageUnavailableError`` (docs/guide/cloud-storages.md).
        """
        model = self._model()
        checked_spec = task_data.check_spec(spec)
        resource_type, data_params, storage_id = _cloud_form(
            cloud_storage, resource_type, data_params
        )
        prepared = task_data.prepare_data(
            resources,
            resource_type=resource_type,
            data_params=data_params,
            max_request_size=max_request_size,
            chunk_size=chunk_size,
        )
        if annotation_path is not None:
            existing_file(annotation_path, argument="annotation_path")
            check_format(annotation_format, argument="annotation_format")
        if not isinstance(keep_on_failure, bool):
            raise InvalidArgumentError("keep_on_failure", keep_on_failure, "True or False")
        context = self._context(
            using, organization, _progress(progress, pbar), status_check_period, timeout
        )
        task_data.check_share_files(context.client, prepared)
        if annotation_path is not None:
            context.client.check_format(annotation_format, "import")
        task = self.db_manager(context.client, context.organization).create(checked_spec)
        target = context.with_organization(task._request_organization()).on(
            model._meta.require_api(), task.pk
        )
        try:
            task_data.send_data(target, prepared)
            if annotation_path is not None:
                annotation_ops.import_annotations(target, annotation_format, annotation_path)
        except BaseException as error:
            if not keep_on_failure:
                task_data.delete_quietly(target)
            _raise_unavailable(error, storage_id)
            raise
        task.refresh()
        return task


class ProjectManager(RestoringManager[M]):
    """``Project.objects`` and ``client.projects``: queries, plus restoring from backups."""
