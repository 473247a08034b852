"""``/api/issues`` and ``/api/comments``.

Creating an issue also creates its first comment from ``message``, as the real serializer does;
deleting an issue deletes its comments.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    check_create,
    get_checked,
    list_visible,
    ok,
)
from cvatorm.testing.routes.projects import user_ref
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import now_iso
from cvatorm.testing.validation import Field, bad_pk, validate

ISSUE_FIELDS = {
    "frame": Field("int", required=True, min_value=0, max_value=2147483647),
    "position": Field("list", required=True),
    "job": Field("int", required=True),
    "assignee": Field("int", allow_null=True),
    "message": Field("str", required=True, allow_blank=False),
    "resolved": Field("bool"),
}
ISSUE_PATCH_FIELDS = {
    "position": Field("list"),
    "assignee": Field("int", allow_null=True),
    "resolved": Field("bool"),
}
COMMENT_FIELDS = {
    "issue": Field("int", required=True),
    "message": Field("str", allow_blank=False),
}


def _position(values: list[Any]) -> list[float]:
    if not values:
        raise HttpError(400, {"position": ["This list may not be empty."]})
    try:
        return [float(value) for value in values]
    except (TypeError, ValueError):
        raise HttpError(400, {"position": {"0": ["A valid number is required."]}}) from None


def list_issues(ctx: Context) -> Response:
    return list_visible(ctx, "issues")


def retrieve_issue(ctx: Context) -> Response:
    return ok(get_checked(ctx, "issues", "view"))


def create_issue(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "issues", body)
    clean = validate(body, ISSUE_FIELDS)
    store = ctx.app.store
    job = store.get("jobs", clean["job"])
    if job is None:
        raise bad_pk("job", clean["job"])
    stamp = now_iso()
    owner = store.basic_user(ctx.user["id"])
    with store.transaction():
        issue_id = store.next_id("issues")
        store.put(
            "issues",
            {
                "assignee": user_ref(store, "assignee", clean.get("assignee")),
                "comments": {},
                "created_date": stamp,
                "frame": clean["frame"],
                "id": issue_id,
                "job": job["id"],
                "owner": owner,
                "position": _position(clean["position"]),
                "resolved": clean.get("resolved", False),
                "updated_date": stamp,
            },
        )
        store.put(
            "comments",
            {
                "created_date": stamp,
                "id": store.next_id("comments"),
                "issue": issue_id,
                "message": clean["message"],
                "owner": owner,
                "updated_date": stamp,
            },
        )
    return ok(store.get("issues", issue_id), 201)


def update_issue(ctx: Context) -> Response:
    body = ctx.request.json_object()
    issue = get_checked(ctx, "issues", "update", body=body)
    clean = validate(body, ISSUE_PATCH_FIELDS, partial=True)
    store = ctx.app.store
    changes: dict[str, Any] = {}
    if "position" in clean:
        changes["position"] = _position(clean["position"])
    if "assignee" in clean:
        changes["assignee"] = user_ref(store, "assignee", clean["assignee"])
    if "resolved" in clean:
        changes["resolved"] = clean["resolved"]
    changes["updated_date"] = now_iso()
    return ok(store.update("issues", issue["id"], changes))


def delete_issue(ctx: Context) -> Response:
    issue = get_checked(ctx, "issues", "delete")
    cascade.delete_issue(ctx.app.store, issue["id"])
    return Response.empty(204)


def list_comments(ctx: Context) -> Response:
    return list_visible(ctx, "comments")


def retrieve_comment(ctx: Context) -> Response:
    return ok(get_checked(ctx, "comments", "view"))


def create_comment(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "comments", body)
    clean = validate(body, COMMENT_FIELDS)
    store = ctx.app.store
    issue = store.get("issues", clean["issue"])
    if issue is None:
        raise bad_pk("issue", clean["issue"])
    stamp = now_iso()
    with store.transaction():
        comment_id = store.next_id("comments")
        store.put(
            "comments",
            {
                "created_date": stamp,
                "id": comment_id,
                "issue": issue["id"],
                "message": clean.get("message", ""),
                "owner": store.basic_user(ctx.user["id"]),
                "updated_date": stamp,
            },
        )
    return ok(store.get("comments", comment_id), 201)


def update_comment(ctx: Context) -> Response:
    body = ctx.request.json_object()
    comment = get_checked(ctx, "comments", "update", body=body)
    clean = validate(body, {"message": Field("str", allow_blank=False)}, partial=True)
    clean["updated_date"] = now_iso()
    return ok(ctx.app.store.update("comments", comment["id"], clean))


def delete_comment(ctx: Context) -> Response:
    comment = get_checked(ctx, "comments", "delete")
    ctx.app.store.remove("comments", comment["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/issues", list_issues)
    router.add("POST", "/api/issues", create_issue)
    router.add("GET", "/api/issues/{id}", retrieve_issue)
    router.add("PATCH", "/api/issues/{id}", update_issue)
    router.add("DELETE", "/api/issues/{id}", delete_issue)
    router.add("GET", "/api/comments", list_comments)
    router.add("POST", "/api/comments", create_comment)
    router.add("GET", "/api/comments/{id}", retrieve_comment)
    router.add("PATCH", "/api/comments/{id}", update_comment)
    router.add("DELETE", "/api/comments/{id}", delete_comment)
