"""``client.events``: CVAT's event log (``/api/events``): sending client events, exporting the
log as CSV.

- ``log(...)``: ``POST /api/events`` records events of the client's own (``scope`` from the
  server's list of client scopes, checked before any request; ``payload`` any JSON value). The
  server stamps each with the user and organization, corrects its time by the difference
  between the client's and the server's clocks, and answers the events as recorded.
- ``export(...)``: ``POST /api/events/export`` starts a background request that queries the
  analytics store (ClickHouse) and writes a CSV; the file is downloaded from its
  ``result_url``. A server without its analytics store fails the request with the connection
  error: that is an :class:`~cvatorm.exceptions.AnalyticsUnavailableError`.

The deprecated ``GET /api/events`` (the same export, polled by ``query_id``) is not offered:
``export`` replaces it (CVAT deprecated it on 2025-03-17).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.client import Client, register_resource_accessor
from cvatorm.connection.context import Context
from cvatorm.exceptions import (
    AnalyticsUnavailableError,
    BackgroundRequestException,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.models.clients import resolve_client
from cvatorm.models.data import _check_polling
from cvatorm.operations._common import download_result
from cvatorm.transfer import writable_target
from cvatorm.wire.resource import Action, Resource

__all__ = ["CLIENT_SCOPES", "Events"]

#: ``ClientEventsSerializer.ALLOWED_SCOPES["client"]`` (CVAT 2.64): what a client may log.
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

#: ``EventSerializer``'s optional fields a client may give (the server sets the user's).
_EVENT_FIELDS = frozenset(
    {"obj_name", "obj_id", "obj_val", "count", "duration", "project_id", "task_id", "job_id"}
)

#: What the server's failure message says when its analytics store is not there.
_ANALYTICS_MARKERS = ("clickhouse", ":8123")

_API = Resource(
    name="events",
    path="events",
    operations=frozenset(),
    actions={"export": Action("export", background=True, on_collection=True)},
    organization_scoped=False,
)


def _stamp(value: object, argument: str) -> str:
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgumentError(argument, value, "an ISO 8601 datetime") from None
        return value
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return stamp.isoformat()
    raise InvalidArgumentError(argument, value, "a datetime or an ISO 8601 string")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _event(event: object, index: int) -> dict[str, Any]:
    """One event as ``EventSerializer`` takes it, checked like the server checks it."""
    where = f"events[{index}]"
    if not isinstance(event, Mapping):
        raise InvalidArgumentError(where, event, "a mapping with at least a 'scope'")
    scope = event.get("scope")
    if scope not in CLIENT_SCOPES:
        raise ValidationError(
            {"scope": [f"{where}: event scope {scope!r} is not allowed from a client "
                       f"(allowed: {', '.join(sorted(CLIENT_SCOPES))})"]}
        )  # fmt: skip
    unknown = set(event) - _EVENT_FIELDS - {"scope", "timestamp", "payload"}
    if unknown:
        raise ValidationError({where: [f"unknown event fields: {', '.join(sorted(unknown))}"]})
    body: dict[str, Any] = {k: v for k, v in event.items() if k in _EVENT_FIELDS}
    body["scope"] = scope
    body["timestamp"] = _stamp(event.get("timestamp") or _now(), f"{where}.timestamp")
    if "payload" in event:
        payload = event["payload"]
        try:
            body["payload"] = payload if isinstance(payload, str) else json.dumps(payload)
            json.loads(body["payload"])
        except (TypeError, ValueError):
            raise ValidationError({"payload": [f"{where}: not a JSON value"]}) from None
    return body


def _id(argument: str, value: object) -> int | None:
    if value is None:
        return None
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise InvalidArgumentError(argument, value, "a saved object or a positive integer id")
    return pk


class Events:
    """The event log of one client's server (``client.events``)."""

    def __init__(self, using: str | Client | None = None) -> None:
        self._using = using

    @property
    def client(self) -> Client:
        return resolve_client(self._using)

    def log(
        self,
        events: Iterable[Mapping[str, Any]],
        *,
        organization: OrganizationArg = INHERIT,
    ) -> list[dict[str, Any]]:
        """Record ``events`` (each a mapping: ``scope``, optional ``timestamp`` (now),
        ``payload`` (any JSON value), ``obj_name``, ``obj_val``, ``task_id``...); returns them
        as the server recorded them. A scope the server refuses from a client, a field it does
        not know or a payload that is not JSON is a ``ValidationError`` before any request."""
        if isinstance(events, Mapping) or not isinstance(events, Iterable):
            raise InvalidArgumentError("events", events, "a list of event mappings")
        bodies = [_event(event, index) for index, event in enumerate(events)]
        response = self.client.request(
            "POST",
            _API.collection_path(),
            json={"events": bodies, "timestamp": _now(), "previous_event": None},
            organization=organization,
        )
        recorded = response.json().get("events")
        return [dict(event) for event in recorded] if isinstance(recorded, list) else []

    def export(
        self,
        destination: str | os.PathLike[str],
        *,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        project: object = None,
        task: object = None,
        job: object = None,
        user: object = None,
        organization_id: object = None,
        filename: str | None = None,
        overwrite: bool = False,
        progress: object = None,
        status_check_period: float | None = None,
        timeout: float | None = None,
    ) -> Path:
        """Export the event log as CSV into ``destination`` (a file path), optionally only the
        events ``since``/``until`` a time, of one project, task, job, user or organization (ids
        or objects). ``AnalyticsUnavailableError`` when the server has no analytics store."""
        target = writable_target(destination, overwrite=overwrite)
        _check_polling(status_check_period, timeout)
        params: dict[str, Any] = {}
        for name, value in (
            ("project_id", project), ("task_id", task), ("job_id", job), ("user_id", user),
            ("org_id", organization_id),
        ):  # fmt: skip
            pk = _id(name.removesuffix("_id") if name != "org_id" else name, value)
            if pk is not None:
                params[name] = pk
        if since is not None:
            params["from"] = _stamp(since, "since")
        if until is not None:
            params["to"] = _stamp(until, "until")
        if filename is not None:
            if not isinstance(filename, str) or not filename.strip():
                raise InvalidArgumentError("filename", filename, "a file name (str)")
            params["filename"] = filename
        context = Context.of(
            self.client,
            organization=None,
            progress=progress,
            status_check_period=status_check_period,
            timeout=timeout,
        )
        try:
            return download_result(
                context.on(_API, None),
                "export",
                target,
                params=params,
                overwrite=overwrite,
                desc="Events export",
            )
        except BackgroundRequestException as failure:
            if any(marker in failure.message.lower() for marker in _ANALYTICS_MARKERS):
                raise AnalyticsUnavailableError(
                    f"the server's analytics store is unavailable: {failure.message.strip()}",
                    rq_id=failure.rq_id,
                    status=failure.status,
                ) from failure
            raise

register_resource_accessor("events", Events)
