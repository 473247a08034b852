"""Which server filter variable, if any, evaluates a model lookup path exactly.

A path is spelled in wire names (the JSON keys of the objects), from the listed resource down
to the compared attribute: ``("owner", "username")`` for a task's ``owner__username``,
``("project_id", "name")`` for ``project__name``. Keys are wire names, not Python field names,
so this table depends only on CVAT, not on how the models name their attributes.

Each entry was read off the server's ``lookup_fields`` (``cvat/apps/engine/views.py``): for
tasks, ``owner`` compares ``owner__username`` and ``project_name`` ``project__name``; for jobs,
``task_id`` is ``segment__task_id`` and ``project_name`` ``segment__task__project__name``; for
comments ``frame_id`` is ``issue__frame``. A variable is only listed when it compares exactly the
value the path reads in the JSON; a variable the server does not declare (see
``capabilities``) is never used even when listed here.

``DENORMALIZED`` lists related values that the JSON already carries (a job's ``task_name``), so
that evaluating ``task__name`` locally needs no request for the task.
"""

from __future__ import annotations

__all__ = [
    "DENORMALIZED",
    "FILTER_VARS",
    "SIMPLE_FILTERS",
    "denormalized_key",
    "filter_var",
    "simple_filter",
]

WirePath = tuple[str, ...]

_USER_VARS = ("owner", "assignee")


def _direct(*names: str) -> dict[WirePath, str]:
    return {(name,): name for name in names}


def _users(*names: str) -> dict[WirePath, str]:
    return {(name, "username"): name for name in names}


FILTER_VARS: dict[str, dict[WirePath, str]] = {
    "tasks": {
        **_direct("id", "name", "status", "subset", "mode", "dimension", "validation_mode"),
        **_direct("project_id", "updated_date"),
        **_users(*_USER_VARS),
        ("bug_tracker",): "tracker_link",
        ("project_id", "name"): "project_name",
    },
    "jobs": {
        **_direct("id", "state", "stage", "task_id", "project_id", "updated_date"),
        **_direct("dimension", "type", "parent_job_id"),
        **_users("assignee"),
        ("task_id", "name"): "task_name",
        ("task_id", "project_id"): "project_id",
        ("project_id", "name"): "project_name",
    },
    "projects": {
        **_direct("id", "name", "status", "updated_date"),
        **_users(*_USER_VARS),
    },
    "users": _direct("id", "username", "first_name", "last_name", "is_active"),
    "labels": {
        **_direct("id", "name", "type", "color", "parent_id"),
        ("parent_id", "name"): "parent",
    },
    "issues": {
        **_direct("id", "resolved"),
        **_users(*_USER_VARS),
        ("job",): "job_id",
        ("job", "task_id"): "task_id",
        ("frame",): "frame_id",
    },
    "comments": {
        **_direct("id"),
        **_users("owner"),
        ("issue",): "issue_id",
        ("issue", "frame"): "frame_id",
        ("issue", "job"): "job_id",
    },
    "memberships": {
        **_direct("id", "role"),
        ("user", "username"): "user",
    },
    "organizations": {
        **_direct("id", "name", "slug"),
        **_users("owner"),
    },
    "invitations": {
        **_users("owner"),
        ("created_date",): "created_date",
    },
}

DENORMALIZED: dict[str, dict[WirePath, str]] = {
    "tasks": {("project_id", "name"): "project_name"},
    "jobs": {
        ("task_id", "name"): "task_name",
        ("task_id", "project_id"): "project_id",
        ("project_id", "name"): "project_name",
    },
}


def filter_var(resource: str, path: WirePath) -> str | None:
    """The filter variable comparing exactly what ``path`` reads, or None."""
    return FILTER_VARS.get(resource, {}).get(path)


def denormalized_key(resource: str, path: WirePath) -> str | None:
    """The key of the listed object's JSON that already holds the value at ``path``, or None."""
    return DENORMALIZED.get(resource, {}).get(path)


#: Simple equality filters (``GET /api/labels?task_id=7``) that are not JSON Logic variables,
#: by the wire key whose value they take. They answer a *superset* of ``key == value``: the
#: labels of a task in a project are its project's (``task_id`` null), and the server raises
#: for an id naming no object instead of listing nothing. So they are only a narrowing, used
#: for a related object that exists, and the condition is still checked in Python.
SIMPLE_FILTERS: dict[str, dict[WirePath, str]] = {
    "labels": {("task_id",): "task_id", ("project_id",): "project_id"},
}


def simple_filter(resource: str, path: WirePath, value: object) -> tuple[str, str] | None:
    """The ``(parameter, value)`` of the simple filter narrowing ``path == value``, or None.

    Only integer ids are spelled (booleans are not ids); anything else has no simple filter.
    """
    name = SIMPLE_FILTERS.get(resource, {}).get(path)
    if name is None or isinstance(value, bool) or not isinstance(value, int):
        return None
    return name, str(value)
