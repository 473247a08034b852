"""``/api/cloudstorages``: CVAT's ``CloudStorageViewSet`` (``cvat/apps/engine/views.py``) over
LocalCVAT's in-process provider (:mod:`cvatorm.testing.cloud_provider`).

List (filters of the real viewset; ``provider_type`` checked by ``get_queryset`` first),
create and PATCH (the bucket is asked for first, as ``CloudStorageWriteSerializer`` does; the
view answers every serializer error as ``text/html`` lines ``field: message``), retrieve,
delete, ``content-v2`` (the bucket's own listing, or a manifest's), ``status``, ``preview``
(the first image of the bucket or of its manifest) and ``actions`` (``text/plain``).

Who may do what is ``cloudstorages.rego``: admins everything; in the personal workspace users
create and list, owners view, list content, update and delete; in an organization maintainers
create, supervisors (with the user privilege) see all the organization's storages, members
their own.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from cvatorm.testing import cloud_provider, listing
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.permissions import DENIED, Actor, OrgScope, _Auth, _auth
from cvatorm.testing.routes.common import actor, list_page, ok, scope
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Obj, Store, now_iso
from cvatorm.testing.validation import Field, validate

RESOURCE = "cloudstorages"
PROVIDERS = ("AWS_S3_BUCKET", "AZURE_CONTAINER", "GOOGLE_CLOUD_STORAGE")
CREDENTIALS_TYPES = (
    "KEY_SECRET_KEY_PAIR",
    "ACCOUNT_NAME_TOKEN_PAIR",
    "KEY_FILE_PATH",
    "ANONYMOUS_ACCESS",
    "CONNECTION_STRING",
)
MAX_PAGE_SIZE = 500

_WRITE_FIELDS = {
    "provider_type": Field("str", required=True, choices=PROVIDERS),
    "resource": Field("str", required=True, allow_blank=False, max_length=222),
    "display_name": Field("str", required=True, allow_blank=False, max_length=63),
    "credentials_type": Field("str", required=True, choices=CREDENTIALS_TYPES),
    "session_token": Field("str", max_length=440),
    "account_name": Field("str", max_length=24),
    "key": Field("str", max_length=40),
    "secret_key": Field("str", max_length=64),
    "connection_string": Field("str", max_length=1024),
    "specific_attributes": Field("str", max_length=1024),
    "description": Field("str"),
    "manifests": Field("list"),
}
_CREDENTIALS = ("key", "secret_key", "session_token", "account_name", "connection_string")
_RESOURCE_SYMBOLS = {
    "AWS_S3_BUCKET": "abcdefghijklmnopqrstuvwxyz0123456789-.",
    "AZURE_CONTAINER": "abcdefghijklmnopqrstuvwxyz0123456789-",
    "GOOGLE_CLOUD_STORAGE": "abcdefghijklmnopqrstuvwxyz0123456789-_.",
}


def _text_400(errors: Mapping[str, Any]) -> Response:
    """``CloudStorageViewSet.create``: ``HttpResponseBadRequest`` of ``field: first message``
    lines (Django's ``text/html``)."""
    body = ""
    for name, messages in errors.items():
        first = messages if isinstance(messages, str) else str(messages[0])
        body += f"{name}: {first}\n"
    return Response(400, body.encode(), "text/html; charset=utf-8")


def _plain_400(message: str) -> Response:
    return Response(400, message.encode(), "text/html; charset=utf-8")


# -- permissions (cloudstorages.rego) -------------------------------------------------------------


def _owner_id(row: Obj) -> Any:
    owner = row.get("owner")
    return owner.get("id") if isinstance(owner, dict) else owner


def _allow(scope_name: str, a: _Auth, owner: Any, org_id: Any) -> bool:
    if a.is_admin:
        return True
    is_owner = owner is not None and owner == a.user_id
    if scope_name == "create":
        if a.is_sandbox:
            return a.has_perm("user")
        return a.same_org(org_id) and a.has_perm("user") and a.org_has_perm("maintainer")
    if scope_name == "list":
        return a.is_sandbox or a.is_member
    if scope_name in ("view", "list:content"):
        if a.is_sandbox:
            return is_owner
        return a.same_org(org_id) and (
            (a.is_member and is_owner) or (a.has_perm("user") and a.org_has_perm("supervisor"))
        )
    if scope_name in ("update", "delete"):
        if a.is_sandbox:
            return a.has_perm("worker") and is_owner
        return a.same_org(org_id) and (
            (a.is_member and a.has_perm("worker") and is_owner)
            or (a.has_perm("user") and a.org_has_perm("maintainer"))
        )
    return False


def _list_filter(store: Store, who: Actor, current: OrgScope | None) -> Callable[[Obj], bool]:
    org_id = current.org_id if current is not None else None
    a = _auth(store, who, org_id)
    if not _allow("list", a, None, org_id):
        raise HttpError(403, {"detail": DENIED})
    if a.is_admin or (a.has_perm("user") and a.org_has_perm("supervisor")):
        base: Callable[[Obj], bool] = lambda row: True  # noqa: E731
    else:
        base = lambda row: _owner_id(row) == a.user_id  # noqa: E731
    if a.is_sandbox and current is None:
        return base
    if a.is_sandbox:
        return lambda row: row.get("organization") is None and base(row)
    return lambda row: row.get("organization") == org_id and base(row)


def visible(store: Store, who: Actor, storage: Obj, action: str) -> bool:
    """Whether ``who`` may ``action`` the storage, in the storage's own organization (the
    check task creation from a cloud storage makes: ``CloudStoragePermission`` ``view``)."""
    a = _auth(store, who, storage.get("organization"))
    return _allow(action, a, _owner_id(storage), storage.get("organization"))


def _get(ctx: Context, action: str) -> Obj:
    """``get_object``: the list's filters (404), then the object permission (403)."""
    raw = ctx.params["id"]
    store = ctx.app.store
    row = store.get(RESOURCE, int(raw)) if raw.isdigit() else None
    missing = HttpError(404, {"detail": "No CloudStorage matches the given query."})
    if row is None:
        raise missing
    scope(ctx)
    item_url = ctx.request.path == f"/api/cloudstorages/{raw}"
    if item_url and not listing.detail_filter(RESOURCE, row, ctx.request.query, store=store):
        raise missing  # DRF's get_object filters as the list does, on the item URL
    if not visible(store, actor(ctx), row, action):
        raise HttpError(403, {"detail": DENIED})
    return row


# -- serialization --------------------------------------------------------------------------------


def serialize(store: Store, row: Obj) -> Obj:
    """``CloudStorageReadSerializer`` (credentials excluded)."""
    owner = store.basic_user(_owner_id(row))
    return {
        "id": row["id"],
        "owner": None
        if owner is None
        else {k: owner[k] for k in ("url", "id", "username", "first_name", "last_name")},
        "manifests": list(row.get("manifests") or []),
        "created_date": row["created_date"],
        "updated_date": row["updated_date"],
        "provider_type": row["provider_type"],
        "resource": row["resource"],
        "display_name": row["display_name"],
        "credentials_type": row["credentials_type"],
        "specific_attributes": row.get("specific_attributes", ""),
        "description": row.get("description", ""),
        "organization": row.get("organization"),
    }


# -- the serializer's checks ----------------------------------------------------------------------


def _checked(body: Mapping[str, Any], *, partial: bool, instance: Obj | None) -> dict[str, Any]:
    """``CloudStorageWriteSerializer`` validation; raises ``HttpError(400, {field: [...]})``."""
    clean = validate(body, _WRITE_FIELDS, partial=partial)
    if "manifests" in clean:
        names = clean["manifests"]
        bad = [n for n in names if not isinstance(n, str) or not n.strip() or len(n) > 1024]
        if bad:
            raise HttpError(400, {"manifests": ["Not a valid string."]})
    attributes = clean.get("specific_attributes")
    if attributes and any(len(part.split("=")) != 2 for part in attributes.split("&")):
        raise HttpError(400, {"specific_attributes": ["Invalid specific attributes"]})
    provider = clean.get("provider_type") or (instance or {}).get("provider_type")
    if clean.get("provider_type") == "AZURE_CONTAINER" and not (
        clean.get("account_name") or clean.get("connection_string")
    ):
        raise HttpError(
            400,
            {
                "non_field_errors": [
                    "Account name or connection string for Azure container was not specified"
                ]
            },
        )
    resource = clean.get("resource")
    if resource and provider in _RESOURCE_SYMBOLS:
        odd = set(resource) - set(_RESOURCE_SYMBOLS[provider])
        if odd:
            found = ",".join(sorted(odd))
            raise HttpError(400, {"resource": [f"Invalid characters ({found}) were found."]})
    return clean


def _check_prefix(attributes: str) -> None:
    """``_validate_prefix`` raises a non-dict ``ValidationError``, which the view's handler
    cannot format: a 500."""
    prefix = dict(parse_qsl(attributes or "", keep_blank_values=True)).get("prefix")
    if prefix and (prefix.startswith("/") or "" in prefix.strip("/").split("/")):
        raise server_error()


def _service_account_problem(key_file: bytes) -> str | None:
    """What ``Client.from_service_account_json`` raises for a key file it cannot use."""
    try:
        info = json.loads(key_file.decode("utf-8"))
    except ValueError as error:
        return str(error)  # the JSONDecodeError, e.g. "Expecting value: line 1 column 1 ..."
    if not isinstance(info, dict):
        return "Service account info was not in the expected format."
    missing = sorted({"client_email", "token_uri"} - set(info))
    if missing:
        return (
            "Service account info was not in the expected format, missing fields "
            f"{', '.join(missing)}."
        )
    return None


def _insufficient(provider: str, credentials: Mapping[str, str]) -> bool:
    """``S3CloudStorage.__init__``: exactly one of key, secret, token is an error."""
    given = [credentials.get(n) for n in ("key", "secret_key", "session_token")]
    return provider == "AWS_S3_BUCKET" and sum(1 for v in given if v) == 1


# -- handlers -------------------------------------------------------------------------------------


def list_storages(ctx: Context) -> Response:
    store = ctx.app.store
    current = scope(ctx)
    keep = _list_filter(store, actor(ctx), current)
    provider = ctx.query.get("provider_type")
    if provider and provider not in PROVIDERS:
        raise HttpError(400, ["Unsupported type of cloud provider"])
    rows = [row for row in store.rows(RESOURCE) if keep(row)]
    return list_page(ctx, RESOURCE, rows, transform=lambda row: serialize(store, row))


def retrieve_storage(ctx: Context) -> Response:
    return ok(serialize(ctx.app.store, _get(ctx, "view")))


def _body(ctx: Context) -> dict[str, Any]:
    """The JSON body, or the multipart form (``manifests`` repeated, the ``key_file`` part's
    bytes under ``key_file``)."""
    header = ctx.request.headers.get_header("content-type") or ""
    if header.split(";")[0].strip() == "multipart/form-data":
        head = f"Content-Type: {header}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            head + ctx.request.body
        )
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if not isinstance(name, str):
                continue
            if part.get_filename() is not None:
                form[name] = data
            elif name == "manifests":
                form.setdefault("manifests", []).append(data.decode("utf-8", "replace"))
            else:
                form[name] = data.decode("utf-8", "replace")
        return form
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise HttpError(400, {"non_field_errors": ["Invalid data. Expected a dictionary."]})
    return body


