"""Dirty tracking and what save()/refresh()/delete() send, checked on a recording fake client."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm.exceptions import FieldError, NotFoundError, ValidationError
from cvatorm.models import (
    Comment,
    Invitation,
    Issue,
    Job,
    JobStage,
    Label,
    Membership,
    Organization,
    Project,
    Task,
    User,
)

from .fakes import Call, FakeClient, api_error, asset_object

TASK_PATH = "/api/tasks/35"


def load_task(fake: FakeClient, org: Any = None) -> Task:
    return Task._from_wire(asset_object("tasks", id=35), client=fake, organization=org)


def echo_task(call: Call) -> dict[str, Any]:
    """The server's answer to a task PATCH: the task with the sent fields applied."""
    data = asset_object("tasks", id=35)
    for key, value in call.json.items():
        if key == "assignee_id":
            data["assignee"] = (
                None
                if value is None
                else {
                    "id": value,
                    "username": f"user-{value}",
                    "first_name": "",
                    "last_name": "",
                    "url": f"http://cvat.fake:8080/api/users/{value}",
                }
            )
        else:
            data[key] = value
    data["updated_date"] = "2026-01-01T00:00:00Z"
    return data


def test_save_with_nothing_changed_sends_nothing(fake: FakeClient) -> None:
    task = load_task(fake)
    _ = (task.name, task.owner, task.target_storage, task.created_date)
    task.save()
    assert fake.calls == []


def test_one_changed_field_is_one_patch_of_exactly_that_field(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake, org="org2")
    task.name = "renamed"
    assert task.dirty_fields == ("name",)
    task.save()
    assert fake.methods() == [("PATCH", TASK_PATH)]
    assert fake.calls[0].json == {"name": "renamed"}
    assert fake.calls[0].organization == "org2"
    assert task.name == "renamed"
    assert task.dirty_fields == ()
    assert task.updated_date.year == 2026
    task.save()
    assert len(fake.calls) == 1


def test_in_place_list_edits_are_tracked(fake: FakeClient) -> None:
    fake.on("PATCH", "/api/issues/5", lambda call: {**asset_object("issues", id=5), **call.json})
    issue = Issue._from_wire(asset_object("issues", id=5), client=fake)
    original = list(issue.position)
    issue.position.append(1.5)
    assert issue.dirty_fields == ("position",)
    assert issue.raw["position"] == original  # the raw data is the untouched snapshot
    issue.save()
    assert fake.calls[0].json == {"position": [*original, 1.5]}
    assert issue.dirty_fields == ()
    assert issue.position == [*original, 1.5]


def test_in_place_dict_edits_are_tracked(fake: FakeClient) -> None:
    fake.on(
        "PATCH", "/api/organizations/3", lambda c: {**asset_object("organizations", id=3), **c.json}
    )
    org = Organization._from_wire(asset_object("organizations", id=3), client=fake)
    org.contact["phone"] = "+1 555"
    assert org.dirty_fields == ("contact",)
    org.save()
    assert fake.calls[0].json == {"contact": {"email": "org3@cvat.org", "phone": "+1 555"}}
    assert fake.calls[0].organization is None  # organizations are addressed by id, not context


def test_nested_storage_edit_sends_a_storage_request(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake)
    task.target_storage["location"] = "cloud_storage"
    task.target_storage["cloud_storage_id"] = 1
    task.save()
    assert fake.calls[0].json == {
        "target_storage": {"location": "cloud_storage", "cloud_storage_id": 1}
    }


def test_an_edit_reverted_in_place_is_not_dirty(fake: FakeClient) -> None:
    issue = Issue._from_wire(asset_object("issues", id=5), client=fake)
    issue.position.append(3.0)
    issue.position.pop()
    issue.save()
    assert fake.calls == []


def test_read_only_and_create_only_fields_refuse_assignment(fake: FakeClient) -> None:
    task = load_task(fake)
    with pytest.raises(ValidationError, match="read-only"):
        task.status = "completed"
    with pytest.raises(ValidationError, match="only be set when creating"):
        task.segment_size = 5
    with pytest.raises(ValidationError):
        task.name = ""
    assert task.dirty_fields == ()
    assert fake.calls == []


