"""Per-resource list capabilities of the real CVAT 2.64 server, as data.

Each list endpoint of the real server is a DRF viewset with ``filter_fields``, ``simple_filters``,
``search_fields``, ``ordering_fields``, a default ``ordering`` and ``lookup_fields`` (public name ->
Django lookup path), see ``cvat/apps/engine/views.py`` and ``cvat/apps/organizations/views.py``.
The tables below restate those attributes (schema.yml publishes the same lists), together with
how each public name is read from an object as the API serves it, so the listing engine compares
exactly what the server's SQL compares (``owner`` -> the owner's username, ``project_name`` -> the
related project's name, ...).

Only stdlib here: the test server never reads schema.yml at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Obj = dict[str, Any]

#: How a value compares: Django's field class behind the lookup.
Kind = Literal["int", "str", "datetime", "bool"]

#: How a simple filter parses its query value (the django-filter filter class the real server
#: builds for the model field): CharFilter, ChoiceFilter, NumberFilter, ModelChoiceFilter,
#: BooleanFilter.
SimpleKind = Literal["char", "choice", "number", "bool"]


class StoreLike(Protocol):
    """What the listing engine and the permission rules need from the test server's store."""

    def all(self, resource: str) -> list[Obj]: ...

    def rows(self, resource: str) -> list[Obj]: ...

    def get(self, resource: str, key: int | str) -> Obj | None: ...


class Related:
    """Lazy id -> object indexes over a store, built once per request.

    Lookups through relations (a task's project, a job's task, an issue's job) are what the real
    server does with SQL joins; building the indexes once keeps a list request linear.
    """

    def __init__(self, store: StoreLike) -> None:
        self.store = store
        self._index: dict[str, dict[Any, Obj]] = {}

    def index(self, resource: str) -> dict[Any, Obj]:
        table = self._index.get(resource)
        if table is None:
            key = "key" if resource == "invitations" else "id"
            # read in place (never changed here): copying whole tables per request is O(N)
            table = {obj[key]: obj for obj in self.store.rows(resource)}
            self._index[resource] = table
        return table

    def get(self, resource: str, key: Any) -> Obj | None:
        """One object by id; labels fall back to the store so sublabels are found too."""
        if key is None:
            return None
        found = self.index(resource).get(key)
        if found is None and resource == "labels":
            found = self.store.get(resource, key)
        return found


Getter = Callable[[Obj, Related], Any]


@dataclass(frozen=True)
class FieldSpec:
    """One public filter/sort/search name of an endpoint.

    ``kind`` is the Django field class the lookup ends on; ``fk`` marks lookups that end on a
    foreign key (``project_id``), whose float values Django truncates instead of rounding.
    ``simple``/``choices``/``model`` describe the django-filter filter built for the name when it
    is a simple filter (``model`` is the resource a ModelChoiceFilter validates against).
    """

    kind: Kind
    get: Getter
    simple: SimpleKind = "char"
    choices: tuple[str, ...] = ()
    model: str = ""
    fk: bool = False


@dataclass(frozen=True)
class ListSpec:
    """The list capabilities of one endpoint, in the order the real server declares them."""

    resource: str
    filter_fields: tuple[str, ...]
    simple_filters: tuple[str, ...]
    search_fields: tuple[str, ...]
    ordering_fields: tuple[str, ...]
    ordering: tuple[str, ...]
    lookup_fields: Mapping[str, str]
    fields: Mapping[str, FieldSpec] = field(repr=False)
    #: Model columns a bare ``{"var": name}`` (``name__isnull=False``, no lookup mapping) may
    #: name; any other name is a Django FieldError (HTTP 500) on the real server.
    columns: Mapping[str, Getter] = field(repr=False)
    #: Simple filters the viewset implements itself rather than through django-filter.
    special_simple: tuple[str, ...] = ()


def _key(name: str) -> Getter:
    return lambda obj, rel: obj.get(name)


def _username(name: str) -> Getter:
    def get(obj: Obj, rel: Related) -> Any:
        nested = obj.get(name)
        return nested.get("username") if isinstance(nested, dict) else None

    return get


