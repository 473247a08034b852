"""The data actions CVAT offers on tasks, jobs and projects, as resource descriptors declare
them (``Meta.api = Resource(actions=EXPORT_ACTIONS | BACKUP_ACTIONS)``).

Names are what the operations ask for (``target.path("annotations")``); paths are the real
routes, with or without the trailing slash each one needs on CVAT 2.64.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cvatorm.wire.resource import Action

__all__ = [
    "BACKUP_ACTIONS",
    "DATASET_IMPORT_ACTIONS",
    "EXPORT_ACTIONS",
    "JOB_DATA_ACTIONS",
    "TASK_DATA_ACTIONS",
]


def _actions(**actions: Action) -> Mapping[str, Action]:
    return MappingProxyType(actions)


#: Dataset export and the preview image: tasks, jobs and projects.
EXPORT_ACTIONS = _actions(
    dataset_export=Action("dataset/export", background=True),
    preview=Action("preview"),
)

#: Backups of tasks and projects; the import is on the collection (``/api/tasks/backup/``).
BACKUP_ACTIONS = _actions(
    backup_export=Action("backup/export", background=True),
    backup_import=Action("backup/", background=True, on_collection=True),
)

#: Importing a dataset file into a project (the server creates its tasks).
DATASET_IMPORT_ACTIONS = _actions(dataset_import=Action("dataset/", background=True))

_ANNOTATED = dict(
    annotations=Action("annotations/"),
    data_meta=Action("data/meta"),
)

#: Task data (uploaded at ``/api/tasks/<id>/data/``, with the slash), annotations, frames.
TASK_DATA_ACTIONS = _actions(**_ANNOTATED, data=Action("data/"))

#: Job annotations and frames (``/api/jobs/<id>/data``, without the slash).
JOB_DATA_ACTIONS = _actions(**_ANNOTATED, data=Action("data"))