def create_storage(ctx: Context) -> Response:
    store = ctx.app.store
    current = scope(ctx)
    org_id = current.org_id if current is not None else None
    if not _allow("create", _auth(store, actor(ctx), org_id), actor(ctx).id, org_id):
        raise HttpError(403, {"detail": DENIED})
    body = _body(ctx)
    try:
        clean = _checked(body, partial=False, instance=None)
    except HttpError as error:
        return _text_400(error.body)
    credentials = {name: str(clean.get(name) or "") for name in _CREDENTIALS}
    if _insufficient(clean["provider_type"], credentials):
        return _plain_400("Insufficient data for authentication")
    key_file = body.get("key_file")
    if isinstance(key_file, bytes) and clean["provider_type"] == "GOOGLE_CLOUD_STORAGE":
        problem = _service_account_problem(key_file)
        if problem:
            return _plain_400(problem)
        credentials["key_file"] = "given"
    _check_prefix(clean.get("specific_attributes", ""))
    status = cloud_provider.status_of(
        store,
        clean["provider_type"],
        clean["resource"],
        clean["credentials_type"],
        clean.get("specific_attributes", ""),
        credentials,
    )
    if status != cloud_provider.AVAILABLE:
        return _text_400(_refused(status, "create", clean["resource"]))
    manifests = [str(name) for name in clean.get("manifests") or []]
    bucket = cloud_provider.provider(store).bucket(clean["resource"])
    missing = [name for name in manifests if name not in bucket]
    if missing:
        return _text_400(
            {
                "manifests": f"The '{missing[0]}' file does not exist on "
                f"'{clean['resource']}' cloud storage"
            }
        )
    stamp = now_iso()
    row: Obj = {
        "id": store.next_id(RESOURCE),
        "owner": store.basic_user(actor(ctx).id),
        "manifests": manifests,
        "created_date": stamp,
        "updated_date": stamp,
        "provider_type": clean["provider_type"],
        "resource": clean["resource"],
        "display_name": clean["display_name"],
        "credentials_type": clean["credentials_type"],
        "specific_attributes": clean.get("specific_attributes", ""),
        "description": clean.get("description", ""),
        "organization": org_id,
    }
    stored = store.put(RESOURCE, row)
    cloud_provider.provider(store).credentials[stored["id"]] = credentials
    return ok(serialize(store, stored), 201)


