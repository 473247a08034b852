"""``client.tasks.create_from_data(...)`` and ``client.tasks/projects.create_from_backup(...)``:
the cvat-sdk repository methods, on repositories bound to a client.

``repository_for`` picks these classes for ``"tasks"`` and ``"projects"``
(:data:`DATA_REPOSITORIES`). Imported lazily by the models' repository factory, never by the
models themselves, so there is no import cycle.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar, cast

from cvatorm._sentinels import INHERIT
from cvatorm.models.base import Model
from cvatorm.models.repositories import Repository
from cvatorm.operations.mixins import create_from_backup, create_from_data
from cvatorm.operations.task_data import ResourceType
from cvatorm.transfer import TransferClient
from cvatorm.transfer.client import OrganizationArg

__all__ = ["DATA_REPOSITORIES", "ProjectRepository", "TaskRepository"]

M = TypeVar("M", bound=Model)


def _sdk_progress(progress: object, options: dict[str, Any]) -> object:
    """cvat-sdk's ``pbar`` (taken out of ``options``) is accepted as ``progress``."""
    return options.pop("pbar") if "pbar" in options else progress


class _RestoringRepository(Repository[M]):
    """cvat-sdk's ``create_from_backup`` for the resource the subclass names."""

    _backup_resource: ClassVar[str]

    def create_from_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        organization: OrganizationArg = INHERIT,
        **options: Any,
    ) -> M:
        progress = _sdk_progress(progress, options)
        restored = create_from_backup(
            cast(TransferClient, self.client),
            self._backup_resource,
            filename,
            progress=progress,
            organization=organization,
            **options,
        )
        return cast(M, restored)


class TaskRepository(_RestoringRepository[M]):
    """``client.tasks``: cvat-sdk's ``create_from_data`` and ``create_from_backup``."""

    _backup_resource = "tasks"

    def create_from_data(
        self,
        spec: Mapping[str, Any],
        resources: Sequence[str | os.PathLike[str]],
        *,
        resource_type: ResourceType = "local",
        data_params: Mapping[str, Any] | None = None,
        annotation_path: str | os.PathLike[str] | None = None,
        annotation_format: str = "CVAT 1.1",
        progress: object = None,
        organization: OrganizationArg = INHERIT,
        **options: Any,
    ) -> M:
        """See :func:`cvatorm.operations.task_data.create_from_data`. cvat-sdk's ``pbar`` is
        accepted as ``progress``."""
        progress = _sdk_progress(progress, options)
        task = create_from_data(
            cast(TransferClient, self.client),
            spec,
            resources,
            resource_type=resource_type,
            data_params=data_params,
            annotation_path=annotation_path,
            annotation_format=annotation_format,
            progress=progress,
            organization=organization,
            **options,
        )
        return cast(M, task)


class ProjectRepository(_RestoringRepository[M]):
    """``client.projects``: cvat-sdk's ``create_from_backup``."""

    _backup_resource = "projects"


#: Repository classes by resource, for ``repository_for``.
DATA_REPOSITORIES: dict[str, type[Repository[Any]]] = {
    "tasks": TaskRepository,
    "projects": ProjectRepository,
}
