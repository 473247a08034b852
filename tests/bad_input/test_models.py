"""Bad inputs to the models: constructors, field assignment (every model, ``Webhook``
included), ``save(update_fields=...)``, ``update({...})`` and ``retrieve(pk)`` with keys that
are not keys.

All are knowable locally except a user name that matches no user (resolved by asking the
server): nothing may be sent, and the instance keeps no half-made change.
"""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import (
    Comment,
    Invitation,
    Issue,
    Job,
    Label,
    Membership,
    Organization,
    Project,
    Task,
    User,
    Webhook,
)
from cvatorm.exceptions import (
    BadRequestError,
    ConfigurationError,
    FieldError,
    InvalidArgumentError,
    ValidationError,
)

from .conftest import Case, Subjects, case


def assign(obj: Any, name: str, value: Any) -> None:
    setattr(obj, name, value)


def new_then_assign(model: type, name: str, value: Any) -> Any:
    return lambda s: assign(s.new(model()), name, value)


LONG = "x" * 10_000
NAN = float("nan")

#: (model, field, bad value, the word the message must contain) for the constructor
#: ``Model(field=value)``: each is also tried as an assignment to an unsaved instance.
CONSTRUCTOR = [
    (Task, "name", "", "name"),
    (Task, "name", 5, "name"),
    (Task, "name", None, "name"),
    (Task, "name", "x" * 257, "name"),
    (Task, "overlap", -1, "overlap"),
    (Task, "overlap", "two", "overlap"),
    (Task, "segment_size", 2**40, "segment_size"),
    (Task, "segment_size", 1.5, "segment_size"),
    (Task, "bug_tracker", LONG, "bug_tracker"),
    (Task, "subset", "x" * 65, "subset"),
    (Task, "assignee", 3.5, "assignee"),
    (Task, "assignee", ["admin1"], "assignee"),
    (Task, "project_id", "abc", "project_id"),
    (Task, "project_id", True, "project_id"),
    (Task, "target_storage", "moon", "target_storage"),
    (Task, "target_storage", {"location": "moon"}, "target_storage"),
    (Task, "labels", "car", "labels"),
    (Task, "labels", [{"color": "#ff0000"}], "labels"),
    (Task, "labels", [{"name": ""}], "labels"),
    (Task, "consensus_replicas", -1, "consensus_replicas"),
    (Task, "id", 5, "id"),
    (Task, "size", 10, "size"),
    (Task, "status", "completed", "status"),
    (Project, "name", "", "name"),
    (Project, "name", None, "name"),
    (Project, "labels", 5, "labels"),
    (Project, "bug_tracker", LONG, "bug_tracker"),
    (Project, "dimension", "4d", "dimension"),
    (Project, "owner", {}, "owner"),
    (Job, "type", "nonsense", "type"),
    (Job, "task_id", "abc", "task_id"),
    (Job, "frame_count", 0, "frame_count"),
    (Job, "frames", "1,2", "frames"),
    (Job, "frame_selection_method", "best", "frame_selection_method"),
    (Job, "random_seed", -1, "random_seed"),
    (Job, "frame_share", "half", "frame_share"),
    (Webhook, "target_url", "", "target_url"),
    (Webhook, "target_url", 5, "target_url"),
    (Webhook, "target_url", "x" * 8193, "target_url"),
    (Webhook, "type", "team", "type"),
    (Webhook, "content_type", "text/xml", "content_type"),
    (Webhook, "events", "create:task", "events"),
    (Webhook, "events", [5], "events"),
    (Webhook, "secret", "s" * 65, "secret"),
    (Webhook, "description", "d" * 129, "description"),
    (Webhook, "is_active", "yes", "is_active"),
    (Webhook, "enable_ssl", 2, "enable_ssl"),
    (Webhook, "project_id", "p", "project_id"),
    (Issue, "frame", -1, "frame"),
    (Issue, "position", "1,2", "position"),
    (Issue, "position", [1.0, NAN], "position"),
    (Issue, "message", "", "message"),
    (Issue, "resolved", "no", "resolved"),
    (Comment, "message", "", "message"),
    (Label, "name", "", "name"),
    (Label, "type", "circle", "type"),
    (Label, "attributes", "color", "attributes"),
    (Membership, "role", "god", "role"),
    (Invitation, "role", "god", "role"),
    (Invitation, "email", "not-an-email", "email"),
    (User, "email", "nope", "email"),
    (User, "is_staff", "yes", "is_staff"),
    (Organization, "slug", "bad slug!", "slug"),
    (Organization, "name", "n" * 65, "name"),
    (Organization, "contact", "x@y", "contact"),
]