def _refused(status: str, verb: str, resource: str) -> dict[str, list[str]]:
    if status == cloud_provider.FORBIDDEN:
        return {
            "credentials": [
                f"Cannot {verb} resource {resource} with specified credentials. Access forbidden."
            ]
        }
    return {"resource": [f"The resource {resource} not found. It may have been deleted."]}


def update_storage(ctx: Context) -> Response:
    """``partial_update``: the serializer's errors are DRF's JSON here (only ``create`` turns
    them into text), except the bucket verdict, raised from ``update()`` the same way."""
    store = ctx.app.store
    row = _get(ctx, "update")
    body = _body(ctx)
    clean = _checked(body, partial=True, instance=row)
    state = cloud_provider.provider(store)
    credentials = dict(state.credentials.get(row["id"], {}))
    credentials.update({n: str(clean[n]) for n in _CREDENTIALS if n in clean})
    changes: dict[str, Any] = {
        name: clean[name]
        for name in (
            "credentials_type", "resource", "display_name", "description", "specific_attributes",
        )
        if name in clean
    }
    merged = {**row, **changes}
    _check_prefix(merged.get("specific_attributes", ""))
    status = cloud_provider.status_of(
        store,
        merged["provider_type"],
        merged["resource"],
        merged["credentials_type"],
        merged.get("specific_attributes", ""),
        credentials if row["id"] in state.credentials or clean.keys() & set(_CREDENTIALS)
        else None,
    )
    if status != cloud_provider.AVAILABLE:
        raise HttpError(400, _refused(status, "update", merged["resource"]))
    if "manifests" in clean:
        bucket = state.bucket(merged["resource"])
        added = [str(n) for n in clean["manifests"] if n not in (row.get("manifests") or [])]
        missing = [name for name in added if name not in bucket]
        if missing:
            raise HttpError(
                400,
                {
                    "manifests": [
                        f"The '{missing[0]}' file does not exist on "
                        f"'{merged['resource']}' cloud storage"
                    ]
                },
            )
        changes["manifests"] = sorted({str(n) for n in clean["manifests"]})
    if row["id"] in state.credentials or clean.keys() & set(_CREDENTIALS):
        state.credentials[row["id"]] = credentials
    changes["updated_date"] = now_iso()
    stored = store.update(RESOURCE, row["id"], changes)
    return ok(serialize(store, stored))


