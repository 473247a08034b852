"""``/api/requests`` and the backup exports that create them.

``POST /api/{tasks,projects}/<id>/backup/export`` answers ``202 {"rq_id"}``; the request then
moves through the background queue; when finished, its ``result_url``
(``/api/<resource>/<id>/backup/download?rq_id=...``) serves the zip once per request owner.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from cvatorm.testing import exports, listing, request_filter
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


#: ``RequestId.ENCODE_MAPPING``: what a value may not hold in an id, and its stand-in.
_ENCODE = ((".", "~"), (" ", "_"))

#: The order ``RequestId.to_dict()`` renders the fields in (attrs declaration order: the base
#: class's, then the export and import subclasses' extras).
_ORDER = ("action", "target", "target_id", "id", "user_id", "format", "subresource")


def render_rq_id(**fields: object) -> str:
    """A request id as CVAT 2.64's ``RequestId.render()`` makes it (asked):
    ``action=export&target=task&target_id=7&user_id=1&format=CVAT_for_images_1~1&
    subresource=annotations``. An integer ``id`` is the object's (``target_id``), another one
    (a UUID) the operation's; ``queue`` and ``lightweight`` are not part of the id; empty values
    are left out; ``.`` and spaces in values are encoded."""
    values: dict[str, object] = {}
    for key, value in fields.items():
        if key in ("queue", "lightweight") or value in (None, "", False):
            continue
        if key == "id" and isinstance(value, int):
            key = "target_id"
        values[key] = value
    ordered = [k for k in _ORDER if k in values] + [k for k in values if k not in _ORDER]
    parts = []
    for key in ordered:
        text = str(values[key])
        for plain, stand_in in _ENCODE:
            text = text.replace(plain, stand_in)
        parts.append(f"{key}={text}")
    return "&".join(parts)


def _parsed(rq_id: str) -> dict[str, str]:
    """The fields of a request id (see :func:`render_rq_id`), decoded as ``RequestId.parse``
    decodes them; {} for a foreign id."""
    parts: dict[str, str] = {}
    for key, value in parse_qsl(rq_id, keep_blank_values=True):
        for plain, stand_in in _ENCODE:
            value = value.replace(stand_in, plain)
        parts[key] = value
    return parts


def _field(request: BackgroundRequest, name: str) -> Any:
    """One filter field of a request, as the real ``lookup_fields`` read it."""
    if name not in _FILTERS:
        raise KeyError(name)
    if name == "status":
        return request.status
    if name in ("job_id", "task_id", "project_id", "format"):
        return request.operation.get(name)
    return _parsed(request.id).get(name)


def _matches(request: BackgroundRequest, query: dict[str, str], rules: Any) -> bool:
    for name in _FILTERS:
        if name in query and str(_field(request, name)) != query[name]:
            return False
    return rules is None or request_filter.matches(rules, lambda name: _field(request, name))


NOT_FOUND_TEXT = "There is no request with specified id"

#: ``never_cache`` on the real views.
NO_CACHE = [
    ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private"),
]


def _text(status: int, text: str) -> Response:
    """Django's ``HttpResponseNotFound``/``HttpResponseBadRequest`` with a plain message."""
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8", list(NO_CACHE))


def _sort_key(name: str) -> Any:
    def key(request: BackgroundRequest) -> Any:
        if name == "created_date":
            return request.created_date
        if name == "status":
            return request.status
        return _parsed(request.id).get("action", "")

    return key


def list_requests(ctx: Context) -> Response:
    """The user's own requests (admins too), newest first, ``sort`` over created_date, status
    and action; simple filters as the real ``NonModelSimpleFilter``."""
    query = ctx.query
    rules = request_filter.parse(query.get("filter", ""))
    items = [
        request
        for request in ctx.app.background.all()
        if request.owner["id"] == ctx.user["id"] and _matches(request, query, rules)
    ]
    terms = [t.strip() for t in query.get("sort", "").split(",") if t.strip()]
    terms = [t for t in terms if t.lstrip("-") in ("created_date", "status", "action")]
    for term in reversed(terms or ["-created_date"]):
        items.sort(key=_sort_key(term.lstrip("-")), reverse=term.startswith("-"))
    body = listing.paginate(
        [request.to_wire() for request in items],
        query,
        base_url=ctx.app.base_url,
        path=ctx.request.path,
    )
    response = ok(body)
    response.headers.extend(NO_CACHE)
    return response


def _request_or_error(ctx: Context) -> BackgroundRequest | Response:
    rq_id = unquote(ctx.params["rq_id"])
    request = ctx.app.background.get(rq_id)
    if request is None:
        return _text(404, NOT_FOUND_TEXT)
    # RequestPermission.create: is_rq_job_owner only (no admin bypass), and its own message
    if request.owner["id"] != ctx.user["id"]:
        raise HttpError(403, {"detail": "You do not have permission to perform this action."})
    return request


def retrieve_request(ctx: Context) -> Response:
    found = _request_or_error(ctx)
    if isinstance(found, Response):
        return found
    response = ok(found.to_wire())
    response.headers.extend(NO_CACHE)
    return response


def cancel_request(ctx: Context) -> Response:
    found = _request_or_error(ctx)
    if isinstance(found, Response):
        return found
    if found.status != "queued" or not ctx.app.background.cancel(found.id):
        return _text(400, "Only requests that have not yet been started can be cancelled")
    response = Response.empty(200)
    response.headers.extend(NO_CACHE)
    return response


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
    obj = get_checked(ctx, resource, "export:backup")
    query = ctx.query
    location, _ = _destination(ctx, obj)
    background = ctx.app.background
    lightweight = query.get("lightweight", "true").lower() not in ("false", "0")
    rq_id = render_rq_id(
        queue="export",
        action="export",
        target=target,
        id=obj["id"],
        subresource="backup",
        user_id=ctx.user["id"],
        lightweight=lightweight,
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
        "lightweight": lightweight,
    }
    background.submit(rq_id, operation, ctx.user, work, result_url)
    return ok({"rq_id": rq_id}, 202)


def finished_export(ctx: Context, result_path: str) -> Response:
    """The file of the finished export named by ``?rq_id=``, as the real download endpoints
    answer it: only for its owner (or an admin), and only under the object it was asked of
    (``result_path`` is the start of its ``result_url``'s path)."""
    rq_id = ctx.query.get("rq_id")
    if not rq_id:
        raise list_error("Missing request id in the query parameters")
    request = ctx.app.background.get(rq_id)
    if (
        request is None
        or not _mine(ctx, request)
        or request.result_url is None
        or result_path not in request.result_url
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


def _download(ctx: Context, resource: str) -> Response:
    obj = get_checked(ctx, resource, "view")
    return finished_export(ctx, f"/api/{resource}/{obj['id']}/")


def register(router: Router) -> None:
    router.add("GET", "/api/requests", list_requests)
    router.add("POST", "/api/requests/{rq_id}/cancel", cancel_request)
    router.add("GET", "/api/requests/{rq_id}", retrieve_request)
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
