"""What every resource route shares: permission and organization calls, lists, lookups.

The only calls into :mod:`cvatorm.testing.permissions` and :mod:`cvatorm.testing.listing` are
made here, so the routes read like the real viewsets: scope, visible items, list; get, check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cvatorm.testing import listing, permissions
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routing import Context
from cvatorm.testing.store import clone

#: Django's model names, for "No <Model> matches the given query."
MODEL_NAMES = {
    "users": "User",
    "organizations": "Organization",
    "memberships": "Membership",
    "invitations": "Invitation",
    "projects": "Project",
    "tasks": "Task",
    "jobs": "Job",
    "labels": "Label",
    "issues": "Issue",
    "comments": "Comment",
    "access_tokens": "AccessToken",
}


def actor(ctx: Context) -> permissions.Actor:
    if "actor" not in ctx._cache:
        ctx._cache["actor"] = permissions.Actor.from_user(ctx.app.store, ctx.user)
    result: permissions.Actor = ctx._cache["actor"]
    return result


def scope(ctx: Context) -> permissions.OrgScope | None:
    """The organization context of the request (X-Organization / org / org_id), None if none."""
    if "scope" not in ctx._cache:
        ctx._cache["scope"] = permissions.resolve_org_scope(
            ctx.app.store, actor(ctx), ctx.request.headers, ctx.request.query
        )
    result: permissions.OrgScope | None = ctx._cache["scope"]
    return result


def scope_org_id(ctx: Context) -> int | None:
    """Where new objects go: the context organization's id, or None (personal workspace)."""
    current = scope(ctx)
    return None if current is None else current.org_id


#: ``/api/<resource>/<id>``: retrieve, update and delete, where DRF filters before its lookup.
_ITEM_PATH = re.compile(r"/api/[^/]+/[^/]+")


def not_found(resource: str) -> HttpError:
    return HttpError(404, {"detail": f"No {MODEL_NAMES[resource]} matches the given query."})


def lookup(ctx: Context, resource: str, key: int | str | None = None) -> dict[str, Any]:
    """The object named by the URL, or the real 404."""
    if key is None:
        raw = ctx.params["id"]
        if not raw.isdigit():
            # DRF's get_object_or_404 turns the ValueError into a bare Http404 ("Not found.")
            raise HttpError(404, {"detail": "Not found."})
        key = int(raw)
    obj = ctx.app.store.get(resource, key)
    if obj is None:
        raise not_found(resource)
    return obj


def get_checked(
    ctx: Context,
    resource: str,
    action: str,
    key: int | str | None = None,
    *,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Look up and check ``action`` ("view", "update", "delete") for the current user; for
    "update" the PATCH ``body`` decides which rules apply (as the real per-field scopes).

    On the item URL itself (``/api/<resource>/<id>``) the list's filter backends run first, as
    in DRF's ``get_object`` (``filter_queryset`` before the lookup and the permission check):
    ``GET /api/tasks/5?owner=x`` is a 404 and a bad ``filter`` the list's 400.
    """
    obj = lookup(ctx, resource, key)
    if key is None and _ITEM_PATH.fullmatch(ctx.request.path):
        query = ctx.request.query
        if not listing.detail_filter(resource, obj, query, store=ctx.app.store):
            raise not_found(resource)
    permissions.check(
        ctx.app.store,
        actor(ctx),
        action,
        resource,
        obj,
        scope(ctx),
        body=body,
        query=ctx.request.query,
    )
    return obj


def check_create(ctx: Context, resource: str, body: dict[str, Any]) -> None:
    permissions.check_create(ctx.app.store, actor(ctx), resource, body, scope(ctx))


def visible(ctx: Context, resource: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return permissions.visible_items(
        ctx.app.store, actor(ctx), resource, items, scope(ctx), query=ctx.request.query
    )


def list_page(
    ctx: Context,
    resource: str,
    items: list[dict[str, Any]] | listing.Ordered,
    query: dict[str, str] | None = None,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """Filter, order and paginate already visible items like the real list endpoints;
    ``transform`` serializes each object of the page (filters see the full objects)."""
    params = ctx.request.query if query is None else query
    body = listing.list_response(
        resource,
        items,
        params,
        store=ctx.app.store,
        base_url=ctx.app.base_url,
        path=ctx.request.path,
    )
    # The items may be the stored rows themselves (list_visible): they are encoded right here,
    # under the request's read hold (no write can change them meanwhile), and copied only for
    # a transform, which may change what it is given.
    if transform is not None:
        body["results"] = [transform(clone(item)) for item in body["results"]]
    return Response.json(body)


#: ``AccessTokensViewSet``: simple filter and search on ``name``, these ordering fields.


def list_visible(
    ctx: Context, resource: str, items: list[dict[str, Any]] | None = None
) -> Response:
    """The usual list endpoint: organization scope, visibility, then the listing engine."""
    scope(ctx)
    store = ctx.app.store
    with store.reading():  # the stored rows are read in place, and only the page copied
        if items is not None:
            return list_page(ctx, resource, visible(ctx, resource, items))
        return list_page(ctx, resource, visible_rows(ctx, resource))


def visible_rows(ctx: Context, resource: str) -> listing.Ordered:
    """The rows of ``resource`` the request may see, in id order, kept until the next write
    (a walk of 200 pages filters the table once): see :func:`listing.visible_rows`."""
    query = ctx.request.query
    current = scope(ctx)
    who = (
        actor(ctx).id,
        actor(ctx).privilege,
        None if current is None else ("org", current.org_id),
        tuple(query.get(name) for name in ("job_id", "task_id", "project_id")),
    )
    return listing.visible_rows(
        ctx.app.store, resource, who, lambda rows: visible(ctx, resource, rows)
    )


def ok(data: Any, status: int = 200) -> Response:
    return Response.json(data, status)