def delete_storage(ctx: Context) -> Response:
    store = ctx.app.store
    row = _get(ctx, "delete")
    store.remove(RESOURCE, row["id"])
    cloud_provider.provider(store).credentials.pop(row["id"], None)
    return Response.empty(204)


def _bucket(ctx: Context, row: Obj) -> cloud_provider.Bucket:
    return cloud_provider.bucket_of(ctx.app.store, row)


def _unreachable(bucket: cloud_provider.Bucket) -> Response:
    """``validate_bucket_status`` after the provider call failed: 403 or 404, its message as
    a JSON string (the view returns ``Response(data=msg)``)."""
    if bucket.status == cloud_provider.FORBIDDEN:
        message = f"The resource {bucket.name} is no longer available. Access forbidden."
        return Response.json(message, 403)
    return Response.json(f"The resource {bucket.name} not found. It may have been deleted.", 404)


def content(ctx: Context) -> Response:
    row = _get(ctx, "list:content")
    query = ctx.query
    prefix = query.get("prefix", "")
    page_size_text = query.get("page_size", str(MAX_PAGE_SIZE))
    if not page_size_text.isnumeric():
        return _plain_400("Wrong value for page_size was found")
    page_size = min(int(page_size_text), MAX_PAGE_SIZE)
    if prefix.startswith("/"):
        prefix = prefix[1:]
    token = query.get("next_token")
    bucket = _bucket(ctx, row)
    if bucket.status != cloud_provider.AVAILABLE:
        # the provider's listing call raises (no endpoint, no bucket, no access), which the
        # view answers with its bare 500
        return Response.json("An internal error has occurred", 500)
    manifest_path = query.get("manifest_path")
    if manifest_path:
        if manifest_path not in bucket.files:
            return Response.json(
                f"The file '{manifest_path}' not found on the cloud storage '{bucket.name}'", 404
            )
        try:
            start = int(token or "0")
        except ValueError:
            return _plain_400("Wrong value for the next_token parameter was found.")
        page = bucket.manifest_page(manifest_path, prefix, start, page_size)
    else:
        try:
            page = bucket.list_page(prefix, token, page_size)
        except ValueError:
            return Response.json("An internal error has occurred", 500)
    for entry in page["content"]:
        entry["mime_type"] = (
            "DIR" if entry["type"] == "DIR" else cloud_provider.mime_of(entry["name"])
        )
    following = page["next"]
    return ok(
        {"next": None if following is None else str(following), "content": page["content"]}
    )