def _nested_id(name: str) -> Getter:
    def get(obj: Obj, rel: Related) -> Any:
        nested = obj.get(name)
        if isinstance(nested, dict):
            return nested.get("id")
        return nested

    return get


def _task_project_name(obj: Obj, rel: Related) -> Any:
    if "project_name" in obj:
        return obj["project_name"]
    project = rel.get("projects", obj.get("project_id"))
    return project["name"] if project else None


def _job_task(obj: Obj, rel: Related) -> Obj | None:
    return rel.get("tasks", obj.get("task_id"))


def _job_task_name(obj: Obj, rel: Related) -> Any:
    if "task_name" in obj:
        return obj["task_name"]
    task = _job_task(obj, rel)
    return task["name"] if task else None


def _job_project_id(obj: Obj, rel: Related) -> Any:
    if "project_id" in obj:
        return obj["project_id"]
    task = _job_task(obj, rel)
    return task.get("project_id") if task else None


def _job_project_name(obj: Obj, rel: Related) -> Any:
    if "project_name" in obj:
        return obj["project_name"]
    project = rel.get("projects", _job_project_id(obj, rel))
    return project["name"] if project else None


def _job_dimension(obj: Obj, rel: Related) -> Any:
    if "dimension" in obj:
        return obj["dimension"]
    task = _job_task(obj, rel)
    return task.get("dimension") if task else None


def _label_parent_name(obj: Obj, rel: Related) -> Any:
    parent = rel.get("labels", obj.get("parent_id"))
    return parent["name"] if parent else None


def _issue_task_id(obj: Obj, rel: Related) -> Any:
    job = rel.get("jobs", _nested_id("job")(obj, rel))
    return job.get("task_id") if job else None


def _comment_issue(obj: Obj, rel: Related) -> Obj | None:
    return rel.get("issues", _nested_id("issue")(obj, rel))


def _comment_frame(obj: Obj, rel: Related) -> Any:
    issue = _comment_issue(obj, rel)
    return issue.get("frame") if issue else None


def _comment_job_id(obj: Obj, rel: Related) -> Any:
    issue = _comment_issue(obj, rel)
    return _nested_id("job")(issue, rel) if issue else None


def _invitation_membership(obj: Obj, rel: Related) -> Obj | None:
    for membership in rel.index("memberships").values():
        if membership.get("invitation") == obj.get("key"):
            return membership
    return None


def _invitation_accepted(obj: Obj, rel: Related) -> Any:
    membership = _invitation_membership(obj, rel)
    return membership.get("is_active") if membership else None


def _always(obj: Obj, rel: Related) -> Any:
    return True


STATUS = ("annotation", "validation", "completed")
DIMENSION = ("3d", "2d")
ROLE = ("worker", "supervisor", "maintainer", "owner")
LABEL_TYPE = (
    "any", "cuboid", "ellipse", "mask", "points", "polygon", "polyline", "rectangle", "skeleton",
    "tag",
)


