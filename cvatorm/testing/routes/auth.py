"""``/api/auth/...``: login, logout and personal access tokens."""

from __future__ import annotations

from typing import Any

from cvatorm.testing import auth as auth_module
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import actor, list_page, lookup, ok
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import now_iso
from cvatorm.testing.validation import Field, general_error, list_error, validate

BAD_LOGIN = "Unable to log in with provided credentials."

#: ``MAX_ACCESS_TOKENS_PER_USER`` (CVAT's default): usable tokens a user may have.
MAX_TOKENS_PER_USER = 50

TOKEN_FIELDS = {
    "name": Field("str", required=True, allow_blank=False, max_length=50),
    "expiry_date": Field("datetime", allow_null=True),
    "read_only": Field("bool"),
}


def login(ctx: Context) -> Response:
    body = ctx.request.json_object()
    clean = validate(
        body,
        {
            "username": Field("str"),
            "email": Field("email"),
            "password": Field("str"),
        },
    )
    username = clean.get("username") or ""
    email = clean.get("email") or ""
    if not clean.get("password"):
        # the real LoginSerializer's validate(): a plain list, whatever else is missing
        raise list_error('Must include either "username" or "email" and "password".')
    user = None
    if email:
        # LoginSerializerEx: an e-mail must name exactly one user
        found = ctx.app.store.user_by_email(email)
        if found is None:
            raise list_error("Unable to login with provided credentials")
        user = ctx.app.auth.check_password(found["username"], clean["password"])
    elif username:
        user = ctx.app.auth.check_password(username, clean["password"])
    else:
        raise list_error('Must include either "username" or "email" and "password".')
    if user is None:
        raise general_error(BAD_LOGIN)
    key, cookies = ctx.app.auth.login(user)
    ctx.request.set_cookies.extend(cookies)
    return ok({"key": key})


def logout(ctx: Context) -> Response:
    ctx.request.set_cookies.extend(ctx.app.auth.logout(ctx.request))
    return ok({"detail": "Successfully logged out."})


# -- personal access tokens -------------------------------------------------------------------


#: ``AccessTokenReadSerializer.Meta.fields``, in its order (``value`` only on create).
_TOKEN_KEYS = (
    "id", "name", "created_date", "updated_date", "expiry_date", "last_used_date", "read_only",
    "owner",
)


def _token_wire(token: dict[str, Any]) -> dict[str, Any]:
    return {key: token.get(key) for key in _TOKEN_KEYS}


def _not_by_token(ctx: Context) -> None:
    """ "Token-authenticated clients are not allowed to modify tokens" (the real model's rule),
    whether the token is read-only or not."""
    if ctx.request.auth_kind == "bearer":
        raise HttpError(403, {"detail": "You do not have permission to perform this action."})


DENIED = {"detail": "You do not have permission to perform this action."}


def _privilege(ctx: Context) -> str | None:
    return actor(ctx).privilege


def _may_use_tokens(ctx: Context) -> None:
    """``access_tokens.rego``: listing and creating need at least the worker privilege."""
    if _privilege(ctx) not in ("admin", "user", "worker"):
        raise HttpError(403, DENIED)


def _own_token(ctx: Context) -> dict[str, Any]:
    """A usable token the user owns (admins: any usable token), else 404/403."""
    token = lookup(ctx, "access_tokens")
    if auth_module._expired(token):
        raise HttpError(404, {"detail": "No AccessToken matches the given query."})
    if _privilege(ctx) == "admin":
        return token
    _may_use_tokens(ctx)
    if (token.get("owner") or {}).get("id") != ctx.user["id"]:
        raise HttpError(403, DENIED)
    return token


def list_tokens(ctx: Context) -> Response:
    _may_use_tokens(ctx)
    own = [
        _token_wire(token)
        for token in ctx.app.store.all("access_tokens")
        if (token.get("owner") or {}).get("id") == ctx.user["id"]
        and not auth_module._expired(token)
    ]
    return list_page(ctx, "access_tokens", own)


def create_token(ctx: Context) -> Response:
    _not_by_token(ctx)
    _may_use_tokens(ctx)
    clean = validate(ctx.request.json_object(), TOKEN_FIELDS)
    stamp = now_iso()
    store = ctx.app.store
    usable = [
        token
        for token in store.all("access_tokens")
        if (token.get("owner") or {}).get("id") == ctx.user["id"]
        and not auth_module._expired(token)
    ]
    if len(usable) >= MAX_TOKENS_PER_USER:
        raise list_error(
            "You have reached the maximum allowed number of Personal Access Tokens for a user"
        )
    secret = auth_module.new_token_secret()
    with store.transaction():
        token_id = store.next_id("access_tokens")
        token = {
            "created_date": stamp,
            "expiry_date": clean.get("expiry_date"),
            "id": token_id,
            "last_used_date": None,
            "name": clean["name"],
            "owner": store.basic_user(ctx.user["id"]),
            "read_only": clean.get("read_only", True),
            "updated_date": stamp,
        }
        store.put("access_tokens", token)
        store.token_secrets[secret] = token_id
    return ok({**_token_wire(token), "value": secret}, 201)


def retrieve_token(ctx: Context) -> Response:
    return ok(_token_wire(_own_token(ctx)))


def update_token(ctx: Context) -> Response:
    _not_by_token(ctx)
    token = _own_token(ctx)
    clean = validate(ctx.request.json_object(), TOKEN_FIELDS, partial=True)
    clean["updated_date"] = now_iso()
    return ok(_token_wire(ctx.app.store.update("access_tokens", token["id"], clean)))


def delete_token(ctx: Context) -> Response:
    _not_by_token(ctx)
    token = _own_token(ctx)
    store = ctx.app.store
    with store.transaction():
        for secret in [s for s, tid in store.token_secrets.items() if tid == token["id"]]:
            del store.token_secrets[secret]
        store.remove("access_tokens", token["id"])
    return Response.empty(204)


#: The ``self`` action authenticates with ``AccessTokenAuthentication`` only, whose challenge
#: keyword is ``Bearer``.
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def token_self(ctx: Context) -> Response:
    if ctx.request.auth_kind != "bearer" or ctx.request.token is None:
        raise HttpError(
            401, {"detail": "Authentication credentials were not provided."}, BEARER_CHALLENGE
        )
    token = ctx.app.store.get("access_tokens", ctx.request.token["id"])
    if token is None:
        raise HttpError(401, {"detail": "Invalid token."}, BEARER_CHALLENGE)
    return ok(_token_wire(token))


def register(router: Router) -> None:
    router.add("POST", "/api/auth/login", login, public=True, read_only_token=True)
    router.add("POST", "/api/auth/logout", logout, public=True, read_only_token=True)
    router.add("GET", "/api/auth/access_tokens", list_tokens)
    router.add("POST", "/api/auth/access_tokens", create_token)
    router.add("GET", "/api/auth/access_tokens/self", token_self)
    router.add("GET", "/api/auth/access_tokens/{id}", retrieve_token)
    router.add("PATCH", "/api/auth/access_tokens/{id}", update_token)
    router.add("DELETE", "/api/auth/access_tokens/{id}", delete_token)
