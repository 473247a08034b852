"""Relations on a recording fake client: lazy forward fetches, prefetching, bound querysets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cvatorm.exceptions import ValidationError
from cvatorm.models import Comment, Issue, Job, Label, Membership, Organization, Project, Task
from cvatorm.query import QuerySet

from .fakes import Call, FakeClient, api_error, asset, asset_object


def page(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def test_forward_relation_fetches_once_with_the_objects_organization(fake: FakeClient) -> None:
    fake.on("GET", "/api/projects/18", asset_object("projects", id=18))
    task = Task._from_wire(asset_object("tasks", id=35), client=fake, organization="org1")
    project = task.project
    assert isinstance(project, Project) and project.id == 18
    assert project._client is fake and project._organization == "org1"
    assert task.project is project
    assert fake.methods() == [("GET", "/api/projects/18")]
    assert fake.calls[0].organization == "org1"


def test_forward_relation_is_none_when_the_id_is_null(fake: FakeClient) -> None:
    task = Task._from_wire({**asset_object("tasks", id=35), "project_id": None}, client=fake)
    assert task.project is None
    assert fake.calls == []


def test_prefetched_objects_are_used_without_requests(fake: FakeClient) -> None:
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    project = Project._from_wire(asset_object("projects", id=18), client=fake)
    task._prefetched["project"] = project
    task._prefetched["jobs"] = [Job._from_wire(asset_object("jobs", id=63), client=fake)]
    assert task.project is project
    assert [job.id for job in task.jobs] == [63]
    assert fake.calls == []


def test_changing_the_id_drops_the_cached_object(fake: FakeClient) -> None:
    fake.on("GET", "/api/projects/18", asset_object("projects", id=18))
    fake.on("GET", "/api/projects/1", asset_object("projects", id=1))
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    assert task.project.id == 18
    task.project_id = 1
    assert task.project.id == 1
    assert fake.methods() == [("GET", "/api/projects/18"), ("GET", "/api/projects/1")]


def test_assigning_a_forward_relation_sets_the_id_field(fake: FakeClient) -> None:
    project = Project._from_wire(asset_object("projects", id=1), client=fake)
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    task.project = project
    assert task.project_id == 1
    assert task.project is project
    assert task.dirty_fields == ("project_id",)
    task.project = None
    assert task.project_id is None and task.project is None
    with pytest.raises(ValidationError):
        task.project = "project 1"
    with pytest.raises(ValidationError):
        Job._from_wire(asset_object("jobs", id=63), client=fake).task = 1  # read-only id
    assert fake.calls == []


def test_relations_read_from_renamed_wire_keys(fake: FakeClient) -> None:
    issue_data = asset_object("issues", id=5)
    fake.on("GET", f"/api/jobs/{issue_data['job']}", asset_object("jobs", id=issue_data["job"]))
    fake.on("GET", "/api/issues/5", issue_data)
    fake.on("GET", "/api/organizations/3", asset_object("organizations", id=3))
    issue = Issue._from_wire(issue_data, client=fake)
    assert issue.job.id == issue_data["job"]
    comment = Comment._from_wire(asset_object("comments", id=6), client=fake)
    assert comment.issue.id == 5
    membership = Membership._from_wire(asset_object("memberships", id=16), client=fake)
    assert membership.organization.slug == "org3"
    assert membership.user.username == "user1"  # nested: no request
    assert len(fake.calls) == 3


def test_a_missing_related_object_raises_its_does_not_exist(fake: FakeClient) -> None:
    fake.on("GET", "/api/projects/18", api_error(404))
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    with pytest.raises(Project.DoesNotExist):
        _ = task.project


def _jobs_of_task(call: Call) -> dict[str, Any]:
    rule = json.loads(call.params["filter"])
    assert rule == {"==": [{"var": "task_id"}, 35]}
    return page([j for j in asset("jobs") if j["task_id"] == 35])


def test_reverse_relation_is_a_queryset_bound_to_the_client_and_organization(
    fake: FakeClient,
) -> None:
    fake.on("GET", "/api/schema/", api_error(404))  # bundled capabilities then
    fake.on("GET", "/api/jobs", _jobs_of_task)
    task = Task._from_wire(asset_object("tasks", id=35), client=fake, organization="org2")
    jobs = task.jobs
    assert isinstance(jobs, QuerySet) and jobs.model is Job
    assert fake.calls == []  # lazy
    found = list(jobs)
    assert [j.task_id for j in found] == [35] * len(found) and found
    listing = [c for c in fake.calls if c.path == "/api/jobs"]
    assert len(listing) == 1 and listing[0].organization == "org2"
    assert all(j._client is fake and j._organization == "org2" for j in found)


def test_organization_memberships_are_listed_inside_the_organization(fake: FakeClient) -> None:
    fake.on("GET", "/api/schema/", api_error(404))
    members = [m for m in asset("memberships") if m["organization"] == 3]
    fake.on("GET", "/api/memberships", page(members))
    org = Organization._from_wire(asset_object("organizations", id=3), client=fake)
    found = list(org.memberships)
    assert {m.id for m in found} == {m["id"] for m in members}
    listing = [c for c in fake.calls if c.path == "/api/memberships"]
    assert listing[0].organization == "org3"
    assert "filter" not in (listing[0].params or {})


def test_reverse_relations_of_unsaved_objects_refuse(fake: FakeClient) -> None:
    with pytest.raises(ValidationError):
        _ = Task(name="new").jobs
    with pytest.raises(AttributeError):
        Job._from_wire(asset_object("jobs", id=63), client=fake).issues = []


def test_label_specs_are_written_through_the_labels_relation(fake: FakeClient) -> None:
    fake.on("PATCH", "/api/tasks/35", asset_object("tasks", id=35))
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    task.labels = [{"name": "bicycle", "color": "#ff0000"}, {"id": 3, "deleted": True}]
    task.save()
    assert fake.calls[0].json == {
        "labels": [{"name": "bicycle", "color": "#ff0000"}, {"id": 3, "deleted": True}]
    }
    with pytest.raises(ValidationError):
        task.labels = [{"name": "x", "colour": "red"}]
    assert Label._meta.relations["task"].related_model is Task


def test_labels_of_a_task_are_its_projects_when_it_has_one(fake: FakeClient) -> None:
    in_project = Task._from_wire(asset_object("tasks", id=35), client=fake)
    alone = Task._from_wire({**asset_object("tasks", id=35), "project_id": None}, client=fake)
    job = Job._from_wire(asset_object("jobs", id=63), client=fake)
    relation = Task._meta.relations["labels"]
    assert relation.filter_kwargs(in_project) == {"project_id": 18}  # type: ignore[attr-defined]
    assert relation.filter_kwargs(alone) == {"task_id": 35}  # type: ignore[attr-defined]
    assert Job._meta.relations["labels"].filter_kwargs(job) == {"project_id": 18}  # type: ignore[attr-defined]
    assert not relation.prefetchable  # type: ignore[attr-defined]
    assert Task._meta.relations["jobs"].prefetchable  # type: ignore[attr-defined]
    assert isinstance(in_project.labels, QuerySet) and in_project.labels.model is Label
    assert fake.calls == []
