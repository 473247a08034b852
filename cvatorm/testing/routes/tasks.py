"""``/api/tasks``: list, create, retrieve, partial update, delete (cascading to jobs and labels).

A new task has no data (no jobs, no ``size``) until data is uploaded; a task needs its own labels
or a project, whose labels and organization it then uses.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.errors import HttpError
from cvatorm.testing.labels import effective_labels, write_labels
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    actor,
    check_create,
    get_checked,
    list_visible,
    ok,
    scope,
    scope_org_id,
)
from cvatorm.testing.routes.projects import people_changes
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.validation import Field, bad_pk, general_error, validate

TASK_FIELDS = {
    "name": Field("str", required=True, allow_blank=False, max_length=256),
    "project_id": Field("int", allow_null=True),
    "owner_id": Field("int", allow_null=True),
    "assignee_id": Field("int", allow_null=True),
    "bug_tracker": Field("str", max_length=2000),
    "overlap": Field("int", allow_null=True, min_value=0, max_value=2147483647),
    "segment_size": Field("int", min_value=0, max_value=2147483647),
    "labels": Field("list"),
    "subset": Field("str", max_length=64),
    "target_storage": Field("dict"),
    "source_storage": Field("dict"),
    "consensus_replicas": Field("int", min_value=0),
    "organization_id": Field("int", allow_null=True),
}


def list_tasks(ctx: Context) -> Response:
    return list_visible(ctx, "tasks")


def retrieve_task(ctx: Context) -> Response:
    return ok(get_checked(ctx, "tasks", "view"))


def _project_for(ctx: Context, project_id: int) -> dict[str, Any]:
    from cvatorm.testing import permissions

    project = ctx.app.store.get("projects", project_id)
    if project is None:
        raise bad_pk("project_id", project_id)
    permissions.check(ctx.app.store, actor(ctx), "view", "projects", project, scope(ctx))
    return project


def create_task(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "tasks", body)
    clean = validate(body, TASK_FIELDS)
    store = ctx.app.store
    project = None
    if clean.get("project_id") is not None:
        project = _project_for(ctx, clean["project_id"])
    labels = clean.get("labels") or []
    if project is None and not labels:
        raise general_error("Label set or project_id must be present")
    if project is not None and labels:
        raise general_error("Project must have only one of Label set or project_id")
    people = people_changes(store, clean, None)
    stamp = now_iso()
    org_id = project["organization"] if project is not None else scope_org_id(ctx)
    with store.transaction():
        task_id = store.next_id("tasks")
        task: dict[str, Any] = {
            "assignee": None,
            "assignee_updated_date": None,
            "bug_tracker": clean.get("bug_tracker", ""),
            "consensus_enabled": bool(clean.get("consensus_replicas")),
            "created_date": stamp,
            "data": None,
            "dimension": "2d",
            "guide_id": None,
            "id": task_id,
            "jobs": {},
            "labels": {},
            "mode": "",
            "name": clean["name"],
            "organization": org_id,
            "organization_id": org_id,
            "overlap": clean.get("overlap"),
            "owner": store.basic_user(ctx.user["id"]),
            "project_id": project["id"] if project is not None else None,
            "project_name": None,
            "segment_size": clean.get("segment_size", 0),
            "source_storage": _storage(store, clean, project, "source_storage"),
            "status": "annotation",
            "subset": clean.get("subset", ""),
            "target_storage": _storage(store, clean, project, "target_storage"),
            "updated_date": stamp,
            "url": "",
            "validation_mode": None,
        }
        task.update(people)
        store.put("tasks", task)
        try:
            if labels:
                write_labels(store, labels, {"task_id": task_id}, creating=True)
        except HttpError:
            store.remove("tasks", task_id)
            raise
        if project is not None:
            store.update("projects", project["id"], {"updated_date": stamp})
    return ok(store.get("tasks", task_id), 201)


def _storage(
    store: Store, clean: dict[str, Any], project: dict[str, Any] | None, field: str
) -> dict[str, Any]:
    if field in clean:
        return store.new_storage(clean[field])
    if project is not None and project.get(field):
        return store.new_storage(project[field])
    return store.new_storage(None)


def _move_to_project(store: Store, task: dict[str, Any], project: dict[str, Any]) -> None:
    """Re-home a task: its own labels must exist (by name) in the project; they are dropped."""
    project_names = {
        label["name"] for label in effective_labels(store, {**task, "project_id": project["id"]})
    }
    own = [row for row in store.find("labels", task_id=task["id"])]
    for label in own:
        if label.get("parent_id") is None and label["name"] not in project_names:
            raise general_error(f'Target project does not have label with name "{label["name"]}"')
    store.remove_many("labels", [row["id"] for row in own])


def update_task(ctx: Context) -> Response:
    body = ctx.request.json_object()
    task = get_checked(ctx, "tasks", "update", body=body)
    clean = validate(body, TASK_FIELDS, partial=True)
    store = ctx.app.store
    changes: dict[str, Any] = {
        key: clean[key] for key in ("name", "bug_tracker", "subset") if key in clean
    }
    changes.update(people_changes(store, clean, task))
    for field in ("source_storage", "target_storage"):
        if field in clean:
            changes[field] = store.new_storage(clean[field])
    with store.transaction():
        if "project_id" in clean and clean["project_id"] != task["project_id"]:
            if clean["project_id"] is None:
                raise HttpError(400, {"project_id": ["This field may not be null."]})
            project = _project_for(ctx, clean["project_id"])
            _move_to_project(store, task, project)
            changes["project_id"] = project["id"]
        if "organization_id" in clean and task.get("project_id") is None:
            org_id = clean["organization_id"]
            if org_id is not None and store.get("organizations", org_id) is None:
                raise bad_pk("organization_id", org_id)
            changes["organization"] = changes["organization_id"] = org_id
        if "labels" in clean:
            if (changes.get("project_id") or task.get("project_id")) is not None:
                project_id = changes.get("project_id") or task["project_id"]
                write_labels(store, clean["labels"], {"project_id": project_id}, creating=False)
            else:
                write_labels(store, clean["labels"], {"task_id": task["id"]}, creating=False)
        changes["updated_date"] = now_iso()
        store.update("tasks", task["id"], changes)
    return ok(store.get("tasks", task["id"]))


def delete_task(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "delete")
    cascade.delete_task(ctx.app.store, task["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/tasks", list_tasks)
    router.add("POST", "/api/tasks", create_task)
    router.add("GET", "/api/tasks/{id}", retrieve_task)
    router.add("PATCH", "/api/tasks/{id}", update_task)
    router.add("DELETE", "/api/tasks/{id}", delete_task)
