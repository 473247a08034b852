"""``/api/webhooks``: CVAT's ``WebhookViewSet`` (``cvat/apps/webhooks/views.py``).

List, create, retrieve, PATCH/PUT, delete; ``ping`` (delivered inside the request, answering
the delivery), ``deliveries`` (newest first), one delivery, ``redelivery`` (queued: ``200 {}``
at once, the new delivery appears when the worker has sent it) and ``events``.

What the real serializers do, copied: ``type`` and ``project_id`` are write-once (ignored on
update); a project webhook takes its project's organization, an organization webhook the
request's; a project webhook without ``project_id``, or an organization webhook outside an
organization, violates a database constraint (500); ``last_status``/``last_delivery_date`` are
the newest delivery's and absent while there is none; a delivery id that does not exist (or
is another webhook's) is a 500 (``WebhookDelivery.objects.get`` is not caught).

Deliveries are sent only to loopback targets (see :mod:`cvatorm.testing.webhook_delivery`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from cvatorm.testing import listing, webhook_delivery, webhook_rules
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import actor, list_page, ok, scope
from cvatorm.testing.routing import Context, Handler, Router
from cvatorm.testing.store import Obj, Store, clone, now_iso
from cvatorm.testing.validation import NOT_BLANK, NOT_NULL, REQUIRED, Field, _check

RESOURCE = "webhooks"
DELIVERIES = "webhook_deliveries"

#: ``event_type.py``: the resources and actions webhooks can be told about.
_RESOURCE_EVENTS = {
    "project": ("create", "update", "delete"),
    "task": ("create", "update", "delete"),
    "job": ("create", "update", "delete"),
    "issue": ("create", "update", "delete"),
    "comment": ("create", "update", "delete"),
    "organization": ("update", "delete"),
    "invitation": ("create", "delete"),
    "membership": ("create", "update", "delete"),
}
ALL_EVENTS = tuple(
    sorted(f"{action}:{name}" for name, actions in _RESOURCE_EVENTS.items() for action in actions)
)
PROJECT_EVENTS = tuple(
    sorted(
        [
            f"{action}:{name}"
            for name in ("task", "job", "issue", "comment")
            for action in _RESOURCE_EVENTS[name]
        ]
        + ["update:project", "delete:project"]
    )
)
EVENTS = {"all": ALL_EVENTS, "project": PROJECT_EVENTS, "organization": ALL_EVENTS}

TYPES = ("organization", "project")
CONTENT_TYPES = ("application/json",)

# -- Django's URLValidator (4.2) --------------------------------------------------------------

_UL = "\u00a1-\uffff"
_IPV4 = (
    r"(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)"
    r"(?:\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}"
)
_IPV6 = r"\[[0-9a-f:.]+\]"
_HOSTNAME = r"[a-z" + _UL + r"0-9](?:[a-z" + _UL + r"0-9-]{0,61}[a-z" + _UL + r"0-9])?"
_DOMAIN = r"(?:\.(?!-)[a-z" + _UL + r"0-9-]{1,63}(?<!-))*"
_TLD = r"\.(?!-)(?:[a-z" + _UL + r"-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\.?"
_HOST = "(" + _HOSTNAME + _DOMAIN + _TLD + "|localhost)"
_URL = re.compile(
    r"^(?:[a-z0-9.+-]*)://"
    r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"
    r"(?:" + _IPV4 + "|" + _IPV6 + "|" + _HOST + ")"
    r"(?::[0-9]{1,5})?"
    r"(?:[/?#][^\s]*)?"
    r"\Z",
    re.IGNORECASE,
)
_URL_SCHEMES = ("http", "https", "ftp", "ftps")
_INVALID_URL = "Enter a valid URL."


def _valid_url(value: str) -> bool:
    """``URLValidator()(value)`` succeeds (IDN hosts are tried in punycode, as Django does)."""
    if len(value) > 2048 or set("\t\r\n") & set(value):
        return False
    if value.split("://")[0].lower() not in _URL_SCHEMES:
        return False
    try:
        split = urlsplit(value)
    except ValueError:
        return False
    if not _URL.match(value):
        try:
            netloc = split.netloc.encode("idna").decode("ascii")
        except UnicodeError:
            return False
        if not _URL.match(split._replace(netloc=netloc).geturl()):
            return False
    return split.hostname is not None and len(split.hostname) <= 253


# -- WebhookWriteSerializer ---------------------------------------------------------------------


def _char(value: Any, max_length: int, allow_blank: bool) -> tuple[list[str], Any]:
    """DRF ``CharField``: strings and numbers, whitespace trimmed."""
    if value is None:
        return [NOT_NULL], None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ["Not a valid string."], value
    text = str(value).strip()
    if text == "":
        return ([] if allow_blank else [NOT_BLANK]), text
    if len(text) > max_length:
        return [f"Ensure this field has no more than {max_length} characters."], text
    return [], text


def _target_url(value: Any) -> tuple[list[str], Any]:
    problems, text = _char(value, 8192, allow_blank=False)
    if problems and problems[0] != f"Ensure this field has no more than {8192} characters.":
        return problems, text
    if text and not _valid_url(text):
        problems = [*problems, _INVALID_URL]
    return problems, text


def _choice(choices: tuple[str, ...]) -> Callable[[Any], tuple[list[str], Any]]:
    def check(value: Any) -> tuple[list[str], Any]:
        if value is None:
            return [NOT_NULL], None
        if str(value) not in choices:
            return [f'"{value}" is not a valid choice.'], value
        return [], str(value)

    return check


def _events(value: Any) -> tuple[list[str], Any]:
    """``MultipleChoiceField``: a list (any iterable but a string) of known events."""
    if value is None:
        return [NOT_NULL], None
    if isinstance(value, str) or not isinstance(value, (list, dict)):
        return [f'Expected a list of items but got type "{type(value).__name__}".'], value
    chosen: set[str] = set()
    for item in value:
        if isinstance(item, (dict, list)) or str(item) not in ALL_EVENTS:
            return [f'"{item}" is not a valid choice.'], value
        chosen.add(str(item))
    return [], sorted(chosen)


def _field(kind: str, **options: Any) -> Callable[[Any], tuple[list[str], Any]]:
    spec = Field(kind, **options)
    return lambda value: _check(spec, value)


#: The writable fields, in the serializer's order (the order of a 400's keys).
_WRITE_FIELDS: dict[str, Callable[[Any], tuple[list[str], Any]]] = {
    "target_url": _target_url,
    "description": lambda value: _char(value, 128, allow_blank=True),
    "type": _choice(TYPES),
    "content_type": _choice(CONTENT_TYPES),
    "secret": lambda value: _char(value, 64, allow_blank=True),
    "is_active": _field("bool"),
    "enable_ssl": _field("bool"),
    "project_id": _field("int", allow_null=True),
    "events": _events,
}
_REQUIRED = ("target_url", "type", "events")
_WRITE_ONCE = ("type", "project_id")


def validate_write(
    body: Mapping[str, Any], *, partial: bool, instance: Obj | None
) -> dict[str, Any]:
    """The validated fields of a create (``instance`` None), PUT or PATCH body, or the 400."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, check in _WRITE_FIELDS.items():
        if instance is not None and name in _WRITE_ONCE:
            continue  # WriteOnceMixin: read-only on update, silently ignored
        if name not in body:
            if name in _REQUIRED and not partial:
                errors[name] = [REQUIRED]
            continue
        problems, value = check(body[name])
        if problems:
            errors[name] = problems
        else:
            clean[name] = value
    if errors:
        raise HttpError(400, errors)
    if clean.get("events") is not None:  # EventTypeValidator
        kind = instance["type"] if instance is not None else clean.get("type")
        allowed = EVENTS.get(str(kind), ALL_EVENTS)
        # no events are stored as "", which reads back as the one unknown event ""
        chosen = set(clean["events"]) or {""}
        if kind in TYPES and not chosen <= set(allowed):
            raise HttpError(400, {"non_field_errors": [f"Invalid events list for {kind} webhook"]})
    return clean


