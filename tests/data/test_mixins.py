"""The operations as model methods (``TaskDataMixin``, ``JobDataMixin``, ``ProjectDataMixin``).

Until the mixins are in the models' bases, the methods are called unbound on real ``Task``,
``Job`` and ``Project`` instances: exactly what ``task.get_annotations()`` will run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cvatorm.operations.mixins import (
    JobDataMixin,
    ProjectDataMixin,
    TaskDataMixin,
    create_from_backup,
    create_from_data,
)

SPEC = {"name": "cvatorm mixins", "labels": [{"name": "car"}]}


@pytest.fixture
def task(data_client: Any, images: Callable[..., list[Path]], cleanup: Any) -> Any:
    made = create_from_data(data_client, SPEC, images((40, 30), (30, 40)))
    cleanup("tasks", made.id)
    return made


def test_task_methods(data_client: Any, task: Any, tmp_path: Path, cleanup: Any) -> None:
    assert task.size == 2
    car = next(label.id for label in task.labels)
    TaskDataMixin.set_annotations(
        task, {"tags": [{"frame": 0, "label_id": car}, {"frame": 1, "label_id": car}]}
    )
    tags = TaskDataMixin.get_annotations(task)["tags"]
    TaskDataMixin.remove_annotations(task, ids=[tags[0]["id"]])
    assert len(TaskDataMixin.get_annotations(task)["tags"]) == 1
    assert [f["width"] for f in TaskDataMixin.get_frames_info(task)] == [40, 30]
    assert TaskDataMixin.get_frame(task, 1)
    paths = TaskDataMixin.download_frames(task, [0, 1], outdir=tmp_path / "f")
    assert [p.exists() for p in paths] == [True, True]
    exported = TaskDataMixin.export_dataset(task, "CVAT for images 1.1", tmp_path / "ds.zip")
    assert exported.stat().st_size > 0
    backup = TaskDataMixin.download_backup(task, tmp_path / "backup.zip")
    restored = create_from_backup(data_client, "tasks", backup)
    cleanup("tasks", restored.id)
    assert restored.name == task.name


def test_upload_data_refreshes_the_task(
    data_client: Any, images: Callable[..., list[Path]], cleanup: Any
) -> None:
    task = data_client.tasks.create(SPEC)
    cleanup("tasks", task.id)
    TaskDataMixin.upload_data(task, images((10, 10), (11, 11), (12, 12)))
    assert task.size == 3 and task.jobs.count() == 1


def test_job_and_project_methods(data_client: Any, task: Any, tmp_path: Path, cleanup: Any) -> None:
    job = next(iter(task.jobs))
    assert JobDataMixin.get_meta(job)["size"] == 2
    assert JobDataMixin.get_annotations(job)["shapes"] == []
    assert JobDataMixin.get_preview(job)

    project = data_client.projects.create(
        {"name": "cvatorm mixin project", "labels": SPEC["labels"]}
    )
    cleanup("projects", project.id)
    backup = ProjectDataMixin.download_backup(project, tmp_path / "p.zip")
    assert backup.exists()


def test_unsaved_objects_are_refused(data_client: Any) -> None:
    from cvatorm.models import Task

    with pytest.raises(ValueError, match="not saved"):
        TaskDataMixin.get_annotations(Task(name="draft"))


def test_repository_and_manager_creation_methods(
    data_client: Any, images: Callable[..., list[Path]], tmp_path: Path, cleanup: Any
) -> None:
    from cvatorm.operations.managers import ProjectManager, TaskManager
    from cvatorm.operations.repositories import DATA_REPOSITORIES, TaskRepository

    from cvatorm.models import Project, Task

    repository = TaskRepository(data_client, Task)
    task = repository.create_from_data(SPEC, images((10, 10), (20, 20)), pbar=None)
    cleanup("tasks", task.id)
    assert isinstance(task, Task) and task.size == 2

    manager = TaskManager().__get__(None, Task)
    again = manager.create_from_data(SPEC, images((30, 30)), using=data_client)
    cleanup("tasks", again.id)
    assert again.size == 1

    backup = TaskDataMixin.download_backup(again, tmp_path / "t.zip")
    restored = manager.create_from_backup(backup, using=data_client)
    cleanup("tasks", restored.id)
    assert restored.name == SPEC["name"]

    project = data_client.projects.create({"name": "cvatorm managers", "labels": SPEC["labels"]})
    cleanup("projects", project.id)
    project_backup = ProjectDataMixin.download_backup(project, tmp_path / "p.zip")
    copy = (
        ProjectManager()
        .__get__(None, Project)
        .create_from_backup(project_backup, using=data_client)
    )
    cleanup("projects", copy.id)
    other = DATA_REPOSITORIES["projects"](data_client, Project).create_from_backup(project_backup)
    cleanup("projects", other.id)
    assert copy.name == other.name == "cvatorm managers" and copy.id != other.id
