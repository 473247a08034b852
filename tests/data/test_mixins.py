"""The data methods on the models (``TaskDataMixin``, ``AnnotatedMixin`` for jobs,
``ProjectDataMixin``) and on their managers (``create_from_data``, ``create_from_backup``),
reached every way a user reaches them: ``client.tasks``, ``Task.objects.db_manager(client)``
and ``Task.objects`` with ``using=``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import ValidationError
from cvatorm.models import Job, Project, Task

from .conftest import RecordingProgress

SPEC = {"name": "cvatorm mixins", "labels": [{"name": "car"}]}


@pytest.fixture
def task(data_client: Any, images: Callable[..., list[Path]], cleanup: Any) -> Task:
    made: Task = data_client.tasks.create_from_data(SPEC, images((40, 30), (30, 40)))
    cleanup("tasks", made.id)
    return made


def test_task_methods(data_client: Any, task: Task, tmp_path: Path, cleanup: Any) -> None:
    assert task.size == 2
    car = next(label.id for label in task.labels)
    task.set_annotations({"tags": [{"frame": 0, "label_id": car}, {"frame": 1, "label_id": car}]})
    tags = task.get_annotations()["tags"]
    task.remove_annotations(ids=[tags[0]["id"]])
    assert len(task.get_annotations()["tags"]) == 1
    assert [f["width"] for f in task.get_frames_info()] == [40, 30]
    assert task.get_frame(1)
    paths = task.download_frames([0, 1], outdir=tmp_path / "f")
    assert [p.exists() for p in paths] == [True, True]
    exported = task.export_dataset("CVAT for images 1.1", tmp_path / "ds.zip")
    assert exported.stat().st_size > 0
    backup = task.download_backup(tmp_path / "backup.zip")
    restored = data_client.tasks.create_from_backup(backup)
    cleanup("tasks", restored.id)
    assert isinstance(restored, Task) and restored.name == task.name


@pytest.mark.covers(
    "POST /api/tasks/{id}/dataset/export", call="task.export_dataset(format_name, path)"
)
def test_cvat_sdk_pbar_is_the_progress_reporter(task: Task, tmp_path: Path) -> None:
    progress = RecordingProgress()
    task.export_dataset("CVAT for images 1.1", tmp_path / "ds.zip", pbar=progress)
    assert [unit for _, _, unit in progress.operations()] == ["%", "B"]


def test_upload_data_refreshes_the_task(
    data_client: Any, images: Callable[..., list[Path]], cleanup: Any
) -> None:
    task: Task = data_client.tasks.create(SPEC)
    cleanup("tasks", task.id)
    task.upload_data(images((10, 10), (11, 11), (12, 12)))
    assert task.size == 3 and task.jobs.count() == 1


@pytest.mark.covers("GET /api/jobs/{id}/preview", call="job.get_preview()")
def test_job_and_project_methods(
    data_client: Any, task: Task, tmp_path: Path, cleanup: Any
) -> None:
    job = next(iter(task.jobs))
    assert job.get_meta()["size"] == 2
    assert job.get_annotations()["shapes"] == []
    assert job.get_preview()

    project: Project = data_client.projects.create(
        {"name": "cvatorm mixin project", "labels": SPEC["labels"]}
    )
    cleanup("projects", project.id)
    backup = project.download_backup(tmp_path / "p.zip")
    assert backup.exists()


def test_each_model_has_only_the_methods_its_server_resource_has() -> None:
    assert not hasattr(Job, "download_backup") and not hasattr(Job, "upload_data")
    assert not hasattr(Project, "get_annotations") and not hasattr(Project, "get_frame")
    assert hasattr(Project, "import_dataset") and not hasattr(Task, "import_dataset")
    assert not hasattr(Job.objects, "create_from_backup")
    assert not hasattr(Project.objects, "create_from_data")


def test_unsaved_objects_are_refused_before_any_request(data_client: Any, traffic: Any) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match="not saved"):
        Task(name="draft").get_annotations()
    with pytest.raises(ValueError, match="not saved"):  # ValidationError is a ValueError
        Task(name="draft").export_dataset("CVAT for images 1.1", "never.zip")
    assert len(traffic) == 0


def test_every_way_to_a_manager_creates_and_restores(
    data_client: Any, images: Callable[..., list[Path]], tmp_path: Path, cleanup: Any
) -> None:
    bound = Task.objects.db_manager(data_client)
    task = bound.create_from_data(SPEC, images((10, 10), (20, 20)), pbar=None)
    cleanup("tasks", task.id)
    assert isinstance(task, Task) and task.size == 2

    again = Task.objects.create_from_data(SPEC, images((30, 30)), using=data_client)
    cleanup("tasks", again.id)
    assert again.size == 1

    backup = again.download_backup(tmp_path / "t.zip")
    restored = Task.objects.create_from_backup(backup, using=data_client)
    cleanup("tasks", restored.id)
    assert restored.name == SPEC["name"]

    project: Project = data_client.projects.create(
        {"name": "cvatorm managers", "labels": SPEC["labels"]}
    )
    cleanup("projects", project.id)
    project_backup = project.download_backup(tmp_path / "p.zip")
    copy = Project.objects.db_manager(data_client).create_from_backup(project_backup)
    cleanup("projects", copy.id)
    other = data_client.projects.create_from_backup(project_backup)
    cleanup("projects", other.id)
    assert isinstance(copy, Project) and isinstance(other, Project)
    assert copy.name == other.name == "cvatorm managers" and copy.id != other.id
