"""Models against a server: LocalCVAT, or a real CVAT holding the assets (``CVAT_URL``).

Requests are counted client-side (``traffic``). Tests that change data create their own objects
and delete them; the seed objects they read (task 35 "task with tags" in project 18, org2's
tasks, issue 1 and its comments) are part of CVAT's test database on both kinds of server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cvatorm.connection import Client
from cvatorm.exceptions import ObjectDoesNotExist, ValidationError
from cvatorm.models import (
    Comment,
    Invitation,
    Issue,
    Job,
    JobStatus,
    Label,
    Membership,
    Organization,
    Project,
    Role,
    Task,
    User,
)
from cvatorm.query import QuerySet


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cleanup() -> Iterator[Callable[[Any], Any]]:
    """``cleanup(obj)``: delete ``obj`` at the end of the test if it still exists (LIFO)."""
    created: list[Any] = []

    def register(obj: Any) -> Any:
        created.append(obj)
        return obj

    yield register
    for obj in reversed(created):
        if obj.pk is not None:
            try:
                obj.delete()
            except ObjectDoesNotExist:
                pass
            except Exception as exc:  # the object may be gone with its parent already
                if getattr(exc, "status", None) != 404:
                    raise


# --------------------------------------------------------------------------- reading


def test_retrieve_wraps_the_servers_json(admin_client: Client, traffic: Any) -> None:
    traffic.clear()  # the login
    task = admin_client.tasks.retrieve(35)
    assert traffic.calls() == [("GET", "/api/tasks/35")]
    assert isinstance(task, Task) and task.id == 35
    assert task.name == "task with tags"
    assert task.project_id == 18
    assert isinstance(task.owner, User) and task.owner.username == "admin1"
    assert task.created_date.tzinfo is not None
    assert isinstance(task.status, JobStatus)
    assert repr(task) == "<Task 35: 'task with tags'>"
    assert task == Task._fetch(35, client=admin_client)
    assert task.raw == traffic[0].response_json


@pytest.mark.covers("POST /api/auth/login", call="client.login((user, password))")
@pytest.mark.covers("GET /api/tasks/{id}", call="Task.objects.get(id=...)")
def test_a_missing_object_raises_the_models_does_not_exist(admin_client: Client) -> None:
    with pytest.raises(Task.DoesNotExist):
        admin_client.tasks.retrieve(999_999)


def test_save_with_nothing_changed_sends_nothing(admin_client: Client, traffic: Any) -> None:
    task = admin_client.tasks.retrieve(35)
    _ = (task.name, task.owner, task.target_storage, task.source_storage, task.labels)
    traffic.clear()
    task.save()
    assert len(traffic) == 0


@pytest.mark.covers("GET /api/projects/{id}", call="Project.objects.get(id=...)")
def test_forward_relations_fetch_once(admin_client: Client, traffic: Any) -> None:
    task = admin_client.tasks.retrieve(35)
    traffic.clear()
    project = task.project
    assert isinstance(project, Project) and project.id == 18
    assert task.project is project
    assert traffic.calls() == [("GET", "/api/projects/18")]


def test_reverse_relations_list_the_related_objects(admin_client: Client, traffic: Any) -> None:
    task = admin_client.tasks.retrieve(35)
    jobs = list(task.jobs)
    assert jobs and all(isinstance(j, Job) and j.task_id == 35 for j in jobs)
    assert len(jobs) == task.raw["jobs"]["count"]
    traffic.clear()
    job = jobs[0]
    assert job.task == task
    assert job.project.id == 18
    assert traffic.calls() == [("GET", "/api/tasks/35"), ("GET", "/api/projects/18")]
    project = job.project
    assert any(t.id == 35 for t in project.tasks)


@pytest.mark.covers("GET /api/comments", call="Comment.objects.filter(...)")
@pytest.mark.covers("GET /api/issues/{id}", call="Issue.objects.get(id=...)")
@pytest.mark.covers("GET /api/jobs/{id}", call="Job.objects.get(id=...)")
def test_issue_comments_and_back(admin_client: Client) -> None:
    issue = admin_client.issues.retrieve(1)
    comments = list(issue.comments)
    assert len(comments) == issue.raw["comments"]["count"]
    assert all(isinstance(c, Comment) and c.issue_id == 1 for c in comments)
    assert comments[0].issue == issue
    assert issue.job.id == issue.job_id


@pytest.mark.covers("GET /api/memberships", call="Membership.objects.filter(...)")
@pytest.mark.covers("GET /api/organizations", call="Organization.objects.filter(...)")
def test_organization_memberships_are_listed_inside_it(admin_client: Client, traffic: Any) -> None:
    org = next(o for o in Organization.objects.using(admin_client) if o.slug == "org2")
    traffic.clear()
    memberships = list(org.memberships)
    assert memberships and all(isinstance(m, Membership) for m in memberships)
    assert {m.organization_id for m in memberships} == {org.id}
    assert all(isinstance(m.user, User) and m.user.username for m in memberships)
    assert all(isinstance(m.role, Role) for m in memberships)
    listing = traffic.select("GET", "/api/memberships")
    assert listing and all(e.request_headers.get("X-Organization") == "org2" for e in listing)
    assert memberships[0].organization == org


@pytest.mark.covers("GET /api/organizations/{id}", call="Organization.objects.get(id=...)")
def test_objects_remember_their_organization(admin_client: Client, traffic: Any) -> None:
    task = admin_client.tasks.retrieve(17, organization="org2")
    assert task.organization_id is not None
    traffic.clear()
    task.refresh()
    assert traffic[0].request_headers.get("X-Organization") == "org2"
    assert task.organization.slug == "org2"


@pytest.mark.covers("GET /api/projects", call="Project.objects.filter(...)")
def test_repository_list_walks_every_page(admin_client: Client) -> None:
    every = admin_client.projects.list()
    assert isinstance(every, QuerySet)
    ids = [p.id for p in every]
    assert len(ids) == every.count() == len(set(ids)) > 10


# --------------------------------------------------------------------------- writing


@pytest.mark.covers("GET /api/labels", call="Label.objects.filter(...)")
def test_create_rename_refresh_delete_a_project(
    orm_connection: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    name = unique("orm project")
    project = cleanup(Project(name=name, labels=[{"name": "car"}, {"name": "person"}]))
    project.save()
    assert traffic.calls() == [("POST", "/api/projects")]
    assert traffic[0].json == {"name": name, "labels": [{"name": "car"}, {"name": "person"}]}
    assert project.id is not None and project.name == name
    assert sorted(label.name for label in project.labels) == ["car", "person"]

    traffic.clear()
    project.name = name + " renamed"
    project.save()
    assert traffic.calls() == [("PATCH", f"/api/projects/{project.id}")]
    assert traffic[0].json == {"name": name + " renamed"}
    assert project.dirty_fields == ()

    traffic.clear()
    project.name = "local only"
    project.refresh()
    assert traffic.calls() == [("GET", f"/api/projects/{project.id}")]
    assert project.name == name + " renamed" and project.dirty_fields == ()

    project_id = project.id
    project.delete()
    with pytest.raises(Project.DoesNotExist):
        Project._fetch(project_id, client=orm_connection)


def test_usernames_are_resolved_in_one_request(
    orm_connection: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    project = cleanup(Project(name=unique("orm assignees")))
    project.save()
    traffic.clear()
    project.assignee = "user2"
    project.save()
    assert traffic.calls() == [("GET", "/api/users"), ("PATCH", f"/api/projects/{project.id}")]
    patch_body = traffic.last.json
    user2 = User.objects.using(orm_connection).get(username="user2")
    assert patch_body == {"assignee_id": user2.id}
    assert project.assignee.username == "user2"

    traffic.clear()
    project.assignee = "no-such-user-" + uuid.uuid4().hex[:6]
    with pytest.raises(ValidationError, match="No user"):
        project.save()
    assert traffic.calls() == [("GET", "/api/users")]

    traffic.clear()
    project.assignee = None
    project.save()
    assert traffic.last.json == {"assignee_id": None}
    assert project.assignee is None


@pytest.mark.covers("POST /api/tasks", call="Task(...).save() / Task.objects.create(...)")
@pytest.mark.covers("PATCH /api/tasks/{id}", call="task.save()")
@pytest.mark.covers("DELETE /api/tasks/{id}", call="task.delete()")
def test_task_in_a_project_uses_the_projects_labels(
    orm_connection: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    project = cleanup(Project(name=unique("orm labels"), labels=[{"name": "tree"}]))
    project.save()
    task = cleanup(Task(name=unique("orm task"), project_id=project.id, segment_size=5))
    task.save()
    assert traffic.last.json == {
        "name": task.name,
        "project_id": project.id,
        "segment_size": 5,
    }
    assert task.project == project
    assert [label.name for label in task.labels] == ["tree"]
    assert all(isinstance(label, Label) for label in project.labels)
    traffic.clear()
    task.subset = "train"
    task.save(update_fields=["subset"])
    assert traffic.calls() == [("PATCH", f"/api/tasks/{task.id}")]
    assert traffic[0].json == {"subset": "train"}
    assert task.subset == "train" and task.project_id == project.id


@pytest.mark.covers("POST /api/invitations", call="Invitation(...).save(organization=...)")
@pytest.mark.covers("DELETE /api/invitations/{key}", call="invitation.delete()")
@pytest.mark.covers("POST /api/organizations", call="Organization(...).save()")
@pytest.mark.covers("PATCH /api/organizations/{id}", call="organization.save()")
@pytest.mark.covers("DELETE /api/organizations/{id}", call="organization.delete()")
def test_in_place_edits_of_a_dict_are_saved(
    orm_connection: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    slug = unique("o")[:16]
    org = cleanup(Organization(slug=slug, name="ORM test", contact={"email": "a@cvat.org"}))
    org.save()
    traffic.clear()
    org.contact["phone"] = "+1 555 0100"
    assert org.dirty_fields == ("contact",)
    org.save()
    assert traffic.calls() == [("PATCH", f"/api/organizations/{org.id}")]
    assert traffic[0].json == {"contact": {"email": "a@cvat.org", "phone": "+1 555 0100"}}
    assert org.contact == {"email": "a@cvat.org", "phone": "+1 555 0100"}

    invitation = cleanup(Invitation(email="user2@cvat.org", role="worker"))
    invitation.save(organization=slug)
    created = traffic.select("POST", "/api/invitations")[0]
    assert created.request_headers.get("X-Organization") == slug
    assert invitation.key and invitation.role is Role.WORKER
    assert invitation.organization_id == org.id


@pytest.mark.covers("POST /api/comments", call="Comment(...).save()")
@pytest.mark.covers("DELETE /api/comments/{id}", call="comment.delete()")
@pytest.mark.covers("POST /api/issues", call="Issue(...).save()")
@pytest.mark.covers("PATCH /api/issues/{id}", call="issue.save()")
@pytest.mark.covers("DELETE /api/issues/{id}", call="issue.delete()")
def test_in_place_edits_of_a_list_are_saved(
    orm_connection: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    job = Job.objects.using(orm_connection).get(id=Issue._fetch(1, client=orm_connection).job_id)
    issue = cleanup(
        Issue(
            job_id=job.id,
            frame=job.start_frame,
            position=[1.0, 2.0, 30.0, 40.0],
            message=unique("orm issue"),
        )
    )
    issue.save()
    assert traffic.last.json["message"].startswith("orm issue")
    traffic.clear()
    issue.position.extend([50.0, 60.0])
    issue.save()
    assert traffic.calls() == [("PATCH", f"/api/issues/{issue.id}")]
    assert traffic[0].json == {"position": [1.0, 2.0, 30.0, 40.0, 50.0, 60.0]}
    assert list(issue.position) == [1.0, 2.0, 30.0, 40.0, 50.0, 60.0]
    comment = cleanup(Comment(issue_id=issue.id, message="second thoughts"))
    comment.save()
    assert comment.issue == issue
    assert comment.owner.username


def test_cvat_sdk_style_create_update_remove(
    admin_client: Client, traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    project = cleanup(admin_client.projects.create({"name": unique("sdk style")}))
    traffic.clear()
    project.update({"bug_tracker": "https://bugs.example/1"})
    assert traffic.calls() == [("PATCH", f"/api/projects/{project.id}")]
    assert traffic[0].json == {"bug_tracker": "https://bugs.example/1"}
    assert project.fetch().bug_tracker == "https://bugs.example/1"
    project_id = project.id
    project.remove()
    with pytest.raises(Project.DoesNotExist):
        admin_client.projects.retrieve(project_id)


@pytest.mark.covers("POST /api/projects", call="Project(...).save()")
@pytest.mark.covers("PATCH /api/projects/{id}", call="project.save()")
@pytest.mark.covers("DELETE /api/projects/{id}", call="project.delete()")
def test_a_member_assigns_by_username_inside_the_organization(
    client_as: Callable[[str], Client], traffic: Any, cleanup: Callable[[Any], Any]
) -> None:
    user1 = client_as("user1")  # owner of org1
    project = cleanup(Project(name=unique("org1 project")))
    project.save(using=user1, organization="org1")
    assert project.organization_id is not None
    traffic.clear()
    project.assignee = "worker1"  # a member of org1
    project.save()
    lookup, patch = traffic.exchanges
    assert (lookup.method, lookup.path) == ("GET", "/api/users")
    assert lookup.request_headers.get("X-Organization") == "org1"
    assert patch.request_headers.get("X-Organization") == "org1"
    assert project.assignee.username == "worker1"

    traffic.clear()
    project.assignee = "user2"  # not a member of org1: invisible there
    with pytest.raises(ValidationError, match="user2"):
        project.save()
    assert traffic.calls() == [("GET", "/api/users")]