def status(ctx: Context) -> Response:
    row = _get(ctx, "view")
    return ok(_bucket(ctx, row).status)


def preview(ctx: Context) -> Response:
    """The first image of the storage's manifest (the image itself: a small one already).
    A storage without manifests has only a preview some earlier request cached, which
    LocalCVAT never has: ``HttpResponseNotFound``, as the real view answers then."""
    row = _get(ctx, "view")
    manifests = row.get("manifests") or []
    if not manifests:
        return Response(404, b"Cloud storage preview not found", "text/html; charset=utf-8")
    bucket = _bucket(ctx, row)
    if bucket.status != cloud_provider.AVAILABLE:
        return _unreachable(bucket)
    folder = manifests[0].rpartition("/")[0]
    try:
        names = [
            f"{folder}/{name}" if folder else name for name in bucket.manifest_names(manifests[0])
        ]
    except KeyError:
        return Response.json(
            f"The file '{manifests[0]}' not found on the cloud storage '{bucket.name}'", 404
        )
    images = [n for n in names if cloud_provider.mime_of(n) == "image" and n in bucket.files]
    if not images:
        return Response.json("Cloud storage preview not found", 404)
    return Response(200, bucket.files[images[0]], "image/png")


def actions(ctx: Context) -> Response:
    """``Response(actions, content_type="text/plain")``: the set of actions as JSON, under
    a ``text/plain`` header; a bucket that cannot be reached is the view's plain 400."""
    row = _get(ctx, "view")
    bucket = _bucket(ctx, row)
    if bucket.status != cloud_provider.AVAILABLE:
        endpoint = cloud_provider.attributes(row).get("endpoint_url", "")
        return _plain_400(
            f'Could not connect to the endpoint URL: "{endpoint}/{bucket.name}?policy"'
        )
    return Response(200, json.dumps(["read", "write"]).encode(), "text/plain")


def register(router: Router) -> None:
    router.add("GET", "/api/cloudstorages", list_storages)
    router.add("POST", "/api/cloudstorages", create_storage)
    router.add("GET", "/api/cloudstorages/{id}", retrieve_storage)
    router.add("PATCH", "/api/cloudstorages/{id}", update_storage)
    router.add("DELETE", "/api/cloudstorages/{id}", delete_storage)
    router.add("GET", "/api/cloudstorages/{id}/content-v2", content)
    router.add("GET", "/api/cloudstorages/{id}/status", status)
    router.add("GET", "/api/cloudstorages/{id}/preview", preview)
    router.add("GET", "/api/cloudstorages/{id}/actions", actions)
