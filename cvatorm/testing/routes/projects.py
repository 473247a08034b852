"""``/api/projects``: list, create (with labels), retrieve, partial update, delete (cascading)."""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.errors import HttpError
from cvatorm.testing.labels import check_label_specs, write_labels
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    check_create,
    get_checked,
    list_visible,
    ok,
    scope_org_id,
)
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.transfer import transfer, validate_transfer
from cvatorm.testing.validation import Field, bad_pk, list_error, validate

PROJECT_FIELDS = {
    "name": Field("str", required=True, allow_blank=False, max_length=256),
    "labels": Field("list"),
    "owner_id": Field("int", allow_null=True),
    "assignee_id": Field("int", allow_null=True),
    "bug_tracker": Field("str", max_length=2000),
    "target_storage": Field("dict"),
    "source_storage": Field("dict"),
    "organization_id": Field("int", allow_null=True),
}


def user_ref(store: Store, field: str, user_id: int | None) -> dict[str, Any] | None:
    """The nested user for an ``owner_id``/``assignee_id`` value, or the real 400."""
    if user_id is None:
        return None
    user = store.basic_user(user_id)
    if user is None:
        raise bad_pk(field, user_id)
    return user


def people_changes(
    store: Store, clean: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    """``owner``/``assignee`` (and ``assignee_updated_date``) from ``owner_id``/``assignee_id``."""
    changes: dict[str, Any] = {}
    stamp = now_iso()
    if "owner_id" in clean:
        changes["owner"] = user_ref(store, "owner_id", clean["owner_id"])
    if "assignee_id" in clean:
        changes["assignee"] = user_ref(store, "assignee_id", clean["assignee_id"])
        old = (current or {}).get("assignee") or {}
        if (changes["assignee"] or {}).get("id") != old.get("id"):
            # update_assignee stamps any change, un-assigning included
            changes["assignee_updated_date"] = stamp
    return changes


def update_storage(
    store: Store, current: dict[str, Any] | None, spec: dict[str, Any]
) -> dict[str, Any]:
    """``_update_related_storages``: change the existing storage setting in place (same id),
    or create one; choosing a cloud storage needs its id."""
    location = spec.get("location")
    cloud_storage_id = spec.get("cloud_storage_id")
    if location == "cloud_storage" and cloud_storage_id is None:
        raise list_error("Cloud storage was selected as location but its id was not specified")
    if current is None:
        return store.new_storage(spec)
    return {
        "cloud_storage_id": cloud_storage_id,
        "id": current["id"],
        "location": location or current["location"],
    }


def new_storage(store: Store, spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """A storage setting is created only when the request gives one (else null)."""
    return store.new_storage(spec) if spec else None


def list_projects(ctx: Context) -> Response:
    return list_visible(ctx, "projects")


def retrieve_project(ctx: Context) -> Response:
    return ok(get_checked(ctx, "projects", "view"))


def create_project(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "projects", body)
    clean = validate(body, PROJECT_FIELDS)
    check_label_specs(clean.get("labels", []))
    store = ctx.app.store
    stamp = now_iso()
    people = people_changes(store, clean, None)
    with store.transaction():
        project_id = store.next_id("projects")
        org_id = scope_org_id(ctx)
        project: dict[str, Any] = {
            "assignee": None,
            "assignee_updated_date": None,
            "bug_tracker": clean.get("bug_tracker", ""),
            "created_date": stamp,
            "dimension": None,
            "guide_id": None,
            "id": project_id,
            "labels": {},
            "name": clean["name"],
            "organization": org_id,
            "organization_id": org_id,
            "owner": store.basic_user(ctx.user["id"]),
            "source_storage": new_storage(store, clean.get("source_storage")),
            "status": "annotation",
            "target_storage": new_storage(store, clean.get("target_storage")),
            "task_subsets": [],
            "tasks": {},
            "updated_date": stamp,
            "url": "",
        }
        project.update(people)
        if project["assignee"] is not None:
            project["assignee_updated_date"] = stamp
        store.put("projects", project)
        try:
            write_labels(store, clean.get("labels", []), {"project_id": project_id}, creating=True)
        except HttpError:
            store.remove("projects", project_id)
            raise
    return ok(store.get("projects", project_id), 201)


def update_project(ctx: Context) -> Response:
    body = ctx.request.json_object()
    project = get_checked(ctx, "projects", "update", body=body)
    clean = validate(body, PROJECT_FIELDS, partial=True)
    if "labels" in clean:
        check_label_specs(clean["labels"], partial=True)
    store = ctx.app.store
    if "organization_id" in body:
        return transfer_workspace(ctx, "projects", project, body, clean)
    changes: dict[str, Any] = {key: clean[key] for key in ("name", "bug_tracker") if key in clean}
    changes.update(people_changes(store, clean, project))
    for field in ("source_storage", "target_storage"):
        if field in clean:
            changes[field] = update_storage(store, project.get(field), clean[field])
    stamp = now_iso()
    with store.transaction():
        if "labels" in clean:
            write_labels(store, clean["labels"], {"project_id": project["id"]}, creating=False)
            # update_child_objects_on_labels_update: children look changed too
            for task in store.find("tasks", project_id=project["id"]):
                store.update("tasks", task["id"], {"updated_date": stamp})
                for job in store.find("jobs", task_id=task["id"]):
                    store.update("jobs", job["id"], {"updated_date": stamp})
        changes["updated_date"] = stamp
        store.update("projects", project["id"], changes)
    return ok(store.get("projects", project["id"]))


def transfer_workspace(
    ctx: Context, resource: str, obj: dict[str, Any], body: dict[str, Any], clean: dict[str, Any]
) -> Response:
    """``PATCH {"organization_id": ...}`` of a task or project (see :mod:`transfer`)."""
    validate_transfer(resource, obj, body)
    store = ctx.app.store
    storages: dict[str, Any] = {
        field: update_storage(store, obj.get(field), clean[field])
        for field in ("source_storage", "target_storage")
        if field in clean
    }
    with store.transaction():
        transfer(store, resource, obj, ctx.user["id"], clean["organization_id"])
        if storages:
            store.update(resource, obj["id"], storages)
    return ok(store.get(resource, obj["id"]))


def delete_project(ctx: Context) -> Response:
    project = get_checked(ctx, "projects", "delete")
    cascade.delete_project(ctx.app.store, project["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/projects", list_projects)
    router.add("POST", "/api/projects", create_project)
    router.add("GET", "/api/projects/{id}", retrieve_project)
    router.add("PATCH", "/api/projects/{id}", update_project)
    router.add("DELETE", "/api/projects/{id}", delete_project)
