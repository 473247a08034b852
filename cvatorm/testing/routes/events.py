"""``/api/events``: client events and the event log export, as CVAT's ``events`` app answers
them when its analytics store (ClickHouse) is there (``cvat/apps/events/views.py``).

``POST /api/events`` validates like ``ClientEventsSerializer`` (client scopes only, JSON
payloads), stamps each event with the user and organization, corrects its time by the clocks'
difference and records it. ``POST /api/events/export`` is a background request
(``action=export&target=events&id=<uuid>&user_id=<id>``) writing the recorded events as CSV
(the columns of CVAT's ``events`` table), downloaded from ``/api/events/download?rq_id=``. The
deprecated ``GET /api/events`` runs the same export polled by ``query_id``.

The real server without ClickHouse fails the export request with the connection error; tests
simulate that with ``local_cvat.background.fail_next(operation="export:events", ...)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import uuid
import weakref
from typing import Any
from urllib.parse import urlencode

from cvatorm.testing.background import BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import actor, ok, scope
from cvatorm.testing.routes.requests import finished_export, render_rq_id
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso

#: ``ClientEventsSerializer.ALLOWED_SCOPES["client"]``.
CLIENT_SCOPES = frozenset(
    {
        "load:cvat", "load:job", "save:job", "load:workspace", "send:exception",
        "join:objects", "change:frame", "draw:object", "paste:object", "copy:object",
        "propagate:object", "drag:object", "resize:object", "delete:object", "merge:objects",
        "split:objects", "group:objects", "slice:object", "zoom:image", "fit:image",
        "rotate:image", "action:undo", "action:redo", "debug:info", "run:annotations_action",
        "click:element", "user:activity",
    }
)  # fmt: skip

#: ``EventSerializer``: name -> kind (``str``/``int``), in its declaration order.
EVENT_FIELDS = {
    "scope": "str", "obj_name": "str", "obj_id": "int", "obj_val": "str", "source": "str",
    "timestamp": "datetime", "count": "int", "duration": "int", "project_id": "int",
    "task_id": "int", "job_id": "int", "user_id": "int", "user_name": "str",
    "user_email": "str", "org_id": "int", "org_slug": "str", "payload": "str",
}  # fmt: skip

#: The columns of ClickHouse's ``events`` table (``components/analytics/clickhouse/init.py``).
COLUMNS = tuple(EVENT_FIELDS)

_LOG: weakref.WeakKeyDictionary[Store, list[dict[str, Any]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def recorded(store: Store) -> list[dict[str, Any]]:
    """The events recorded on ``store`` (forgotten with it, on reset)."""
    with _LOCK:
        return _LOG.setdefault(store, [])


def _parse_time(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise HttpError(400, {name: ["This field is required."]})
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(
            400,
            {name: ["Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]},
        ) from None  # fmt: skip
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def _render(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(raw: Any, correction: dt.timedelta, ctx: Context) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise HttpError(400, {"events": [{"non_field_errors": ["Invalid data."]}]})
    for name, kind in EVENT_FIELDS.items():
        value = raw.get(name)
        if value is None or kind == "datetime":
            continue
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise HttpError(400, {"events": [{name: ["A valid integer is required."]}]})
        if kind == "str" and not isinstance(value, (str, int, float)):
            raise HttpError(400, {"events": [{name: ["Not a valid string."]}]})
    if not raw.get("scope"):
        raise HttpError(400, {"events": [{"scope": ["This field is required."]}]})
    stamp = _parse_time(raw.get("timestamp"), "timestamp")
    source = raw.get("source") or "client"
    if raw["scope"] not in (CLIENT_SCOPES if source == "client" else ()):
        refused = f"Event scope **{raw['scope']}** is not allowed from {source}"
        raise HttpError(400, {"scope": refused})
    try:
        payload = json.loads(raw.get("payload") or "{}")
    except (TypeError, ValueError):
        raise HttpError(400, {"payload": "JSON payload is not valid in passed event"}) from None
    event = {k: raw[k] for k in EVENT_FIELDS if raw.get(k) is not None}
    event.setdefault("duration", 0)
    context = scope(ctx)
    org = context.organization if context is not None else None
    user = ctx.user
    event.update(
        timestamp=_render(stamp + correction),
        source=source,
        payload=json.dumps(payload),
        org_id=org["id"] if org else None,
        org_slug=org["slug"] if org else None,
        user_id=user["id"],
        user_name=user["username"],
        user_email=user.get("email"),
    )
    return event


def log_events(ctx: Context) -> Response:
    body = ctx.request.json_object()
    sent = _parse_time(body.get("timestamp"), "timestamp")
    correction = dt.datetime.now(dt.timezone.utc) - sent
    raw_events = body.get("events") or []
    if not isinstance(raw_events, list):
        raise HttpError(400, {"events": ['Expected a list of items but got type "dict".']})
    events = [_event(raw, correction, ctx) for raw in raw_events]
    store = ctx.app.store
    with _LOCK:
        _LOG.setdefault(store, []).extend(e for e in events if e["scope"] != "user:activity")
    return ok({"events": events, "previous_event": None, "timestamp": body["timestamp"]}, 201)


_FILTERS = ("org_id", "project_id", "task_id", "job_id", "user_id")


def _filters(ctx: Context) -> dict[str, Any]:
    query = ctx.query
    found: dict[str, Any] = {}
    for name in _FILTERS:
        if query.get(name):
            if not query[name].isdigit():
                raise HttpError(400, {name: ["A valid integer is required."]})
            found[name] = int(query[name])
    for name in ("from", "to"):
        if query.get(name):
            try:
                found[name] = _parse_time(query[name], name)
            except HttpError:
                raise HttpError(
                    400, [f"Cannot parse {name!r} datetime parameter: {query[name]}"]
                ) from None
    if "from" in found and "to" in found and found["from"] > found["to"]:
        raise HttpError(400, ["'from' must be before than 'to'"])
    if actor(ctx).privilege != "admin":  # events.rego's filter: a user sees their own events
        found["user_id"] = ctx.user["id"]
    return found


def _csv_work(store: Store, filters: dict[str, Any], filename: str) -> Any:
    def work(request: BackgroundRequest) -> Outcome:
        rows = []
        for event in sorted(recorded(store), key=lambda e: e["timestamp"]):
            stamp = _parse_time(event["timestamp"], "timestamp")
            if "from" in filters and stamp < filters["from"]:
                continue
            if "to" in filters and stamp > filters["to"]:
                continue
            if any(event.get(k) != v for k, v in filters.items() if k in _FILTERS):
                continue
            rows.append([event.get(column) for column in COLUMNS])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return Outcome(out.getvalue().encode(), filename, "text/csv")

    return work


def _start_export(ctx: Context, query_id: uuid.UUID) -> BackgroundRequest:
    if ctx.query.get("location") == "cloud_storage" or ctx.query.get("cloud_storage_id"):
        raise HttpError(400, ["Exporting events to a cloud storage is not supported here"])
    filters = _filters(ctx)
    rq_id = render_rq_id(action="export", target="events", id=query_id, user_id=ctx.user["id"])
    stamp = now_iso()[:19].replace("-", "_").replace("T", "_").replace(":", "_")
    filename = ctx.query.get("filename") or f"logs_{stamp}.csv"
    operation = {
        "type": "export:events",
        "target": "events",
        "project_id": None,
        "task_id": None,
        "job_id": None,
        "format": None,
        "function_id": None,
    }
    result_url = f"{ctx.app.base_url}/api/events/download?{urlencode({'rq_id': rq_id})}"
    work = _csv_work(ctx.app.store, filters, filename)
    return ctx.app.background.submit(rq_id, operation, ctx.user, work, result_url)


def export_events(ctx: Context) -> Response:
    return ok({"rq_id": _start_export(ctx, uuid.uuid4()).id}, 202)


def download(ctx: Context) -> Response:
    return finished_export(ctx, "/api/events/")


_DEPRECATION = [("Deprecation", "@1742169600")]


def legacy_export(ctx: Context) -> Response:
    """The deprecated ``GET /api/events``: 202 while the CSV is made, 201 when it is ready,
    the file with ``action=download``; a failure is a 500 with the error's text."""
    action = ctx.query.get("action")
    if action not in (None, "download"):
        raise HttpError(400, ["Unexpected action specified for the request"])
    if ctx.query.get("cloud_storage_id") or ctx.query.get("location") == "cloud_storage":
        raise HttpError(400, ["This endpoint does not support exporting events to cloud storage"])
    raw_id = ctx.query.get("query_id")
    try:
        query_id = uuid.UUID(raw_id) if raw_id else uuid.uuid4()
    except ValueError:
        raise HttpError(400, ["Invalid query_id"]) from None
    rq_id = render_rq_id(action="export", target="events", id=query_id, user_id=ctx.user["id"])
    request = ctx.app.background.get(rq_id)
    if request is None:
        request = _start_export(ctx, query_id)
    response: Response
    if request.status == "finished" and request.outcome is not None:
        if action == "download":
            ctx.app.background.remove(rq_id)
            outcome = request.outcome
            name = ctx.query.get("filename") or outcome.filename
            response = Response(
                200,
                outcome.file or b"",
                "text/csv",
                [("Content-Disposition", f'attachment; filename="{name}"')],
            )
        else:
            response = Response.empty(201)
    elif request.status == "failed":
        ctx.app.background.remove(rq_id)
        response = ok(request.message, 500)
    else:
        response = ok({"query_id": str(query_id)}, 202)
    response.headers.extend(_DEPRECATION)
    return response


def register(router: Router) -> None:
    router.add("POST", "/api/events", log_events)
    router.add("GET", "/api/events", legacy_export)
    router.add("POST", "/api/events/export", export_events)
    router.add("GET", "/api/events/download", download)
