"""``/api/tasks``: list, create, retrieve, partial update, delete (cascading to jobs and labels).

A new task has no data (no jobs, no ``size``) until data is uploaded; a task needs its own labels
or a project, whose labels and organization it then uses.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade, consensus_replicas
from cvatorm.testing.errors import HttpError
from cvatorm.testing.labels import check_label_specs, effective_labels, write_labels
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    check_create,
    get_checked,
    list_visible,
    ok,
    scope_org_id,
)
from cvatorm.testing.routes.projects import (
    new_storage,
    people_changes,
    transfer_workspace,
    update_storage,
)
from cvatorm.testing.routes.task_data import creation_in_progress
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.validation import Field, general_error, list_error, validate

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


def create_task(ctx: Context) -> Response:
    """``TaskViewSet.create``: permissions, serializer validation, then ``create()``'s checks
    (raised as plain ``ValidationError``: a list body)."""
    body = ctx.request.json_object()
    check_create(ctx, "tasks", body)
    clean = validate(body, TASK_FIELDS)
    labels = clean.get("labels") or []
    check_label_specs(clean.get("labels", []))
    store = ctx.app.store
    project_id = clean.get("project_id")
    # CVAT 2.64.1 makes a task with neither labels nor a project (201, no labels).
    if labels and project_id:
        raise list_error("Task must have only one of Label set or project_id")
    org_id = scope_org_id(ctx)
    project = None
    if project_id:
        project = store.get("projects", project_id)
        if project is None:
            raise list_error(f"The specified project #{project_id} does not exist.")
        if project["organization"] != org_id:
            raise list_error("The task and its project should be in the same organization.")
    people = people_changes(store, clean, None)
    stamp = now_iso()
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
            "source_storage": new_storage(store, clean.get("source_storage")),
            "status": "annotation",
            "subset": clean.get("subset", ""),
            "target_storage": new_storage(store, clean.get("target_storage")),
            "updated_date": stamp,
            "url": "",
            "validation_mode": None,
        }
        task.update(people)
        if task["assignee"] is not None:
            task["assignee_updated_date"] = stamp
        store.put("tasks", task)
        consensus_replicas.on_task_created(store, task, clean.get("consensus_replicas"))
        try:
            if labels:
                write_labels(store, labels, {"task_id": task_id}, creating=True)
        except HttpError:
            store.remove("tasks", task_id)
            raise
        _touch_project(store, task["project_id"])
    return ok(store.get("tasks", task_id), 201)


def _check_move(store: Store, task: dict[str, Any], project_id: int) -> None:
    """``TaskWriteSerializer.validate`` for a new ``project_id``: every label name the task uses
    must exist in the target project."""
    if store.get("projects", project_id) is None:
        raise general_error(f"Cannot find project with ID {project_id}")
    names = {label["name"] for label in effective_labels(store, task)}
    target = {
        label["name"]
        for label in store.find("labels", project_id=project_id)
        if label.get("parent_id") is None
    }
    if not names <= target:
        raise general_error("All task or project label names must be mapped to the target project")


def update_task(ctx: Context) -> Response:
    body = ctx.request.json_object()
    task = get_checked(ctx, "tasks", "update", body=body)
    clean = validate(body, TASK_FIELDS, partial=True)
    if "labels" in clean:
        check_label_specs(clean["labels"], partial=True)
    store = ctx.app.store
    if "organization_id" in body:
        return transfer_workspace(ctx, "tasks", task, body, clean)
    new_project: int | None = clean.get("project_id")
    moving = new_project is not None and new_project != task["project_id"]
    if new_project is not None and moving:
        _check_move(store, task, new_project)
    changes: dict[str, Any] = {
        key: clean[key] for key in ("name", "bug_tracker", "subset") if key in clean
    }
    changes.update(people_changes(store, clean, task))
    for field in ("source_storage", "target_storage"):
        if field in clean:
            changes[field] = update_storage(store, task.get(field), clean[field])
    stamp = now_iso()
    with store.transaction():
        if "labels" in clean and task["project_id"] is None:
            write_labels(store, clean["labels"], {"task_id": task["id"]}, creating=False)
            for job in store.find("jobs", task_id=task["id"]):
                store.update("jobs", job["id"], {"updated_date": stamp})
        if moving:
            if task["project_id"] is None:
                own = store.find("labels", task_id=task["id"])
                store.remove_many("labels", [row["id"] for row in own])
            changes["project_id"] = new_project
        changes["updated_date"] = stamp
        updated = store.update("tasks", task["id"], changes)
        _touch_project(store, updated["project_id"])
    return ok(store.get("tasks", task["id"]))


def _touch_project(store: Store, project_id: int | None) -> None:
    """The real ``post_save`` signal of tasks: saving a task touches its project."""
    if project_id is not None and store.get("projects", project_id) is not None:
        store.update("projects", project_id, {"updated_date": now_iso()})


def delete_task(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "delete")
    if creation_in_progress(ctx, task["id"]):
        # CVAT 2.64.1 crashes (500) deleting a task whose data is still being created; the
        # task stays and can be deleted once the creation ended.
        raise HttpError(500, "Server Error (500)")
    cascade.delete_task(ctx.app.store, task["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/tasks", list_tasks)
    router.add("POST", "/api/tasks", create_task)
    router.add("GET", "/api/tasks/{id}", retrieve_task)
    router.add("PATCH", "/api/tasks/{id}", update_task)
    router.add("DELETE", "/api/tasks/{id}", delete_task)
