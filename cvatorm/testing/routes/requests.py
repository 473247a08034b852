"""``/api/requests`` and the backup exports that create them.

``POST /api/{tasks,projects}/<id>/backup/export`` answers ``202 {"rq_id"}``; the request then
moves through the background queue; when finished, its ``result_url``
(``/api/<resource>/<id>/backup/download?rq_id=...``) serves the zip once per request owner.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from cvatorm.testing import exports
from cvatorm.testing.background import BackgroundRequest
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, ok
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.validation import list_error

_FILTERS = (
    "action",
    "target",
    "status",
    "subresource",
    "format",
    "job_id",
    "task_id",
    "project_id",
)


def _is_admin(user: dict[str, Any]) -> bool:
    return bool(user.get("is_superuser")) or "admin" in user.get("groups", [])


def _mine(ctx: Context, request: BackgroundRequest) -> bool:
    return request.owner["id"] == ctx.user["id"] or _is_admin(ctx.user)


def _parsed(rq_id: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rq_id.split("&"):
        key, _, value = item.partition("=")
        parts[key] = value
    return parts


def _matches(request: BackgroundRequest, query: dict[str, str]) -> bool:
    parsed = _parsed(request.id)
    operation = request.operation
    for name in _FILTERS:
        if name not in query:
            continue
        wanted = query[name]
        if name == "status":
            actual: Any = request.status
        elif name in ("job_id", "task_id", "project_id"):
            actual = operation.get(name)
        elif name == "format":
            actual = operation.get("format")
        else:
            actual = parsed.get(name)
        if str(actual) != wanted:
            return False
    return True


def _page_size(query: dict[str, str], total: int) -> int:
    raw = query.get("page_size", "")
    if raw == "all":
        return max(total, 1)
    try:
        value = int(raw)
    except ValueError:
        return 10
    return value if value > 0 else 10


def list_requests(ctx: Context) -> Response:
    query = ctx.query
    items = [
        request
        for request in ctx.app.background.all()
        if request.owner["id"] == ctx.user["id"] and _matches(request, query)
    ]
    items.sort(key=lambda request: request.created_date, reverse=True)
    size = _page_size(query, len(items))
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        page = 0
    pages = max(1, -(-len(items) // size))
    if page < 1 or page > pages:
        raise HttpError(404, {"detail": "Invalid page."})
    start = (page - 1) * size
    base = f"{ctx.app.base_url}{ctx.request.path}"

    def link(number: int) -> str:
        params = {**query, "page": str(number)}
        if number == 1:
            params.pop("page")
        text = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items())
        return f"{base}?{text}" if text else base

    return ok(
        {
            "count": len(items),
            "next": link(page + 1) if page < pages else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": [request.to_wire() for request in items[start : start + size]],
        }
    )


def _request_or_404(ctx: Context) -> BackgroundRequest:
    rq_id = unquote(ctx.params["rq_id"])
    request = ctx.app.background.get(rq_id)
    if request is None or not _mine(ctx, request):
        raise HttpError(404, {"detail": f"There is no request with specified id: {rq_id}"})
    return request


def retrieve_request(ctx: Context) -> Response:
    return ok(_request_or_404(ctx).to_wire())


def cancel_request(ctx: Context) -> Response:
    request = _request_or_404(ctx)
    if request.status != "queued":
        raise list_error(
            f"Only requests that have not yet been started can be cancelled. "
            f"The current request status is {request.status}."
        )
    ctx.app.background.cancel(request.id)
    return Response.empty(200)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_").lower() or "unnamed"


def _destination(ctx: Context, obj: dict[str, Any]) -> tuple[str, int | None]:
    """Where an export goes: ``location``/``cloud_storage_id`` from the query, else the object's
    target storage, else local. Cloud exports are refused to read-only tokens."""
    query = ctx.query
    storage = obj.get("target_storage") or {}
    location = query.get("location") or storage.get("location") or "local"
    if location not in ("local", "cloud_storage"):
        raise HttpError(400, {"location": [f'"{location}" is not a valid choice.']})
    if location == "local":
        return location, None
    raw_id = query.get("cloud_storage_id") or storage.get("cloud_storage_id")
    if raw_id in (None, ""):
        raise list_error(
            "Cloud storage location was selected as the destination, "
            "but cloud storage id was not specified"
        )
    token = ctx.request.token
    if ctx.request.auth_kind == "bearer" and token is not None and token.get("read_only"):
        raise HttpError(403, {"detail": "You do not have permission to perform this action."})
    try:
        return location, int(str(raw_id))
    except ValueError:
        raise HttpError(400, {"cloud_storage_id": ["A valid integer is required."]}) from None


def _start_backup(ctx: Context, resource: str) -> Response:
    target = resource[:-1]
    obj = get_checked(ctx, resource, "view")
    query = ctx.query
    location, _ = _destination(ctx, obj)
    background = ctx.app.background
    rq_id = (
        f"action=export&target={target}&target_id={obj['id']}&subresource=backup"
        f"&user_id={ctx.user['id']}"
    )
    existing = background.get(rq_id)
    if existing is not None and existing.active:
        return ok("Export request is being processed", 409)
    stamp = re.sub(r"\D", "_", str(obj.get("updated_date", ""))[:19])
    filename = query.get("filename") or f"{target}_{_safe(obj['name'])}_backup_{stamp}.zip"
    store = ctx.app.store
    work = (
        exports.task_backup(store, obj["id"], filename)
        if target == "task"
        else exports.project_backup(store, obj["id"], filename)
    )
    result_url = (
        f"{ctx.app.base_url}/api/{resource}/{obj['id']}/backup/download?rq_id={quote(rq_id)}"
        if location == "local"
        else None  # uploaded to the cloud storage: nothing to download from the server
    )
    operation = {
        "type": "export:backup",
        "target": target,
        "project_id": obj["id"] if target == "project" else obj.get("project_id"),
        "task_id": obj["id"] if target == "task" else None,
        "job_id": None,
        "format": None,
        "function_id": None,
        "lightweight": query.get("lightweight", "true").lower() not in ("false", "0"),
    }
    background.submit(rq_id, operation, ctx.user, work, result_url)
    return ok({"rq_id": rq_id}, 202)


def _download(ctx: Context, resource: str) -> Response:
    obj = get_checked(ctx, resource, "view")
    rq_id = ctx.query.get("rq_id")
    if not rq_id:
        raise list_error("Missing request id in the query parameters")
    request = ctx.app.background.get(rq_id)
    if (
        request is None
        or not _mine(ctx, request)
        or request.result_url is None
        or f"/api/{resource}/{obj['id']}/" not in request.result_url
    ):
        raise HttpError(404, {"detail": "Unknown export request id"})
    if request.status != "finished" or request.outcome is None or request.outcome.file is None:
        raise list_error("Export is not finished")
    outcome = request.outcome
    return Response(
        200,
        outcome.file or b"",
        outcome.content_type,
        [("Content-Disposition", f'attachment; filename="{outcome.filename}"')],
    )


def register(router: Router) -> None:
    router.add("GET", "/api/requests", list_requests)
    router.add("GET", "/api/requests/{rq_id}", retrieve_request)
    router.add("POST", "/api/requests/{rq_id}/cancel", cancel_request)
    for resource in ("tasks", "projects"):
        router.add(
            "POST",
            f"/api/{resource}/{{id}}/backup/export",
            lambda ctx, r=resource: _start_backup(ctx, r),  # type: ignore[misc]
            read_only_token=True,
        )
        router.add(
            "GET",
            f"/api/{resource}/{{id}}/backup/download",
            lambda ctx, r=resource: _download(ctx, r),  # type: ignore[misc]
        )