def _str(get: Getter, simple: SimpleKind = "char", choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec("str", get, simple, choices)


def _int(
    get: Getter, simple: SimpleKind = "number", model: str = "", fk: bool = False
) -> FieldSpec:
    return FieldSpec("int", get, simple, (), model, fk)


def _columns(*names: str, **special: Getter) -> dict[str, Getter]:
    """Model columns by name: plain ones read the served key; foreign keys also by attname."""
    columns: dict[str, Getter] = {name: _key(name) for name in names}
    for name, getter in special.items():
        columns[name] = getter
        if not name.endswith("_id"):
            columns.setdefault(name + "_id", getter)
    return columns


_USER_FKS = {"owner": _nested_id("owner"), "assignee": _nested_id("assignee")}

_users = ListSpec(
    resource="users",
    filter_fields=("username", "first_name", "last_name", "id", "is_active"),
    simple_filters=("username", "first_name", "last_name", "is_active"),
    search_fields=("username", "first_name", "last_name"),
    ordering_fields=("username", "first_name", "last_name", "id", "is_active"),
    ordering=("-id",),
    lookup_fields={},
    fields={
        "username": _str(_key("username")),
        "first_name": _str(_key("first_name")),
        "last_name": _str(_key("last_name")),
        "id": _int(_key("id")),
        "is_active": FieldSpec("bool", _key("is_active"), "bool"),
    },
    columns=_columns(
        "id", "username", "first_name", "last_name", "email", "is_active", "is_staff",
        "is_superuser", "last_login", "date_joined", password=_always,
    ),
)

_organizations = ListSpec(
    resource="organizations",
    filter_fields=("name", "owner", "slug", "id"),
    simple_filters=("name", "owner", "slug"),
    search_fields=("name", "owner", "slug"),
    ordering_fields=("name", "owner", "slug", "id"),
    ordering=("-id",),
    lookup_fields={"owner": "owner__username"},
    fields={
        "name": _str(_key("name")),
        "owner": _str(_username("owner")),
        "slug": _str(_key("slug")),
        "id": _int(_key("id")),
    },
    columns=_columns(
        "id", "slug", "name", "description", "created_date", "updated_date", "contact",
        owner=_nested_id("owner"),
    ),
)

_memberships = ListSpec(
    resource="memberships",
    filter_fields=("user", "role", "id"),
    simple_filters=("user", "role"),
    search_fields=("user", "role"),
    ordering_fields=("user", "role", "id"),
    ordering=("-id",),
    lookup_fields={"user": "user__username"},
    fields={
        "user": _str(_username("user")),
        "role": _str(_key("role"), "choice", ROLE),
        "id": _int(_key("id")),
    },
    columns=_columns(
        "id", "is_active", "joined_date", "role", "invitation",
        user=_nested_id("user"), organization=_nested_id("organization"),
    ),
)

_invitations = ListSpec(
    resource="invitations",
    filter_fields=("owner", "user_id", "accepted"),
    simple_filters=("owner",),
    search_fields=("owner",),
    ordering_fields=("owner", "created_date"),
    ordering=("-created_date",),
    lookup_fields={
        "owner": "owner__username",
        "user_id": "membership__user__id",
        "accepted": "membership__is_active",
    },
    fields={
        "owner": _str(_username("owner")),
        "user_id": _int(_nested_id("user")),
        "accepted": FieldSpec("bool", _invitation_accepted, "bool"),
        "created_date": FieldSpec("datetime", _key("created_date")),
    },
    columns=_columns(
        "key", "created_date", "sent_date", owner=_nested_id("owner"), membership=_always,
    ),
)

_projects = ListSpec(
    resource="projects",
    filter_fields=("name", "owner", "assignee", "status", "id", "updated_date"),
    simple_filters=("name", "owner", "assignee", "status"),
    search_fields=("name", "owner", "assignee", "status"),
    ordering_fields=("name", "owner", "assignee", "status", "id", "updated_date"),
    ordering=("-id",),
    lookup_fields={"owner": "owner__username", "assignee": "assignee__username"},
    fields={
        "name": _str(_key("name")),
        "owner": _str(_username("owner")),
        "assignee": _str(_username("assignee")),
        "status": _str(_key("status"), "choice", STATUS),
        "id": _int(_key("id")),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
    },
    columns=_columns(
        "id", "name", "bug_tracker", "created_date", "updated_date", "status",
        "assignee_updated_date",
        organization=_nested_id("organization"), source_storage=_nested_id("source_storage"),
        target_storage=_nested_id("target_storage"), **_USER_FKS,
    ),
)

_tasks = ListSpec(
    resource="tasks",
    filter_fields=(
        "project_name", "name", "owner", "status", "assignee", "subset", "mode", "dimension",
        "tracker_link", "validation_mode", "id", "project_id", "updated_date",
    ),
    simple_filters=(
        "project_name", "name", "owner", "status", "assignee", "subset", "mode", "dimension",
        "tracker_link", "validation_mode", "project_id",
    ),
    search_fields=(
        "project_name", "name", "owner", "status", "assignee", "subset", "mode", "dimension",
        "tracker_link", "validation_mode",
    ),
    ordering_fields=(
        "project_name", "name", "owner", "status", "assignee", "subset", "mode", "dimension",
        "tracker_link", "validation_mode", "id", "project_id", "updated_date",
    ),
    ordering=("-id",),
    lookup_fields={
        "project_name": "project__name",
        "owner": "owner__username",
        "assignee": "assignee__username",
        "tracker_link": "bug_tracker",
        "validation_mode": "data__validation_layout__mode",
    },
    fields={
        "project_name": _str(_task_project_name),
        "name": _str(_key("name")),
        "owner": _str(_username("owner")),
        "status": _str(_key("status"), "choice", STATUS),
        "assignee": _str(_username("assignee")),
        "subset": _str(_key("subset")),
        "mode": _str(_key("mode"), "choice", ("annotation", "interpolation")),
        "dimension": _str(_key("dimension"), "choice", DIMENSION),
        "tracker_link": _str(_key("bug_tracker")),
        "validation_mode": _str(_key("validation_mode"), "choice", ("gt", "gt_pool")),
        "id": _int(_key("id")),
        "project_id": _int(_key("project_id"), "number", "projects", fk=True),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
    },
    columns=_columns(
        "id", "name", "mode", "bug_tracker", "created_date", "updated_date", "overlap",
        "segment_size", "status", "dimension", "subset", "assignee_updated_date",
        project=_key("project_id"), organization=_nested_id("organization"),
        data=_nested_id("data"), source_storage=_nested_id("source_storage"),
        target_storage=_nested_id("target_storage"), **_USER_FKS,
    ),
)

_jobs = ListSpec(
    resource="jobs",
    filter_fields=(
        "task_name", "project_name", "assignee", "state", "stage", "id", "task_id", "project_id",
        "updated_date", "dimension", "type", "parent_job_id",
    ),
    simple_filters=(
        "task_name", "project_name", "assignee", "state", "stage", "task_id", "project_id",
        "dimension", "type", "parent_job_id",
    ),
    search_fields=("task_name", "project_name", "assignee", "state", "stage"),
    ordering_fields=(
        "task_name", "project_name", "assignee", "state", "stage", "id", "task_id", "project_id",
        "updated_date", "dimension", "type", "parent_job_id",
    ),
    ordering=("-id",),
    lookup_fields={
        "dimension": "segment__task__dimension",
        "task_id": "segment__task_id",
        "project_id": "segment__task__project_id",
        "task_name": "segment__task__name",
        "project_name": "segment__task__project__name",
        "assignee": "assignee__username",
    },
    fields={
        "task_name": _str(_job_task_name),
        "project_name": _str(_job_project_name),
        "assignee": _str(_username("assignee")),
        "state": _str(
            _key("state"), "choice", ("new", "in progress", "completed", "rejected")
        ),
        "stage": _str(_key("stage"), "choice", ("annotation", "validation", "acceptance")),
        "id": _int(_key("id")),
        "task_id": _int(_key("task_id"), "number", "tasks", fk=True),
        "project_id": _int(_job_project_id, "number", "projects", fk=True),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
        "dimension": _str(_job_dimension, "choice", DIMENSION),
        "type": _str(
            _key("type"), "choice", ("annotation", "ground_truth", "consensus_replica")
        ),
        "parent_job_id": _int(_key("parent_job_id"), "number", "jobs", fk=True),
    },
    columns=_columns(
        "id", "created_date", "updated_date", "stage", "state", "type",
        "assignee_updated_date",
        segment=_always, assignee=_nested_id("assignee"), parent_job=_key("parent_job_id"),
    ),
)

_labels = ListSpec(
    resource="labels",
    filter_fields=("name", "parent", "id", "type", "color", "parent_id"),
    simple_filters=(
        "name", "parent", "type", "color", "parent_id", "job_id", "task_id", "project_id",
    ),
    search_fields=("name", "parent"),
    ordering_fields=("name", "parent", "id", "type", "color", "parent_id"),
    ordering=("id",),
    lookup_fields={"parent": "parent__name"},
    fields={
        "name": _str(_key("name")),
        "parent": _str(_label_parent_name),
        "id": _int(_key("id")),
        "type": _str(_key("type"), "choice", LABEL_TYPE),
        "color": _str(_key("color")),
        "parent_id": _int(_key("parent_id"), "number", "labels", fk=True),
    },
    columns=_columns(
        "id", "name", "color", "type",
        parent=_key("parent_id"), task=_key("task_id"), project=_key("project_id"),
    ),
    special_simple=("job_id", "task_id", "project_id"),
)

_issues = ListSpec(
    resource="issues",
    filter_fields=("owner", "assignee", "id", "job_id", "task_id", "resolved", "frame_id"),
    simple_filters=("owner", "assignee", "job_id", "task_id", "resolved", "frame_id"),
    search_fields=("owner", "assignee"),
    ordering_fields=("owner", "assignee", "id", "job_id", "task_id", "resolved", "frame_id"),
    ordering=("-id",),
    lookup_fields={
        "owner": "owner__username",
        "assignee": "assignee__username",
        "job_id": "job",
        "task_id": "job__segment__task__id",
        "frame_id": "frame",
    },
    fields={
        "owner": _str(_username("owner")),
        "assignee": _str(_username("assignee")),
        "id": _int(_key("id")),
        "job_id": _int(_nested_id("job"), "number", "jobs", fk=True),
        "task_id": _int(_issue_task_id),
        "resolved": FieldSpec("bool", _key("resolved"), "bool"),
        "frame_id": _int(_key("frame")),
    },
    columns=_columns(
        "id", "frame", "position", "created_date", "updated_date", "resolved",
        job=_nested_id("job"), **_USER_FKS,
    ),
)

_comments = ListSpec(
    resource="comments",
    filter_fields=("owner", "id", "issue_id", "frame_id", "job_id"),
    simple_filters=("owner", "issue_id", "frame_id", "job_id"),
    search_fields=("owner",),
    ordering_fields=("owner", "id", "issue_id", "frame_id", "job_id"),
    ordering=("-id",),
    lookup_fields={
        "owner": "owner__username",
        "issue_id": "issue__id",
        "job_id": "issue__job__id",
        "frame_id": "issue__frame",
    },
    fields={
        "owner": _str(_username("owner")),
        "id": _int(_key("id")),
        "issue_id": _int(_nested_id("issue")),
        "frame_id": _int(_comment_frame),
        "job_id": _int(_comment_job_id),
    },
    columns=_columns(
        "id", "message", "created_date", "updated_date",
        issue=_nested_id("issue"), owner=_nested_id("owner"),
    ),
)

_TOKEN_FIELDS = (
    "name", "id", "created_date", "updated_date", "expiry_date", "last_used_date", "read_only",
)

_access_tokens = ListSpec(
    resource="access_tokens",
    filter_fields=_TOKEN_FIELDS,
    simple_filters=("name",),
    search_fields=("name",),
    ordering_fields=_TOKEN_FIELDS,
    ordering=("-id",),
    lookup_fields={},
    fields={
        "name": _str(_key("name")),
        "id": _int(_key("id")),
        "created_date": FieldSpec("datetime", _key("created_date")),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
        "expiry_date": FieldSpec("datetime", _key("expiry_date")),
        "last_used_date": FieldSpec("datetime", _key("last_used_date")),
        "read_only": FieldSpec("bool", _key("read_only")),
    },
    columns=_columns(*_TOKEN_FIELDS, owner=_nested_id("owner")),
)

#: ``WebhookViewSet``: ``filter_fields`` are the search fields plus id, project_id,
#: updated_date; the simple filters drop ``description`` and add ``project_id``.
_WEBHOOK_FIELDS = (
    "target_url", "owner", "type", "description", "id", "project_id", "updated_date",
)

_webhooks = ListSpec(
    resource="webhooks",
    filter_fields=_WEBHOOK_FIELDS,
    simple_filters=("target_url", "owner", "type", "project_id"),
    search_fields=("target_url", "owner", "type", "description"),
    ordering_fields=_WEBHOOK_FIELDS,
    ordering=("-id",),
    lookup_fields={"owner": "owner__username"},
    fields={
        "target_url": _str(_key("target_url")),
        "owner": _str(_username("owner")),
        "type": _str(_key("type"), "choice", ("organization", "project")),
        "description": _str(_key("description")),
        "id": _int(_key("id")),
        "project_id": _int(_key("project_id"), "number", "projects", fk=True),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
    },
    columns=_columns(
        "id", "created_date", "updated_date", "target_url", "description", "events", "type",
        "content_type", "secret", "is_active", "enable_ssl",
        owner=_nested_id("owner"), project=_key("project_id"), organization=_key("organization"),
    ),
)

#: ``CloudStorageViewSet``: the search fields plus ``id``; ``name`` is the ``display_name``.
_CLOUD_FIELDS = (
    "provider_type", "name", "resource", "credentials_type", "owner", "description", "id",
)

_cloudstorages = ListSpec(
    resource="cloudstorages",
    filter_fields=_CLOUD_FIELDS,
    simple_filters=("provider_type", "name", "resource", "credentials_type", "owner"),
    search_fields=_CLOUD_FIELDS[:-1],
    ordering_fields=_CLOUD_FIELDS,
    ordering=("-id",),
    lookup_fields={"owner": "owner__username", "name": "display_name"},
    fields={
        "provider_type": _str(
            _key("provider_type"), "choice",
            ("AWS_S3_BUCKET", "AZURE_CONTAINER", "GOOGLE_CLOUD_STORAGE"),
        ),
        "name": _str(_key("display_name")),
        "resource": _str(_key("resource")),
        "credentials_type": _str(
            _key("credentials_type"), "choice",
            (
                "KEY_SECRET_KEY_PAIR", "ACCOUNT_NAME_TOKEN_PAIR", "KEY_FILE_PATH",
                "ANONYMOUS_ACCESS", "CONNECTION_STRING",
            ),
        ),
        "owner": _str(_username("owner")),
        "description": _str(_key("description")),
        "id": _int(_key("id")),
    },
    columns=_columns(
        "id", "created_date", "updated_date", "provider_type", "resource", "display_name",
        "credentials", "credentials_type", "specific_attributes", "description",
        owner=_nested_id("owner"), organization=_key("organization"),
    ),
)


# -- quality control and consensus (cvat/apps/quality_control/views.py, consensus/views.py) --


def _own_column(target: str, name: str) -> Getter:
    """A report's ``task``/``project`` column: set on that kind of report only (a job report's
    JSON names its task, but its own column is null)."""
    return lambda obj, rel: obj.get(name) if obj.get("target") == target else None


def _conflict_report(name: str) -> Getter:
    """``report__job__...``: the conflict's job report's job, task or project."""

    def get(obj: Obj, rel: Related) -> Any:
        report = rel.get("quality_reports", obj.get("report_id"))
        return report.get(name) if report else None

    return get


_quality_settings = ListSpec(
    resource="quality_settings",
    filter_fields=("id", "task_id", "project_id", "inherit", "created_date", "updated_date"),
    simple_filters=("task_id", "inherit", "project_id", "parent_type"),
    search_fields=(),
    ordering_fields=("id", "task_id", "project_id", "inherit", "created_date", "updated_date"),
    ordering=("id",),
    lookup_fields={},
    fields={
        "id": _int(_key("id")),
        "task_id": _int(_key("task_id"), "number", "tasks", fk=True),
        "project_id": _int(_key("project_id"), "number", "projects", fk=True),
        "inherit": FieldSpec("bool", _key("inherit"), "bool"),
        "created_date": FieldSpec("datetime", _key("created_date")),
        "updated_date": FieldSpec("datetime", _key("updated_date")),
        "parent_type": _str(_always, "choice", ("project", "task")),
    },
    columns=_columns("id", "inherit", "created_date", "updated_date", task=_key("task_id"),
                     project=_key("project_id")),
    special_simple=("task_id", "project_id", "parent_type"),
)

_REPORT_FIELDS = (
    "id", "job_id", "task_id", "project_id", "created_date", "gt_last_updated",
    "target_last_updated",
)

_quality_reports = ListSpec(
    resource="quality_reports",
    filter_fields=_REPORT_FIELDS,
    simple_filters=("job_id", "task_id", "project_id", "parent_id", "target"),
    search_fields=(),
    ordering_fields=_REPORT_FIELDS,
    ordering=("-id",),
    lookup_fields={},
    fields={
        "id": _int(_key("id")),
        "job_id": _int(_key("job_id"), "number", "jobs", fk=True),
        "task_id": _int(_own_column("task", "task_id"), "number", "tasks", fk=True),
        "project_id": _int(_own_column("project", "project_id"), "number", "projects", fk=True),
        "created_date": FieldSpec("datetime", _key("created_date")),
        "gt_last_updated": FieldSpec("datetime", _key("gt_last_updated")),
        "target_last_updated": FieldSpec("datetime", _key("target_last_updated")),
        "parent_id": _int(_key("parent_id")),
        "target": _str(_key("target"), "choice", ("job", "project", "task")),
    },
    columns=_columns("id", "created_date", "gt_last_updated", "target_last_updated",
                     job=_key("job_id"), task=_own_column("task", "task_id"),
                     project=_own_column("project", "project_id")),
    special_simple=("task_id", "project_id", "parent_id", "target"),
)

_CONFLICT_FIELDS = ("id", "frame", "type", "job_id", "task_id", "project_id", "severity")
_CONFLICT_TYPES = (
    "missing_annotation", "extra_annotation", "mismatching_label", "low_overlap",
    "mismatching_direction", "mismatching_attributes", "mismatching_groups",
    "covered_annotation",
)

_quality_conflicts = ListSpec(
    resource="quality_conflicts",
    filter_fields=_CONFLICT_FIELDS,
    simple_filters=("frame", "type", "job_id", "task_id", "project_id", "severity", "report_id"),
    search_fields=(),
    ordering_fields=_CONFLICT_FIELDS,
    ordering=("-id",),
    lookup_fields={
        "job_id": "report__job__id",
        "task_id": "report__job__segment__task__id",
        "project_id": "report__job__segment__task__project__id",
    },
    fields={
        "id": _int(_key("id")),
        "frame": _int(_key("frame")),
        "type": _str(_key("type"), "choice", _CONFLICT_TYPES),
        "job_id": _int(_conflict_report("job_id"), "number", "jobs", fk=True),
        "task_id": _int(_conflict_report("task_id"), "number", "tasks", fk=True),
        "project_id": _int(_conflict_report("project_id"), "number", "projects", fk=True),
        "severity": _str(_key("severity"), "choice", ("warning", "error")),
        "report_id": _int(_key("report_id")),
    },
    columns=_columns("id", "frame", "type", "severity", report=_key("report_id")),
    special_simple=("report_id",),
)

_consensus_settings = ListSpec(
    resource="consensus_settings",
    filter_fields=("id", "task_id"),
    simple_filters=("task_id",),
    search_fields=(),
    ordering_fields=("id",),
    ordering=("id",),
    lookup_fields={},
    fields={
        "id": _int(_key("id")),
        "task_id": _int(_key("task_id"), "number", "tasks", fk=True),
    },
    columns=_columns("id", "iou_threshold", task=_key("task_id")),
)

#: The list endpoints the test server serves, by wire name.
RESOURCES: dict[str, ListSpec] = {
    spec.resource: spec
    for spec in (
        _users, _organizations, _memberships, _invitations, _projects, _tasks, _jobs, _labels,
        _issues, _comments, _access_tokens, _webhooks, _cloudstorages,
        _quality_settings, _quality_reports, _quality_conflicts, _consensus_settings,
    )
}
