"""``Task.objects.create_from_data(...)``, ``Task.objects.create_from_backup(...)``,
``Project.objects.create_from_backup(...)``: managers that add the creation operations.

Declared on the models (``objects = TaskManager()``); they behave exactly like the query layer's
``Manager`` otherwise. ``using`` names the connection (an alias or a client; default
``"default"``), as in ``save(using=...)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from cvatorm._sentinels import INHERIT
from cvatorm.operations.mixins import create_from_backup, create_from_data
from cvatorm.operations.task_data import ResourceType
from cvatorm.query import Manager
from cvatorm.transfer import TransferClient
from cvatorm.transfer.client import OrganizationArg

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["ProjectManager", "TaskManager"]

M = TypeVar("M", bound="Model")


def _client(using: Any) -> TransferClient:
    from cvatorm.models.clients import resolve_client

    return cast(TransferClient, resolve_client(using))


class _RestoringManager(Manager[M]):
    """``create_from_backup`` for the resource the subclass names."""

    _backup_resource: ClassVar[str]

    def create_from_backup(
        self,
        filename: str | os.PathLike[str],
        *,
        progress: object = None,
        using: Any = None,
        organization: OrganizationArg = INHERIT,
        **options: Any,
    ) -> M:
        """Restore a task (``Task.objects``) or a project (``Project.objects``) from a backup
        file (docs/datasets-and-backups.md)."""
        restored = create_from_backup(
            _client(using),
            self._backup_resource,
            filename,
            progress=progress,
            organization=organization,
            **options,
        )
        return cast(M, restored)


class TaskManager(_RestoringManager[M]):
    """``Task.objects``: queries, plus creating tasks from files or backups."""

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
        using: Any = None,
        organization: OrganizationArg = INHERIT,
        **options: Any,
    ) -> M:
        """See :func:`cvatorm.operations.task_data.create_from_data` (docs/task-data.md)."""
        task = create_from_data(
            _client(using),
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


class ProjectManager(_RestoringManager[M]):
    """``Project.objects``: queries, plus restoring projects from backups."""

    _backup_resource = "projects"
