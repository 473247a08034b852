"""Fields: names, writability, conversion of wire values, validation, filter values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow
import pytest

from cvatorm.exceptions import ValidationError
from cvatorm.models import (
    Comment,
    Invitation,
    Issue,
    Job,
    JobStage,
    JobState,
    JobStatus,
    Label,
    Membership,
    Organization,
    Project,
    Role,
    Task,
    TaskMode,
    User,
    serialization,
)
from cvatorm.models.fields import Field, parse_datetime

from .fakes import FakeClient, asset_object


def test_field_read_on_the_class_is_the_field() -> None:
    assert isinstance(Task.name, Field)
    assert Task.name.name == "name"
    assert Task.name.model is Task
    assert Task._meta.fields["name"] is Task.name


@pytest.mark.parametrize(
    ("field", "wire_name", "write_name"),
    [
        (Task.assignee, "assignee", "assignee_id"),
        (Task.owner, "owner", "owner_id"),
        (Task.project_id, "project_id", "project_id"),
        (Project.assignee, "assignee", "assignee_id"),
        (Job.assignee, "assignee", "assignee"),
        (Issue.assignee, "assignee", "assignee"),
        (Issue.job_id, "job", "job"),
        (Comment.issue_id, "issue", "issue"),
        (Membership.organization_id, "organization", None),
        (Job.status, "status", None),
        (Task.status, "status", None),
    ],
)
def test_read_and_write_names_follow_the_schema(
    field: Field[object], wire_name: str, write_name: str | None
) -> None:
    assert field.wire_name == wire_name
    assert field.write_name == write_name
    assert field.read_only is (write_name is None)


def test_create_only_and_update_only_fields() -> None:
    assert Task.segment_size.on_create and not Task.segment_size.on_update
    assert Task.organization_id.on_update and not Task.organization_id.on_create
    assert Job.stage.on_update and not Job.stage.on_create
    assert Job.task_id.on_create and not Job.task_id.on_update
    assert Membership.role.on_update and not Membership.role.on_create
    assert Comment.message.on_create and Comment.message.on_update


def test_related_models_resolve_through_the_registry() -> None:
    assert Task.project_id.related_model is Project
    assert Task.assignee.related_model is User
    assert Issue.job_id.related_model is Job
    assert Task.name.related_model is None


def test_datetimes_are_aware() -> None:
    value = Task.created_date.to_python("2025-11-13T11:32:48.132000Z")
    assert value == dt.datetime(2025, 11, 13, 11, 32, 48, 132000, tzinfo=dt.timezone.utc)
    assert value.tzinfo is not None
    assert parse_datetime("2025-11-13T11:32:48+02:00").utcoffset() == dt.timedelta(hours=2)
    assert Task.created_date.to_python(None) is None


def test_enums_are_str_valued_and_unknown_values_are_kept() -> None:
    assert Job.stage.to_python("acceptance") is JobStage.ACCEPTANCE
    assert Job.stage.to_python("acceptance") == "acceptance"
    assert Job.state.to_python("in progress") is JobState.IN_PROGRESS
    assert Task.mode.to_python("interpolation") is TaskMode.INTERPOLATION
    assert Job.stage.to_python("a stage of CVAT 3.0") == "a stage of CVAT 3.0"
    assert f"{JobStatus.COMPLETED}" == "completed"


def test_enum_assignment_accepts_members_and_strings_only_if_known() -> None:
    assert Job.stage.clean("validation") is JobStage.VALIDATION
    assert Job.stage.clean(JobStage.ACCEPTANCE) is JobStage.ACCEPTANCE
    with pytest.raises(ValidationError) as info:
        Job.stage.clean("done")
    assert "stage" in info.value.messages
    assert Job.stage.to_wire(JobStage.ACCEPTANCE) == "acceptance"
    assert Membership.role.clean("supervisor") is Role.SUPERVISOR


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (Task.name, ""),
        (Task.name, "x" * 257),
        (Task.name, 12),
        (Task.name, None),
        (Task.subset, "s" * 65),
        (Task.segment_size, -1),
        (Task.segment_size, 2.5),
        (Task.segment_size, True),
        (Task.segment_size, "10"),
        (Issue.resolved, 1),
        (Issue.resolved, "yes"),
        (Issue.position, "1,2"),
        (Issue.position, [1.0, "2"]),
        (Organization.slug, "no spaces"),
        (Organization.slug, "x" * 17),
        (Organization.contact, ["not", "a", "dict"]),
        (Invitation.email, "not-an-email"),
        (User.username, "bad name!"),
        (Task.target_storage, {"location": "moon"}),
        (Task.target_storage, {"location": "local", "bucket": "x"}),
        (Task.assignee, 3.5),
        (Task.assignee, "bad name!"),
        (Job.frames, [1, -2]),
        (Label.attributes, [{"name": "a"}]),
    ],
)
def test_invalid_values_raise_validation_error(field: Field[object], value: object) -> None:
    with pytest.raises(ValidationError) as info:
        field.clean(value)
    assert field.name in info.value.messages


def test_valid_values_are_accepted() -> None:
    assert Task.name.clean("cars") == "cars"
    assert Task.project_id.clean(None) is None
    assert Task.overlap.clean(None) is None
    assert Issue.position.clean((1, 2.5)) == [1, 2.5]
    assert Organization.contact.clean({"email": "a@b.org"}) == {"email": "a@b.org"}
    assert Invitation.email.clean("new@cvat.org") == "new@cvat.org"
    storage = {"id": 60, "location": "local", "cloud_storage_id": None}
    assert Task.target_storage.to_wire(storage) == {"location": "local", "cloud_storage_id": None}
    label_spec = {
        "name": "car",
        "attributes": [
            {"name": "color", "mutable": False, "input_type": "select", "values": ["red", "blue"]}
        ],
    }
    assert Task._meta.fields["labels"].to_wire([label_spec]) == [label_spec]


def test_a_model_instance_is_accepted_for_an_id_field() -> None:
    project = Project._from_wire(asset_object("projects", id=1), client=None)
    assert Task.project_id.clean(project) == 1
    with pytest.raises(ValidationError):
        Task.project_id.clean(Task._from_wire(asset_object("tasks", id=2), client=None))
    with pytest.raises(ValidationError):
        Task.project_id.clean(Project(name="unsaved"))


def test_naive_datetimes_are_refused_when_written() -> None:
    with pytest.raises(ValidationError):
        Task.created_date.clean(dt.datetime(2025, 1, 1))
    aware = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    assert Task.created_date.to_wire(aware) == "2025-01-01T00:00:00+00:00"


def test_filter_values() -> None:
    user = User._from_wire({"id": 2, "username": "user1"}, client=None)
    assert Task.assignee.to_filter(user) == "user1"
    assert Task.assignee.to_filter("user1") == "user1"
    assert Task.assignee.to_filter(None) is None
    with pytest.raises(ValidationError):
        Task.assignee.to_filter(2)
    aware = dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc)
    assert Task.updated_date.to_filter(aware) == "2025-01-01T12:00:00+00:00"
    assert Job.stage.to_filter(JobStage.ACCEPTANCE) == "acceptance"
    project = Project._from_wire({"id": 5, "name": "p"}, client=None)
    assert Task.project_id.to_filter(project) == 5
    assert Task.name.to_filter("cars") == "cars"


def test_nested_users_become_user_objects_on_the_parent_client() -> None:
    client = FakeClient()
    task = Task._from_wire(asset_object("tasks", id=35), client=client, organization="org1")
    owner = task.owner
    assert isinstance(owner, User)
    assert (owner.id, owner.username, owner.first_name) == (1, "admin1", "Admin")
    assert owner._client is client and owner._organization == "org1"
    assert owner.email is None  # BasicUser has no e-mail: refresh() would load it
    assert task.assignee is None


def test_user_field_assignment_accepts_user_id_and_username() -> None:
    by_id = Task.assignee.clean(7)
    assert isinstance(by_id, User) and by_id.id == 7
    assert Task.assignee.to_wire(by_id) == 7
    by_name = Task.assignee.clean("user2")
    assert isinstance(by_name, User) and by_name.username == "user2" and by_name.pk is None
    assert Task.assignee.needs_lookup(by_name) == "user2"
    with pytest.raises(ValidationError):
        Task.assignee.to_wire(by_name)
    assert Task.assignee.clean(None) is None
    with pytest.raises(ValidationError):
        Membership.user.clean(None)  # not nullable


def test_to_wire_converts_and_does_not_validate_again() -> None:
    # ``clean`` validated the value when it was assigned; building the body only converts.
    assert Task.name.to_wire("") == ""
    assert Task.segment_size.to_wire(-1) == -1
    assert Job.stage.to_wire(JobStage.VALIDATION) == "validation"
    with pytest.raises(ValidationError):
        Task.name.clean("")


def test_a_value_is_validated_once_on_assignment_and_the_body_once_on_save(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[str] = []
    check_value = serialization.check_value

    def counting_check(name: str, mm_field: Any, raw: Any) -> None:
        checked.append(name)
        check_value(name, mm_field, raw)

    bodies: list[dict[str, Any]] = []
    validate = marshmallow.Schema.validate

    def counting_validate(schema: marshmallow.Schema, data: Any, **kwargs: Any) -> Any:
        bodies.append(dict(data))
        return validate(schema, data, **kwargs)

    monkeypatch.setattr(serialization, "check_value", counting_check)
    monkeypatch.setattr(marshmallow.Schema, "validate", counting_validate)
    fake = FakeClient()
    fake.on("PATCH", "/api/tasks/35", lambda call: {"id": 35, **call.json})
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    task.name = "renamed"
    task.assignee = 7
    task.target_storage["location"] = "cloud_storage"  # an in-place edit: never assigned
    assert checked == ["name", "assignee"]
    task.save()
    assert checked == ["name", "assignee"]  # building the body checked nothing again
    assert bodies == [fake.calls[0].json]  # the body, validated once by the write schema
    assert fake.calls[0].json == {
        "name": "renamed",
        "assignee_id": 7,
        "target_storage": {"location": "cloud_storage", "cloud_storage_id": None},
    }


def test_an_in_place_edit_is_validated_on_save_with_the_assignment_message() -> None:
    fake = FakeClient()
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    with pytest.raises(ValidationError) as assigned:
        task.target_storage = {"location": "moon"}
    task.target_storage["location"] = "moon"
    with pytest.raises(ValidationError) as saved:
        task.save()
    assert saved.value.messages == assigned.value.messages
    assert list(saved.value.messages) == ["target_storage"]
    assert fake.calls == []
