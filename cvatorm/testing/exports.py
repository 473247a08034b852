"""Export work functions run by :mod:`cvatorm.testing.background`: task and project backups.

A backup is a zip shaped like the real one (``task.json`` with its ``data`` section,
``annotations.json`` with the live annotations, ``data/`` with the media uploaded to this
server; a project's ``project.json`` plus ``task_<n>/`` folders), built from the store when the
request runs, so a backup restores to the same frames and annotations
(see :mod:`cvatorm.testing.backup_content`).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from cvatorm.testing import backup_content
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.labels import effective_labels
from cvatorm.testing.store import Store


def _task_manifest(store: Store, task: dict[str, Any]) -> dict[str, Any]:
    keep = ("name", "bug_tracker", "status", "subset", "overlap", "segment_size", "dimension")
    manifest = {key: task.get(key) for key in keep}
    manifest["labels"] = [
        {key: label.get(key) for key in ("name", "color", "attributes", "type", "sublabels")}
        for label in effective_labels(store, task)
    ]
    manifest["jobs"] = [
        {key: job.get(key) for key in ("start_frame", "stop_frame", "type", "status")}
        for job in store.find("jobs", task_id=task["id"])
    ]
    data = backup_content.data_section(store, task["id"])
    if data is not None:
        manifest["data"] = data
    manifest["version"] = "1.0"
    return manifest


def _write_task(store: Store, archive: zipfile.ZipFile, task: dict[str, Any], prefix: str) -> None:
    archive.writestr(prefix + "task.json", json.dumps(_task_manifest(store, task), indent=2))
    for name, content in backup_content.task_entries(store, task).items():
        archive.writestr(prefix + name, content)


def task_backup(store: Store, task_id: int, filename: str) -> Any:
    """The work function of ``POST /api/tasks/<id>/backup/export``."""

    def work(request: BackgroundRequest) -> Outcome:
        task = store.get("tasks", task_id)
        if task is None:
            raise BackgroundFailure(f"Task {task_id} was deleted")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            _write_task(store, archive, task, "")
        return Outcome(file=buffer.getvalue(), filename=filename)

    return work


def project_backup(store: Store, project_id: int, filename: str) -> Any:
    """The work function of ``POST /api/projects/<id>/backup/export``."""

    def work(request: BackgroundRequest) -> Outcome:
        project = store.get("projects", project_id)
        if project is None:
            raise BackgroundFailure(f"Project {project_id} was deleted")
        manifest = {
            "name": project["name"],
            "bug_tracker": project.get("bug_tracker", ""),
            "status": project.get("status"),
            "labels": [
                {key: label.get(key) for key in ("name", "color", "attributes", "type")}
                for label in store.find("labels", project_id=project_id)
                if label.get("parent_id") is None
            ],
            "version": "1.0",
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.json", json.dumps(manifest, indent=2))
            for index, task in enumerate(
                sorted(store.find("tasks", project_id=project_id), key=lambda t: t["id"])
            ):
                _write_task(store, archive, task, f"task_{index}/")
        return Outcome(file=buffer.getvalue(), filename=filename)

    return work
