"""The cvat-sdk style: ``client.tasks`` is ``Task.objects`` bound to the client (one entry
point per model, not a second hierarchy), and entity methods on instances."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm.exceptions import FieldError, ValidationError
from cvatorm.models import Job, Project, Task
from cvatorm.models.data import ProjectManager, TaskManager
from cvatorm.query import Manager, QuerySet

from .fakes import FakeClient, asset_object


def repository_for(client: FakeClient, model: type[Task | Job | Project]) -> Manager[Any]:
    """What ``client.<resource>`` returns: the model's manager bound to the client."""
    return model.objects.db_manager(client)  # type: ignore[arg-type]


def test_the_repository_is_the_bound_manager(fake: FakeClient) -> None:
    repo = repository_for(fake, Task)
    assert isinstance(repo, TaskManager) and repo.model is Task and repo.client is fake
    assert isinstance(repository_for(fake, Project), ProjectManager)
    assert Task.objects.client is None  # the unbound manager uses the default connection


def test_client_attributes_are_the_bound_managers(orm_connection: Any) -> None:
    tasks = orm_connection.tasks
    assert isinstance(tasks, TaskManager) and tasks.model is Task
    assert tasks.client is orm_connection
    assert orm_connection.jobs.model is Job
    with pytest.raises(AttributeError):
        orm_connection.no_such_resource  # noqa: B018


def test_retrieve_is_one_get(fake: FakeClient) -> None:
    fake.on("GET", "/api/jobs/63", asset_object("jobs", id=63))
    job = repository_for(fake, Job).retrieve(63, organization="org1")
    assert isinstance(job, Job) and job.id == 63
    assert fake.calls[0].organization == "org1"
    assert job._client is fake


def test_list_is_a_lazy_queryset_on_the_client(fake: FakeClient) -> None:
    tasks = repository_for(fake, Task).list()
    assert isinstance(tasks, QuerySet) and tasks.model is Task
    assert fake.calls == []


def test_create_accepts_field_and_request_names(fake: FakeClient) -> None:
    fake.on("POST", "/api/projects", {**asset_object("projects", id=18), "id": 77, "name": "p"})
    project = repository_for(fake, Project).create(
        {"name": "p", "assignee_id": 3, "labels": [{"name": "car"}]}
    )
    assert fake.calls[0].json == {"name": "p", "assignee_id": 3, "labels": [{"name": "car"}]}
    assert isinstance(project, Project) and project.id == 77
    with pytest.raises(FieldError):
        repository_for(fake, Project).create({"nmae": "p"})
    with pytest.raises(ValidationError):
        repository_for(fake, Project).create({"name": ""})
    assert len(fake.calls) == 1


def test_entity_methods(fake: FakeClient) -> None:
    data = asset_object("tasks", id=35)
    fake.on("GET", "/api/tasks/35", data)
    fake.on("PATCH", "/api/tasks/35", {**data, "name": "new name", "subset": "train"})
    fake.on("DELETE", "/api/tasks/35", None)
    task = Task._from_wire(dict(data), client=fake)
    assert task.fetch() is task
    task.update({"name": "new name", "assignee_id": None})
    assert fake.calls[1].json == {"name": "new name", "assignee_id": None}
    assert task.name == "new name" and task.subset == "train"
    task.remove()
    assert fake.methods() == [
        ("GET", "/api/tasks/35"),
        ("PATCH", "/api/tasks/35"),
        ("DELETE", "/api/tasks/35"),
    ]


def test_update_is_all_or_nothing_and_returns_the_entity(fake: FakeClient) -> None:
    data = asset_object("tasks", id=35)
    fake.on("PATCH", "/api/tasks/35", {**data, "subset": "val"})
    task = Task._from_wire(dict(data), client=fake)
    with pytest.raises(ValidationError):
        task.update({"name": "fine", "segment_size": 3})  # create-only: refused
    assert task.dirty_fields == () and task.name == data["name"]
    assert task.update({"subset": "val"}) is task
    assert fake.calls[0].json == {"subset": "val"}
