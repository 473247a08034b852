"""``/api/users``: list, retrieve, ``self``, partial update, delete (no create: users register).

Staff see every field of every user; others see their own full record and the ``BasicUser``
form (id, username, names, url) of the rest, as the real ``UserViewSet`` serializes them.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, list_page, ok, scope, visible
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.validation import Field, general_error, validate

BASIC_FIELDS = ("url", "id", "username", "first_name", "last_name")

USER_FIELDS = {
    "username": Field("username", allow_blank=False, max_length=150),
    "first_name": Field("str", max_length=150),
    "last_name": Field("str", max_length=150),
    "email": Field("email", max_length=254),
    "groups": Field("list"),
    "is_staff": Field("bool"),
    "is_superuser": Field("bool"),
    "is_active": Field("bool"),
}
SELF_EDITABLE = ("username", "first_name", "last_name")


def _is_staff(user: dict[str, Any]) -> bool:
    """The real ``UserViewSet`` looks at ``is_staff`` (not at groups or superuser)."""
    return bool(user.get("is_staff"))


def serialize(ctx: Context, user: dict[str, Any]) -> dict[str, Any]:
    if _is_staff(ctx.user) or user["id"] == ctx.user["id"]:
        return user
    return {key: user[key] for key in BASIC_FIELDS if key in user}


def list_users(ctx: Context) -> Response:
    scope(ctx)
    items = visible(ctx, "users", ctx.app.store.all("users"))
    if _is_staff(ctx.user):
        return list_page(ctx, "users", items)
    # get_serializer_class: in a list nobody is "self", so non-staff get BasicUser for all
    return list_page(
        ctx, "users", items, transform=lambda user: {key: user[key] for key in BASIC_FIELDS}
    )


def retrieve_user(ctx: Context) -> Response:
    return ok(serialize(ctx, get_checked(ctx, "users", "view")))


def self_user(ctx: Context) -> Response:
    return ok(ctx.user)


def _unknown_fields(body: dict[str, Any]) -> None:
    """``BasicUserSerializer.validate``: a non-staff PATCH may only name the basic fields."""
    unknown = set(body) - set(BASIC_FIELDS)
    if not unknown:
        return
    shown = "{" + ", ".join(repr(key) for key in sorted(unknown)) + "}"
    if unknown & {"is_staff", "is_superuser", "groups"}:
        raise general_error(f"You do not have permissions to access some of these fields: {shown}")
    raise general_error(f"Got unknown fields: {shown}")


def _not_by_token(ctx: Context) -> None:
    """``access_token_plugin.users.rego``: a personal access token (read-only or not) may only
    list and view users, so it cannot change the owner's e-mail or password."""
    if ctx.request.auth_kind == "bearer":
        raise HttpError(403, {"detail": "You do not have permission to perform this action."})


def update_user(ctx: Context) -> Response:
    """Staff write through ``UserSerializer``; everyone else through ``BasicUserSerializer``
    (username and names only; a new e-mail address is refused outright, 403). The answer is
    the full user (CVAT 2.64.1, asked: a user patching themselves gets the full form back)."""
    body = ctx.request.json_object()
    user = get_checked(ctx, "users", "update", body=body)
    _not_by_token(ctx)
    staff = _is_staff(ctx.user)
    if staff:
        clean = validate(body, USER_FIELDS, partial=True)
    else:
        if "email" in body:
            raise HttpError(403, {"detail": "You do not have permission to perform this action."})
        clean = validate(body, {key: USER_FIELDS[key] for key in SELF_EDITABLE}, partial=True)
        _unknown_fields(body)
    if "username" in clean and clean["username"] != user["username"]:
        other = ctx.app.store.user_by_username(clean["username"])
        if other is not None:
            raise HttpError(400, {"username": ["A user with that username already exists."]})
    if "groups" in clean:
        groups = [str(group) for group in clean["groups"]]
        unknown = [g for g in groups if g not in ("admin", "user", "worker")]
        if unknown:
            raise HttpError(400, {"groups": [f"Object with name={unknown[0]} does not exist."]})
        clean["groups"] = groups
    return ok(ctx.app.store.update("users", user["id"], clean))


def delete_user(ctx: Context) -> Response:
    user = get_checked(ctx, "users", "delete")
    _not_by_token(ctx)
    cascade.delete_user(ctx.app.store, user["id"])
    ctx.app.auth.forget_user(user["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/users", list_users)
    router.add("GET", "/api/users/self", self_user)
    router.add("GET", "/api/users/{id}", retrieve_user)
    router.add("PATCH", "/api/users/{id}", update_user)
    router.add("DELETE", "/api/users/{id}", delete_user)