# -- WebhookReadSerializer / WebhookDeliveryReadSerializer ------------------------------------


def basic_user(user: Obj | None) -> Obj | None:
    """A nested user in the real ``BasicUserSerializer``'s field order."""
    if user is None:
        return None
    return {name: user.get(name) for name in ("url", "id", "username", "first_name", "last_name")}


def last_deliveries(store: Store) -> dict[int, Obj]:
    """Each webhook's newest delivery (the highest id), by webhook id."""
    newest: dict[int, Obj] = {}
    for row in store.rows(DELIVERIES):
        current = newest.get(row["webhook_id"])
        if current is None or row["id"] > current["id"]:
            newest[row["webhook_id"]] = row
    return newest


def serialize(store: Store, row: Obj, last: Obj | None) -> Obj:
    """A webhook as served; ``last`` is its newest delivery."""
    data: Obj = {
        "id": row["id"],
        "url": store.url(f"/api/webhooks/{row['id']}"),
        "target_url": row["target_url"],
        "description": row.get("description", ""),
        "type": row["type"],
        "content_type": row.get("content_type", "application/json"),
        "is_active": row.get("is_active", True),
        "enable_ssl": row.get("enable_ssl", True),
        "created_date": row["created_date"],
        "updated_date": row["updated_date"],
        "owner": basic_user(row.get("owner")),
        "project_id": row.get("project_id"),
        "organization": row.get("organization"),
        "events": sorted(row.get("events") or []),
    }
    if last is not None:
        data["last_status"] = last["status_code"]
        data["last_delivery_date"] = last["updated_date"]
    return data


