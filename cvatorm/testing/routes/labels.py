"""``/api/labels``: list (optionally of one job, task or project), retrieve, patch, delete.

Labels are not created here (they come with projects and tasks). ``job_id``/``task_id``/
``project_id`` select the labels the object uses (a task in a project uses the project's), at most
one of them; lists show first-level labels only, sublabels stay nested in their skeleton.
"""

from __future__ import annotations

from cvatorm.testing import listing, permissions
from cvatorm.testing.labels import LABEL_FIELDS, delete_label, write_labels
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    actor,
    get_checked,
    list_page,
    ok,
    scope,
    visible,
)
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.validation import list_error, validate

SUBLABEL_EDIT = (
    "Sublabels cannot be modified this way. "
    "Please send a PATCH request with updated parent label data instead."
)
SUBLABEL_DELETE = (
    "Sublabels cannot be deleted this way. "
    "Please send a PATCH request with updated parent label data instead."
)


def list_labels(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    parent = listing.label_parent(store, ctx.query)
    if parent is None:
        items = visible(ctx, "labels", store.all("labels"))
    else:
        resource, obj = parent
        permissions.check(store, actor(ctx), "view", resource, obj, scope(ctx))
        items = store.all("labels")
    return list_page(ctx, "labels", items)


def retrieve_label(ctx: Context) -> Response:
    return ok(get_checked(ctx, "labels", "view"))


def update_label(ctx: Context) -> Response:
    label = get_checked(ctx, "labels", "update")
    body = ctx.request.json_object()
    clean = validate(body, LABEL_FIELDS, partial=True)
    if label.get("parent_id") is not None:
        raise list_error(SUBLABEL_EDIT)
    owner = (
        {"project_id": label["project_id"]}
        if label.get("project_id") is not None
        else {"task_id": label["task_id"]}
    )
    clean.pop("deleted", None)
    clean["id"] = label["id"]
    write_labels(ctx.app.store, [clean], owner, creating=False)
    return ok(ctx.app.store.get("labels", label["id"]))


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
