"""``/api/labels``: list (optionally of one job, task or project), retrieve, patch, delete.

Labels are not created here (they come with projects and tasks). ``job_id``/``task_id``/
``project_id`` select the labels the object uses (a task in a project uses the project's), at most
one of them; lists show first-level labels only, sublabels stay nested in their skeleton.
"""

from __future__ import annotations

from cvatorm.testing.labels import LABEL_FIELDS, delete_label, write_labels
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    get_checked,
    list_visible,
    ok,
)
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.validation import general_error, list_error, validate

SUBLABEL_EDIT = (
    "Sublabels cannot be modified this way. "
    "Please send a PATCH request with updated parent label data instead."
)
SUBLABEL_DELETE = (
    "Sublabels cannot be deleted this way. "
    "Please send a PATCH request with updated parent label data instead."
)


def list_labels(ctx: Context) -> Response:
    """Visibility (and, with ``job_id``/``task_id``/``project_id``, the parent's ``view`` check)
    is the permission module's; selecting the parent's labels is the listing engine's."""
    return list_visible(ctx, "labels")


def retrieve_label(ctx: Context) -> Response:
    return ok(get_checked(ctx, "labels", "view"))


def update_label(ctx: Context) -> Response:
    body = ctx.request.json_object()
    label = get_checked(ctx, "labels", "update", body=body)
    clean = validate(body, LABEL_FIELDS, partial=True)
    if clean.get("deleted"):
        raise general_error(
            "Labels cannot be deleted by updating in this endpoint. "
            "Please use the DELETE method instead."
        )
    if label.get("parent_id") is not None:
        raise list_error(SUBLABEL_EDIT)
    owner = (
        {"project_id": label["project_id"]}
        if label.get("project_id") is not None
        else {"task_id": label["task_id"]}
    )
    clean.pop("deleted", None)
    clean["id"] = label["id"]
    store = ctx.app.store
    with store.transaction():
        write_labels(store, [clean], owner, creating=False)
        _touch_owner(store, owner)
    return ok(store.get("labels", label["id"]))


def _touch_owner(store: Store, owner: dict[str, int]) -> None:
    """The real view saves the label through its project/task serializer: the parent is saved
    and its children marked as updated too (``update_child_objects_on_labels_update``)."""
    stamp = now_iso()
    if "project_id" in owner:
        store.update("projects", owner["project_id"], {"updated_date": stamp})
        task_ids = [task["id"] for task in store.find("tasks", project_id=owner["project_id"])]
    else:
        task_ids = [owner["task_id"]]
    for task_id in task_ids:
        task = store.update("tasks", task_id, {"updated_date": stamp})
        for job in store.find("jobs", task_id=task_id):
            store.update("jobs", job["id"], {"updated_date": stamp})
        if "task_id" in owner and task.get("project_id") is not None:
            store.update("projects", task["project_id"], {"updated_date": stamp})


def remove_label(ctx: Context) -> Response:
    label = get_checked(ctx, "labels", "delete")
    if label.get("parent_id") is not None:
        raise list_error(SUBLABEL_DELETE)
    delete_label(ctx.app.store, label["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/labels", list_labels)
    router.add("GET", "/api/labels/{id}", retrieve_label)
    router.add("PATCH", "/api/labels/{id}", update_label)
    router.add("DELETE", "/api/labels/{id}", remove_label)
