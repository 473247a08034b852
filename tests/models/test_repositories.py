"""The cvat-sdk style: repositories bound to a client, and entity methods on instances."""

from __future__ import annotations

import pytest

from cvatorm.exceptions import FieldError, ValidationError
from cvatorm.models import Job, Project, Task
from cvatorm.models.repositories import Repository, repository_for
from cvatorm.query import QuerySet

from .fakes import FakeClient, asset_object


def test_repository_for_binds_the_model_to_the_client(fake: FakeClient) -> None:
    repo = repository_for(fake, "tasks")
    assert isinstance(repo, Repository) and repo.model is Task and repo.client is fake
    with pytest.raises(KeyError):
        repository_for(fake, "webhooks")


def test_retrieve_is_one_get(fake: FakeClient) -> None:
    fake.on("GET", "/api/jobs/63", asset_object("jobs", id=63))
    job = repository_for(fake, "jobs").retrieve(63, organization="org1")
    assert isinstance(job, Job) and job.id == 63
    assert fake.calls[0].organization == "org1"
    assert job._client is fake


def test_list_is_a_lazy_queryset_on_the_client(fake: FakeClient) -> None:
    tasks = repository_for(fake, "tasks").list()
    assert isinstance(tasks, QuerySet) and tasks.model is Task
    assert fake.calls == []


def test_create_accepts_field_and_request_names(fake: FakeClient) -> None:
    fake.on("POST", "/api/projects", {**asset_object("projects", id=18), "id": 77, "name": "p"})
    project = repository_for(fake, "projects").create(
        {"name": "p", "assignee_id": 3, "labels": [{"name": "car"}]}
    )
    assert fake.calls[0].json == {"name": "p", "assignee_id": 3, "labels": [{"name": "car"}]}
    assert isinstance(project, Project) and project.id == 77
    with pytest.raises(FieldError):
        repository_for(fake, "projects").create({"nmae": "p"})
    with pytest.raises(ValidationError):
        repository_for(fake, "projects").create({"name": ""})
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
        ("GET", "/api/tasks/35"), ("PATCH", "/api/tasks/35"), ("DELETE", "/api/tasks/35"),
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