def test_update_fields_restricts_the_patch_and_keeps_the_rest_dirty(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake)
    task.name = "renamed"
    task.subset = "train"
    task.target_storage["location"] = "cloud_storage"
    task.save(update_fields=["subset"])
    assert fake.calls[0].json == {"subset": "train"}
    assert task.dirty_fields == ("name", "target_storage")
    assert task.name == "renamed"
    task.save(update_fields=[])
    assert len(fake.calls) == 1
    with pytest.raises(FieldError):
        task.save(update_fields=["nmae"])
    with pytest.raises(ValidationError):
        task.save(update_fields=["status"])


def test_response_is_merged_not_replacing_unechoed_fields(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, {"id": 35, "name": "renamed", "subset": "val"})
    task = load_task(fake)
    assert task.owner is not None
    task.name = "renamed"
    task.save()
    assert task.subset == "val"  # echoed by the server: its value wins
    assert task.owner.username == "admin1"  # not echoed: kept
    assert task.raw["jobs"]["count"] == 1


def test_usernames_are_resolved_with_one_request_at_save(fake: FakeClient) -> None:
    users = [asset_object("users", username="user2"), asset_object("users", username="user3")]
    fake.on("GET", "/api/users", {"count": 2, "next": None, "previous": None, "results": users})
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake, org="org1")
    task.assignee = "user2"
    task.owner = "user3"
    assert task.assignee.username == "user2"
    assert fake.calls == []  # nothing until save()
    task.save()
    assert fake.methods() == [("GET", "/api/users"), ("PATCH", TASK_PATH)]
    lookup = fake.calls[0]
    assert lookup.organization == "org1"
    assert "user2" in lookup.params["filter"] and "user3" in lookup.params["filter"]
    assert fake.calls[1].json == {
        "owner_id": users[1]["id"],
        "assignee_id": users[0]["id"],
    }


def test_an_unknown_username_fails_before_the_patch(fake: FakeClient) -> None:
    fake.on("GET", "/api/users", {"count": 0, "next": None, "previous": None, "results": []})
    task = load_task(fake)
    task.assignee = "nobody"
    with pytest.raises(ValidationError, match="nobody"):
        task.save()
    assert fake.methods() == [("GET", "/api/users")]
    assert task.dirty_fields == ("assignee",)


def test_a_case_insensitive_server_match_is_not_taken_for_the_user(fake: FakeClient) -> None:
    admin = asset_object("users", username="admin1")
    fake.on("GET", "/api/users", {"count": 1, "next": None, "previous": None, "results": [admin]})
    task = load_task(fake)
    task.assignee = "ADMIN1"
    with pytest.raises(ValidationError):
        task.save()


def test_user_objects_and_ids_need_no_lookup(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake)
    task.assignee = User._from_wire(asset_object("users", username="user4"), client=fake)
    task.save()
    task.assignee = None
    task.save()
    assert [c.json for c in fake.calls] == [
        {"assignee_id": asset_object("users", username="user4")["id"]},
        {"assignee_id": None},
    ]


def test_job_assignee_and_stage_use_the_job_write_names(fake: FakeClient) -> None:
    fake.on("PATCH", "/api/jobs/63", lambda c: asset_object("jobs", id=63))
    job = Job._from_wire(asset_object("jobs", id=63), client=fake)
    job.assignee = 5
    job.stage = "acceptance"
    job.save()
    assert fake.calls[0].json == {"assignee": 5, "stage": "acceptance"}
    assert job.stage is JobStage.ANNOTATION  # the server's answer wins


def test_new_objects_are_posted_with_their_assigned_fields(fake: FakeClient) -> None:
    created = {**asset_object("tasks", id=35), "id": 99, "name": "new"}
    fake.on("POST", "/api/tasks", created)
    task = Task(name="new", labels=[{"name": "car"}], segment_size=10)
    task.project_id = 18
    task.save(using=fake, organization="org2")
    call = fake.calls[0]
    assert (call.method, call.path, call.organization) == ("POST", "/api/tasks", "org2")
    assert call.json == {
        "name": "new",
        "project_id": 18,
        "segment_size": 10,
        "labels": [{"name": "car"}],
    }
    assert task.pk == 99 and task._client is fake and task._organization == "org2"
    assert task.dirty_fields == ()
    assert repr(task) == "<Task 99: 'new'>"


def test_missing_required_fields_fail_before_any_request(fake: FakeClient) -> None:
    with pytest.raises(ValidationError) as info:
        Issue(frame=0, position=[1.0, 2.0]).save(using=fake)
    assert set(info.value.messages) == {"job_id", "message"}
    with pytest.raises(ValidationError, match="name"):
        Project(bug_tracker="x").save(using=fake)
    assert fake.calls == []