#: Assignments to a saved object: (subject, field, value, word).
SAVED = [
    ("task", "name", "", "name"),
    ("task", "name", None, "name"),
    ("task", "overlap", 1, "overlap"),  # create-only
    ("task", "segment_size", 5, "segment_size"),  # create-only
    ("task", "size", 5, "size"),  # read-only
    ("task", "mode", "interpolation", "mode"),
    ("task", "id", 99, "id"),
    ("task", "assignee", 1.5, "assignee"),
    ("task", "organization_id", "org1", "organization_id"),
    ("job", "state", "finished", "state"),
    ("job", "state", 5, "state"),
    ("job", "stage", "nope", "stage"),
    ("job", "type", "ground_truth", "type"),  # create-only
    ("job", "assignee", 3.5, "assignee"),
    ("job", "start_frame", 0, "start_frame"),
    ("project", "name", "", "name"),
    ("project", "dimension", "3d", "dimension"),
    ("webhook", "type", "project", "type"),  # create-only
    ("webhook", "events", None, "events"),
    ("webhook", "target_url", "", "target_url"),
    ("webhook", "project_id", 1, "project_id"),  # create-only
    ("webhook", "content_type", "xml", "content_type"),
]

#: Keys that are not keys: (model, pk, word).
BAD_KEYS = [
    (Task, "../users/self", "../users/self"),
    (Task, "2?org=x", "2?org=x"),
    (Task, "2#x", "2#x"),
    (Task, "abc", "abc"),
    (Task, "", "''"),
    (Task, " 2", "' 2'"),
    (Task, "2/", "2/"),
    (Task, -1, "-1"),
    (Task, 0, "0"),
    (Task, True, "True"),
    (Task, None, "None"),
    (Task, 1.5, "1.5"),
    (Task, [2], "[2]"),
    (Job, "../tasks/2", "../tasks/2"),
    (Project, "%2e%2e", "%2e%2e"),
    (Webhook, "abc", "abc"),
    (Invitation, "../organizations/1", "../organizations/1"),
    (Invitation, "", "''"),
    (User, "self", "self"),
    (Organization, "org1", "org1"),
]