def serialize_one(store: Store, row: Obj) -> Obj:
    return serialize(store, row, last_deliveries(store).get(row["id"]))


def serialize_delivery(row: Obj, *, stored: bool = True) -> Obj:
    """A delivery as served; a stored one's ``request`` comes back in ``jsonb`` key order."""
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "event": row["event"],
        "status_code": row["status_code"],
        "redelivery": row["redelivery"],
        "created_date": row["created_date"],
        "updated_date": row["updated_date"],
        "changed_fields": row.get("changed_fields", ""),
        "request": webhook_delivery.jsonb(row["request"]) if stored else row["request"],
        "response": row.get("response", ""),
    }


# -- lookups ------------------------------------------------------------------------------------


def _not_found() -> HttpError:
    return HttpError(404, {"detail": "No Webhook matches the given query."})


def get_webhook(ctx: Context, action: str, body: Mapping[str, Any] | None = None) -> Obj:
    """The webhook of the URL after DRF's ``get_object``: 404, the list's filters (404 too),
    then the object permission (``view``/``update``/``delete``)."""
    scope(ctx)
    raw = ctx.params["id"]
    store = ctx.app.store
    row = store.get(RESOURCE, int(raw)) if raw.isdigit() else None
    if row is None:
        raise _not_found()
    # DRF's get_object filters first; the ``deliveries`` list_action declares no filters
    filtered = not ctx.request.path.endswith("/deliveries")
    if filtered and not listing.detail_filter(RESOURCE, row, ctx.request.query, store=store):
        raise _not_found()
    webhook_rules.check_object(store, actor(ctx), action, row, body)
    return row


def get_delivery(ctx: Context, webhook: Obj) -> Obj:
    """``WebhookDelivery.objects.get(webhook_id=..., id=...)``: anything else is a 500."""
    delivery = ctx.app.store.get(DELIVERIES, int(ctx.params["delivery_id"]))
    if delivery is None or delivery["webhook_id"] != webhook["id"]:
        raise server_error()
    return delivery


# -- handlers -----------------------------------------------------------------------------------


def list_webhooks(ctx: Context) -> Response:
    store = ctx.app.store
    current = scope(ctx)
    keep = webhook_rules.list_filter(store, actor(ctx), current)
    newest = last_deliveries(store)
    rows = [row for row in store.rows(RESOURCE) if keep(row)]
    return list_page(
        ctx, RESOURCE, rows, transform=lambda row: serialize(store, row, newest.get(row["id"]))
    )


def retrieve_webhook(ctx: Context) -> Response:
    return ok(serialize_one(ctx.app.store, get_webhook(ctx, "view")))


def create_webhook(ctx: Context) -> Response:
    store = ctx.app.store
    current = scope(ctx)
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise server_error()  # WebhookPermission.create reads request.data.get(...)
    webhook_rules.check_create(store, actor(ctx), current, body)
    clean = validate_write(body, partial=False, instance=None)
    organization = current.org_id if current is not None else None
    project_id = clean.get("project_id")
    if project_id is not None:
        project = store.get("projects", project_id)
        if project is None:
            raise server_error()  # Project.objects.get(pk=project_id) in create()
        organization = project.get("organization")
    kind = clean["type"]
    if (kind == "project" and project_id is None) or (
        kind == "organization" and (project_id is not None or organization is None)
    ):
        raise server_error()  # the webhooks_project_or_organization check constraint
    stamp = now_iso()
    row: Obj = {
        "id": store.next_id(RESOURCE),
        "target_url": clean["target_url"],
        "description": clean.get("description", ""),
        "type": kind,
        "content_type": clean.get("content_type", "application/json"),
        "secret": clean.get("secret", ""),
        "is_active": clean.get("is_active", True),
        "enable_ssl": clean.get("enable_ssl", True),
        "created_date": stamp,
        "updated_date": stamp,
        "owner": store.basic_user(actor(ctx).id),
        "project_id": project_id,
        "organization": organization,
        "events": clean["events"],
    }
    stored = store.put(RESOURCE, row)
    return ok(serialize(store, stored, None), 201)


