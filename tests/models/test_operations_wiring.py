"""The data operations are declared on the models: ``Task.objects.create_from_data``,
``client.tasks.create_from_data``, ``task.get_frames_info()``, ``Project.objects``'s
``create_from_backup``. (The operations themselves are tested in ``tests/data``; this checks
that the models expose them and that what they return are ordinary model objects.)"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cvatorm.exceptions import NotFoundError
from cvatorm.models import Job, Project, Task
from cvatorm.models.data import (
    AnnotatedMixin,
    ProjectDataMixin,
    ProjectManager,
    TaskDataMixin,
    TaskManager,
)


def png(path: Path, width: int, height: int) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def made(orm_connection: Any) -> Iterator[list[Any]]:
    objects: list[Any] = []
    yield objects
    for obj in reversed(objects):
        with contextlib.suppress(NotFoundError):
            obj.delete()


def test_models_declare_the_operations() -> None:
    assert isinstance(Task.objects, TaskManager) and isinstance(Project.objects, ProjectManager)
    assert issubclass(Task, TaskDataMixin) and issubclass(Job, AnnotatedMixin)
    assert issubclass(Project, ProjectDataMixin)
    with pytest.raises(AttributeError):
        Task(name="x").objects  # noqa: B018 -- still class-only


@pytest.mark.covers("POST /api/projects/{id}/backup/export", call="project.download_backup(path)")
@pytest.mark.covers("POST /api/projects/backup/", call="Project.objects.create_from_backup(path)")
@pytest.mark.covers(
    "POST /api/tasks/{id}/data/",
    call="Task.objects.create_from_data(spec, resources) / task.upload_data(resources)",
)
@pytest.mark.covers("GET /api/tasks/{id}/data/meta", call="task.get_meta()")
@pytest.mark.covers(
    "GET /api/requests/{id}",
    call="the wait of every background operation (export, backup, import, create_from_data)",
)
def test_tasks_are_created_with_their_data(
    orm_connection: Any, made: list[Any], tmp_path: Path
) -> None:
    spec = {"name": f"orm data {uuid.uuid4().hex[:8]}", "labels": [{"name": "car"}]}
    assert isinstance(orm_connection.tasks, TaskManager)
    assert isinstance(orm_connection.projects, ProjectManager)
    first = orm_connection.tasks.create_from_data(spec, [png(tmp_path / "a.png", 30, 20)])
    made.append(first)
    second = Task.objects.create_from_data(
        spec, [png(tmp_path / "b.png", 12, 10), png(tmp_path / "c.png", 14, 10)]
    )
    made.append(second)
    assert isinstance(first, Task) and isinstance(second, Task)
    assert (first.size, second.size) == (1, 2)
    assert [f["width"] for f in second.get_frames_info()] == [12, 14]
    assert Task.objects.get(id=second.id).jobs.count() == second.jobs.count() >= 1

    project = Project(name=spec["name"], labels=[{"name": "car"}])
    project.save()
    made.append(project)
    backup = project.download_backup(tmp_path / "p.zip")
    copy = Project.objects.create_from_backup(backup)
    made.append(copy)
    assert isinstance(copy, Project) and copy.name == project.name and copy.id != project.id