def test_update_only_fields_and_non_creatable_models_fail_on_create(fake: FakeClient) -> None:
    task = Task(name="x")
    task.organization_id = 2
    with pytest.raises(ValidationError, match="existing object"):
        task.save(using=fake)
    with pytest.raises(ValidationError, match="cannot be created"):
        Membership().save(using=fake)
    with pytest.raises(ValidationError, match="cannot be created"):
        Label(name="x").save(using=fake)
    with pytest.raises(ValidationError):
        Task(name="x").save(using=fake, update_fields=["name"])
    assert fake.calls == []


def test_invitations_are_keyed_by_key(fake: FakeClient) -> None:
    invitation = asset_object("invitations", role="maintainer")
    key = invitation["key"]
    fake.on("POST", "/api/invitations", invitation)
    new = Invitation(email="someone@cvat.org", role="maintainer")
    new.save(using=fake, organization="org1")
    assert fake.calls[0].json == {"role": "maintainer", "email": "someone@cvat.org"}
    assert new.pk == key
    # CVAT 2.64 answers every PATCH of an invitation with a 500: its fields are create-only.
    with pytest.raises(ValidationError, match="only be set when creating"):
        new.role = "worker"
    new.save()
    assert len(fake.calls) == 1


def test_comment_create_sends_issue_and_message(fake: FakeClient) -> None:
    fake.on("POST", "/api/comments", {**asset_object("comments", id=6), "id": 50})
    comment = Comment(issue_id=5, message="Looks fine")
    comment.save(using=fake)
    assert fake.calls[0].json == {"issue": 5, "message": "Looks fine"}
    assert comment.issue_id == 5


def test_refresh_replaces_state_and_forgets_changes(fake: FakeClient) -> None:
    fresh = {**asset_object("tasks", id=35), "name": "from server"}
    fake.on("GET", TASK_PATH, fresh)
    task = load_task(fake, org="")
    task.name = "local edit"
    task.target_storage["location"] = "cloud_storage"
    task.refresh()
    assert fake.calls[0].organization == ""
    assert task.name == "from server"
    assert task.dirty_fields == ()
    assert task.target_storage["location"] == "local"
    task.refresh_from_db()
    assert len(fake.calls) == 2


def test_delete_sends_delete_and_forgets_the_pk(fake: FakeClient) -> None:
    fake.on("DELETE", TASK_PATH, None)
    task = load_task(fake, org="org1")
    task.delete()
    assert fake.methods() == [("DELETE", TASK_PATH)]
    assert fake.calls[0].organization == "org1"
    assert task.pk is None
    with pytest.raises(ValidationError):
        task.delete()


def test_server_errors_propagate_and_leave_changes_dirty(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, api_error(400, {"name": ["bad"]}))
    task = load_task(fake)
    task.name = "x"
    with pytest.raises(Exception, match="400"):
        task.save()
    assert task.dirty_fields == ("name",)


def test_fetching_a_missing_object_raises_the_models_does_not_exist(fake: FakeClient) -> None:
    fake.on("GET", "/api/tasks/404", NotFoundError(404, "Not Found"))
    with pytest.raises(Task.DoesNotExist):
        Task._fetch(404, client=fake)


def test_connection_resolution(fake: FakeClient) -> None:
    from cvatorm.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="no-such-alias"):
        Task(name="x").save(using="no-such-alias")
    other = FakeClient(server_id="http://other:8080")
    other.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake)
    task.name = "elsewhere"
    task.save(using=other)  # an explicit client wins over the one the object came from
    assert fake.calls == [] and other.methods() == [("PATCH", TASK_PATH)]
    assert task._client is other


def test_assigning_the_current_value_is_not_a_change(fake: FakeClient) -> None:
    fake.on("PATCH", TASK_PATH, echo_task)
    task = load_task(fake)
    task.name = task.name
    task.owner = 1  # admin1, the current owner
    task.assignee = None  # already unassigned
    task.target_storage = dict(task.target_storage)
    assert task.dirty_fields == ()
    task.save()
    assert fake.calls == []
    task.update({"name": task.name})  # cvat-sdk's update() sends what it is given
    assert [c.json for c in fake.calls] == [{"name": "task with tags"}]