CASES = [
    *[
        case(
            f"{m.__name__}({f}={v!r:.20})", lambda s, m=m, f=f, v=v: m(**{f: v}), ValidationError, w
        )
        for m, f, v, w in CONSTRUCTOR
    ],
    *[
        case(f"{m.__name__}().{f}={v!r:.20}", new_then_assign(m, f, v), ValidationError, w)
        for m, f, v, w in CONSTRUCTOR[::3]
    ],
    *[
        case(
            f"saved-{subj}.{f}={v!r:.20}",
            lambda s, subj=subj, f=f, v=v: assign(getattr(s, subj), f, v),
            ValidationError,
            w,
        )
        for subj, f, v, w in SAVED
    ],
    case("Task(nmae=)", lambda s: Task(nmae="x"), FieldError, "nmae"),
    case("task.nmae=", lambda s: assign(s.new(Task()), "nmae", "x"), FieldError, "nmae"),
    case("Webhook(evnets=)", lambda s: Webhook(evnets=["create:task"]), FieldError, "evnets"),
    # save(update_fields=...)
    case(
        "save-update_fields-unknown",
        lambda s: s.task.save(update_fields=["nmae"]),
        FieldError,
        "nmae",
    ),
    case(
        "save-update_fields-read-only",
        lambda s: s.task.save(update_fields=["size"]),
        ValidationError,
        "size",
    ),
    case(
        "save-update_fields-str",
        lambda s: s.task.save(update_fields="name"),
        InvalidArgumentError,
        "update_fields",
    ),
    case(
        "save-update_fields-int",
        lambda s: s.task.save(update_fields=5),
        InvalidArgumentError,
        "update_fields",
    ),
    case(
        "save-update_fields-unsaved",
        lambda s: s.new(Task(name="t", labels=[{"name": "a"}])).save(update_fields=["name"]),
        ValidationError,
        "update_fields",
    ),
    case("save-using-int", lambda s: s.task.save(using=5), InvalidArgumentError, "using"),
    case(
        "save-using-unknown-alias",
        lambda s: s.task.save(using="nowhere"),
        ConfigurationError,
        "nowhere",
    ),
    case(
        "save-organization-int",
        lambda s: s.new(Task(name="t", labels=[{"name": "a"}])).save(organization=5),
        InvalidArgumentError,
        "organization",
    ),
    case("save-unsaved-missing-required", lambda s: s.new(Task()).save(), ValidationError, "name"),
    case(
        "save-webhook-missing-events",
        lambda s: s.new(Webhook(target_url="http://127.0.0.1:1/h", type="organization")).save(),
        ValidationError,
        "events",
    ),
    case(
        "save-read-only-model",
        lambda s: s.new(User(first_name="x")).save(),
        ValidationError,
        "User",
    ),
    # update({...})
    case("update-unknown", lambda s: s.task.update({"nmae": "x"}), FieldError, "nmae"),
    case("update-blank-name", lambda s: s.task.update({"name": ""}), ValidationError, "name"),
    case("update-read-only", lambda s: s.task.update({"id": 3}), ValidationError, "id"),
    case("update-create-only", lambda s: s.task.update({"overlap": 2}), ValidationError, "overlap"),
    case(
        "update-second-key-bad",
        lambda s: s.task.update({"name": "ok", "subset": LONG}),
        ValidationError,
        "subset",
    ),
    case("update-not-a-mapping", lambda s: s.task.update("name"), InvalidArgumentError, "values"),
    case(
        "update-webhook-events",
        lambda s: s.webhook.update({"events": "x"}),
        ValidationError,
        "events",
    ),
    case(
        "update-job-state", lambda s: s.job.update({"state": "finished"}), ValidationError, "state"
    ),
    # retrieve(pk)
    *[
        case(
            f"{m.__name__}.retrieve({pk!r})",
            lambda s, m=m, pk=pk: m.objects.retrieve(pk),
            ValidationError,
            w,
        )
        for m, pk, w in BAD_KEYS
    ],
    case(
        "retrieve-organization-int",
        lambda s: Task.objects.retrieve(2, organization=5),
        InvalidArgumentError,
        "organization",
    ),
    case(
        "get-pk-path",
        lambda s: Task.objects.get(pk="../users/self"),
        InvalidArgumentError,
        "../users/self",
    ),
    # Only the server knows these: a typed error, and nothing left behind.
    case(
        "retrieve-missing",
        lambda s: Task.objects.retrieve(987654),
        Task.DoesNotExist,
        "987654",
        local=False,
    ),
    case(
        "create-missing-project",
        lambda s: s.new(Task(name="bad-input", project_id=987654)).save(),
        BadRequestError,
        "project",
        local=False,
    ),
    case(
        "assignee-no-such-user",
        lambda s: s.new(
            Task(name="bad-input", labels=[{"name": "a"}], assignee="no-such-user-xyz")
        ).save(),
        ValidationError,
        "no-such-user-xyz",
        local=False,
    ),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_model_input(bad: Case, check_case: Any) -> None:
    check_case(bad)


def test_catalogue_is_compact_but_wide() -> None:
    """Every model appears, and a failed assignment leaves the old value in place."""
    models = {m for m, *_ in CONSTRUCTOR}
    assert models >= {
        Task,
        Project,
        Job,
        Webhook,
        Issue,
        Comment,
        Label,
        Membership,
        Invitation,
        User,
        Organization,
    }
    task = Task(name="kept")
    with pytest.raises(ValidationError):
        task.name = ""
    assert task.name == "kept"


_ = Subjects  # the cases' argument type, named for readers of the table