def _update(ctx: Context, *, partial: bool) -> Response:
    store = ctx.app.store
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise server_error()
    row = get_webhook(ctx, "update", body)
    clean = validate_write(body, partial=partial, instance=row)
    clean["updated_date"] = now_iso()
    stored = store.update(RESOURCE, row["id"], clean)
    return ok(serialize_one(store, stored))


def patch_webhook(ctx: Context) -> Response:
    return _update(ctx, partial=True)


def put_webhook(ctx: Context) -> Response:
    return _update(ctx, partial=False)


def delete_webhook(ctx: Context) -> Response:
    store = ctx.app.store
    row = get_webhook(ctx, "delete")
    delete_webhooks(store, [row["id"]])
    return Response.empty(204)


def delete_webhooks(store: Store, ids: list[int]) -> None:
    """Delete webhooks and their deliveries (``on_delete=CASCADE``)."""
    wanted = set(ids)
    with store.transaction():
        deliveries = [row["id"] for row in store.rows(DELIVERIES) if row["webhook_id"] in wanted]
        store.remove_many(DELIVERIES, deliveries)
        store.remove_many(RESOURCE, ids)


def ping(ctx: Context) -> Response:
    """Delivered inside the request, as the real ``ping`` (``send_webhook`` directly); the
    store is not locked while the target answers (it may call this server back)."""
    store = ctx.app.store
    with store.lock:
        row = get_webhook(ctx, "update")
        sender = basic_user(store.basic_user(actor(ctx).id))
        payload: Obj = {
            "event": "ping",
            "webhook": serialize_one(store, row),
            "sender": sender,
        }
    delivery = webhook_delivery.deliver(store, row, payload)
    return ok(serialize_delivery(delivery, stored=False))


def list_deliveries(ctx: Context) -> Response:
    store = ctx.app.store
    row = get_webhook(ctx, "view")
    rows = [clone(item) for item in store.rows(DELIVERIES) if item["webhook_id"] == row["id"]]
    rows.sort(key=lambda item: (item["updated_date"], item["id"]), reverse=True)
    body = listing.paginate(
        rows, ctx.request.query, base_url=ctx.app.base_url, path=ctx.request.path
    )
    body["results"] = [serialize_delivery(item) for item in body["results"]]
    return ok(body)


def retrieve_delivery(ctx: Context) -> Response:
    row = get_webhook(ctx, "view")
    return ok(serialize_delivery(get_delivery(ctx, row)))


def redeliver(ctx: Context) -> Response:
    """Queued to the webhooks worker: ``200 {}`` now, the delivery (``redelivery: true``)
    is recorded once the target has answered."""
    store = ctx.app.store
    row = get_webhook(ctx, "update")
    delivery = get_delivery(ctx, row)
    webhook_delivery.deliver_later(store, clone(row), webhook_delivery.jsonb(delivery["request"]))
    return ok({})


def events(ctx: Context) -> Response:
    """Public (``permission_classes=[]``); ``type`` defaults to ``all``."""
    kind = ctx.query.get("type", "all")
    found = EVENTS.get(kind)
    if found is None:
        raise HttpError(400, "Incorrect value of type parameter")
    return ok({"webhook_type": kind, "events": list(found)})


#: ``WebhookViewSet.http_method_names``: no HEAD, no OPTIONS.
_VIEW_METHODS = ("GET", "POST", "DELETE", "PATCH", "PUT")


def register(router: Router) -> None:
    def add(method: str, template: str, handler: Handler, **options: Any) -> None:
        router.add(method, template, handler, view_methods=_VIEW_METHODS, **options)

    add("GET", "/api/webhooks", list_webhooks)
    add("POST", "/api/webhooks", create_webhook)
    add("GET", "/api/webhooks/events", events, public=True)
    add("GET", "/api/webhooks/{id}", retrieve_webhook)
    add("PUT", "/api/webhooks/{id}", put_webhook)
    add("PATCH", "/api/webhooks/{id}", patch_webhook)
    add("DELETE", "/api/webhooks/{id}", delete_webhook)
    add("GET", "/api/webhooks/{id}/deliveries", list_deliveries)
    add("GET", "/api/webhooks/{id}/deliveries/{delivery_id}", retrieve_delivery)
    add("POST", "/api/webhooks/{id}/deliveries/{delivery_id}/redelivery", redeliver)
    add("POST", "/api/webhooks/{id}/ping", ping, locked=False)
