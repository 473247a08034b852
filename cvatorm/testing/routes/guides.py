"""``/api/guides`` and ``/api/assets``: CVAT's ``AnnotationGuidesViewSet`` and ``AssetsViewSet``
(``cvat/apps/engine/views.py``).

Guides: create (one of ``task_id``/``project_id``; a target that already has a guide breaks the
one-to-one constraint: 500), retrieve, PATCH (the markdown; ``task_id``/``project_id`` move the
guide, as the real serializer allows), delete. Saving the markdown runs
``_update_related_assets``: assets of other guides it links are copied to this one (new uuid,
the link rewritten), this guide's assets it no longer links are deleted. Assets: multipart
upload with the real limits (10 MB, the supported types judged by the part's content type, 150
per guide), download (the file, ``inline``); their DELETE is the real server's 500 (see
:func:`delete_asset`).

Guides and assets live beside the store (keyed weakly by it, like task media): a guide whose
task or project is gone is gone too. The target's and its jobs' ``guide_id`` are kept in step.
Who may do what is ``annotationguides.rego``, in the organization of the guide's target.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.permissions import DENIED, _Auth, _auth
from cvatorm.testing.routes.common import actor, ok
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Obj, Store, now_iso

ASSET_MAX_SIZE = 10 * 1024 * 1024
ASSET_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
ASSET_MAX_COUNT_PER_GUIDE = 150
_ASSET_LINK = re.compile(
    r"\(/api/assets/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})\)"
)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


@dataclass
class Asset:
    uuid: str
    filename: str
    content_type: str
    data: bytes
    owner_id: int | None
    guide_id: int
    created_date: str = field(default_factory=now_iso)


@dataclass
class Guides:
    """The guides and assets of one store."""

    guides: dict[int, Obj] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    last_id: int = 0


_STATE: weakref.WeakKeyDictionary[Store, Guides] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def state(store: Store) -> Guides:
    with _LOCK:
        found = _STATE.get(store)
        if found is None:
            found = _STATE[store] = Guides()
        return found


def _target(store: Store, guide: Obj) -> tuple[str, Obj] | None:
    """The guide's task or project (None once it was deleted: the guide went with it)."""
    if guide.get("project_id") is not None:
        project = store.get("projects", guide["project_id"])
        return ("projects", project) if project is not None else None
    task = store.get("tasks", guide.get("task_id") or 0)
    return ("tasks", task) if task is not None else None


def _live(store: Store, guide_id: int) -> Obj | None:
    guides = state(store)
    guide = guides.guides.get(guide_id)
    if guide is not None and _target(store, guide) is None:
        _forget(guides, guide_id)
        return None
    return guide


def _forget(guides: Guides, guide_id: int) -> None:
    guides.guides.pop(guide_id, None)
    for key in [k for k, a in guides.assets.items() if a.guide_id == guide_id]:
        del guides.assets[key]


def _set_guide_id(store: Store, resource: str, target_id: int, guide_id: int | None) -> None:
    """The target's ``guide_id`` and its jobs' (``Job.get_guide_id``: the project's guide for
    tasks in a project, else the task's)."""
    if store.get(resource, target_id) is None:
        return
    with store.transaction():
        store.update(resource, target_id, {"guide_id": guide_id})
        if resource == "projects":
            task_ids = {task["id"] for task in store.find("tasks", project_id=target_id)}
        else:
            task = store.get("tasks", target_id) or {}
            task_ids = set() if task.get("project_id") is not None else {target_id}
        for job in store.all("jobs"):
            if job.get("task_id") in task_ids:
                store.update("jobs", job["id"], {"guide_id": guide_id})


# -- permissions (annotationguides.rego) ----------------------------------------------------------


def _owner(obj: Obj) -> Any:
    value = obj.get("owner")
    return value.get("id") if isinstance(value, dict) else value


def _is_job_staff(store: Store, resource: str, target: Obj, user_id: int) -> bool:
    if resource == "projects":
        task_ids = {task["id"] for task in store.find("tasks", project_id=target["id"])}
    else:
        task_ids = {target["id"]}
    return any(
        _owner({"owner": job.get("assignee")}) == user_id
        for job in store.all("jobs")
        if job.get("task_id") in task_ids
    )


def _allow(scope: str, a: _Auth, store: Store, resource: str, target: Obj | None) -> bool:
    if a.is_admin:
        return True
    if target is None:
        return False
    staff = a.user_id in (_owner(target), _owner({"owner": target.get("assignee")}))
    org_id = target.get("organization")
    if scope == "view" and (
        staff or _is_job_staff(store, resource, target, a.user_id)
    ):
        if a.is_sandbox:
            return a.has_perm("worker")
        if a.same_org(org_id) and a.is_member:
            return True
    if a.is_sandbox:
        return scope in ("create", "update", "delete") and a.has_perm("user") and staff
    if not a.same_org(org_id):
        return False
    if a.has_perm("user") and a.org_has_perm("maintainer"):
        return True
    return scope in ("create", "update", "delete") and a.is_member and a.has_perm("user") and staff


def _check(ctx: Context, scope: str, resource: str, target: Obj | None) -> None:
    store = ctx.app.store
    org_id = (target or {}).get("organization")
    a = _auth(store, actor(ctx), org_id)
    if not _allow(scope, a, store, resource, target):
        raise HttpError(403, {"detail": DENIED})


def _guide_of_url(ctx: Context, scope: str) -> Obj:
    raw = ctx.params["id"]
    if not raw.isdigit():
        raise HttpError(404, {"detail": "Not found."})
    store = ctx.app.store
    guide = _live(store, int(raw))
    if guide is None:
        raise HttpError(404, {"detail": "No AnnotationGuide matches the given query."})
    found = _target(store, guide)
    assert found is not None
    _check(ctx, scope, found[0], found[1])
    return guide


# -- guides ---------------------------------------------------------------------------------------


def _read(guide: Obj) -> Obj:
    return {
        "id": guide["id"],
        "task_id": guide.get("task_id"),
        "project_id": guide.get("project_id"),
        "created_date": guide["created_date"],
        "updated_date": guide["updated_date"],
        "markdown": guide.get("markdown", ""),
    }


def _written(guide: Obj) -> Obj:
    """``AnnotationGuideWriteSerializer``'s answer: no dates."""
    return {k: guide.get(k) for k in ("id", "task_id", "project_id")} | {
        "markdown": guide.get("markdown", "")
    }


def _int_or_none(body: Obj, name: str) -> tuple[bool, int | None]:
    if name not in body:
        return False, None
    value = body[name]
    if value is None:
        return True, None
    if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
        raise HttpError(400, {name: ["A valid integer is required."]})
    return True, int(str(value).strip())


def _markdown(body: Obj) -> str | None:
    if "markdown" not in body:
        return None
    value = body["markdown"]
    if value is None:
        raise HttpError(400, {"markdown": ["This field may not be null."]})
    if isinstance(value, (dict, list, bool)):
        raise HttpError(400, {"markdown": ["Not a valid string."]})
    text = str(value)
    if len(set(_ASSET_LINK.findall(text))) > ASSET_MAX_COUNT_PER_GUIDE:
        raise HttpError(400, {"markdown": ["Maximum number of assets per guide reached"]})
    return text


def _lookup_target(store: Store, project_id: int | None, task_id: int | None) -> tuple[str, Obj]:
    if project_id is not None:
        project = store.get("projects", project_id)
        if project is None:
            raise HttpError(400, ["Project matching query does not exist."])
        return "projects", project
    if task_id is not None:
        task = store.get("tasks", task_id)
        if task is None:
            raise HttpError(400, ["Task matching query does not exist."])
        return "tasks", task
    return "", {}


def _taken(store: Store, resource: str, target_id: int, except_id: int | None = None) -> bool:
    column = "project_id" if resource == "projects" else "task_id"
    return any(
        guide.get(column) == target_id and guide["id"] != except_id
        for guide in list(state(store).guides.values())
        if _live(store, guide["id"]) is not None
    )


def create_guide(ctx: Context) -> Response:
    store = ctx.app.store
    body = ctx.request.json_object()
    _, project_id = _int_or_none(body, "project_id")
    _, task_id = _int_or_none(body, "task_id")
    resource, target = _lookup_target(store, project_id, task_id)
    _check(ctx, "create", resource, target or None)
    markdown = _markdown(body)
    if project_id is None and task_id is None:
        raise HttpError(400, ["One of project_id or task_id must be specified"])
    if project_id is not None and task_id is not None:
        raise HttpError(400, ["Both project_id and task_id must not be specified"])
    if _taken(store, resource, target["id"]):
        raise server_error()  # the one-to-one constraint
    guides = state(store)
    guides.last_id += 1
    stamp = now_iso()
    guide: Obj = {
        "id": guides.last_id,
        "task_id": task_id,
        "project_id": project_id,
        "created_date": stamp,
        "updated_date": stamp,
        "markdown": markdown or "",
    }
    guides.guides[guide["id"]] = guide
    _update_related_assets(ctx, guide)
    _set_guide_id(store, resource, target["id"], guide["id"])
    _touch(store, resource, target["id"])
    return ok(_written(guide), 201)


def retrieve_guide(ctx: Context) -> Response:
    return ok(_read(_guide_of_url(ctx, "view")))


def update_guide(ctx: Context) -> Response:
    store = ctx.app.store
    guide = _guide_of_url(ctx, "update")
    body = ctx.request.json_object()
    has_project, project_id = _int_or_none(body, "project_id")
    has_task, task_id = _int_or_none(body, "task_id")
    markdown = _markdown(body)
    before = _target(store, guide)
    assert before is not None
    moved = dict(guide)
    if has_project:
        moved["project_id"] = project_id
    if has_task:
        moved["task_id"] = task_id
    if has_project or has_task:
        if moved.get("project_id") is not None and moved.get("task_id") is not None:
            raise server_error()  # the "task or project" check constraint
        after = _target(store, moved)
        if after is None:
            raise server_error()  # a foreign key to nothing
        if _taken(store, after[0], after[1]["id"], except_id=guide["id"]):
            raise server_error()
    if markdown is not None:
        moved["markdown"] = markdown
    moved["updated_date"] = now_iso()
    guide.update(moved)
    _update_related_assets(ctx, guide)
    after = _target(store, guide)
    assert after is not None
    if (after[0], after[1]["id"]) != (before[0], before[1]["id"]):
        _set_guide_id(store, before[0], before[1]["id"], None)
        _set_guide_id(store, after[0], after[1]["id"], guide["id"])
    _touch(store, after[0], after[1]["id"])
    return ok(_written(guide))


def delete_guide(ctx: Context) -> Response:
    store = ctx.app.store
    guide = _guide_of_url(ctx, "delete")
    found = _target(store, guide)
    assert found is not None
    _forget(state(store), guide["id"])
    _set_guide_id(store, found[0], found[1]["id"], None)
    _touch(store, found[0], found[1]["id"])
    return Response.empty(204)


def _touch(store: Store, resource: str, target_id: int) -> None:
    if store.get(resource, target_id) is not None:
        store.update(resource, target_id, {"updated_date": now_iso()})


def _update_related_assets(ctx: Context, guide: Obj) -> None:
    """Copy the linked assets of other guides the user may view; delete this guide's assets
    the markdown no longer links."""
    store = ctx.app.store
    guides = state(store)
    linked = set(_ASSET_LINK.findall(guide.get("markdown", "")))
    keep: set[str] = set()
    markdown = guide.get("markdown", "")
    for asset_id in sorted(linked):
        asset = guides.assets.get(asset_id.lower())
        if asset is None:
            continue
        if asset.guide_id == guide["id"]:
            keep.add(asset.uuid)
            continue
        other = _live(store, asset.guide_id)
        found = _target(store, other) if other is not None else None
        if found is None:
            continue
        a = _auth(store, actor(ctx), found[1].get("organization"))
        if not _allow("view", a, store, found[0], found[1]):
            continue
        copy = Asset(
            str(uuid.uuid4()), asset.filename, asset.content_type, asset.data,
            actor(ctx).id, guide["id"],
        )
        guides.assets[copy.uuid] = copy
        keep.add(copy.uuid)
        markdown = markdown.replace(f"(/api/assets/{asset_id})", f"(/api/assets/{copy.uuid})")
    guide["markdown"] = markdown
    for key in [k for k, a in guides.assets.items() if a.guide_id == guide["id"]]:
        if key not in keep:
            del guides.assets[key]


# -- assets ---------------------------------------------------------------------------------------


def _parts(ctx: Context) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    """The multipart fields and files (name, content type, bytes); only ``MultiPartParser``."""
    header = ctx.request.headers.get_header("content-type") or ""
    if not header.startswith("multipart/form-data"):
        media = header.split(";")[0].strip()
        raise HttpError(415, {"detail": f'Unsupported media type "{media}" in request.'})
    head = f"Content-Type: {header}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head + ctx.request.body
    )
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None and name == "file":
            base = filename.replace("\\", "/").rsplit("/", 1)[-1]
            files.append((base, part.get_content_type(), data))
        elif isinstance(name, str):
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def _asset_of_url(ctx: Context) -> Asset:
    raw = ctx.params["uuid"]
    if not _UUID.match(raw):
        raise HttpError(404, {"detail": "Not found."})
    store = ctx.app.store
    key = str(uuid.UUID(raw))
    asset = state(store).assets.get(key)
    if asset is None or _live(store, asset.guide_id) is None:
        raise HttpError(404, {"detail": "No Asset matches the given query."})
    return asset


def _guide_target(store: Store, guide_id: int) -> tuple[str, Obj]:
    guide = _live(store, guide_id)
    found = _target(store, guide) if guide is not None else None
    if found is None:
        raise HttpError(400, ["AnnotationGuide matching query does not exist."])
    return found


def create_asset(ctx: Context) -> Response:
    store = ctx.app.store
    fields, files = _parts(ctx)
    raw_guide = fields.get("guide_id", "")
    if not raw_guide.strip().isdigit():
        if raw_guide.strip():
            raise server_error()  # AnnotationGuide.objects.get(id="x"): a ValueError
        raise HttpError(400, ["AnnotationGuide matching query does not exist."])
    guide_id = int(raw_guide)
    resource, target = _guide_target(store, guide_id)
    _check(ctx, "update", resource, target)
    if not files:
        raise HttpError(400, {"file": ["No file was submitted."]})
    filename, content_type, data = files[0]
    if not data:
        raise HttpError(400, {"file": ["The submitted file is empty."]})
    if len(filename) > 1024:
        raise HttpError(400, {"file": ["Ensure this filename has at most 1024 characters."]})
    if len(data) / (1024 * 1024) > ASSET_MAX_SIZE / (1024 * 1024):
        raise HttpError(400, {"file": ["Maximum size of asset is 10 MB"]})
    if content_type not in ASSET_TYPES:
        raise HttpError(
            400,
            {"file": [f"File is not supported as an asset. Supported are {ASSET_TYPES!r}"]},
        )
    guides = state(store)
    if sum(1 for a in guides.assets.values() if a.guide_id == guide_id) >= (
        ASSET_MAX_COUNT_PER_GUIDE
    ):
        raise HttpError(400, ["Maximum number of assets per guide reached"])
    asset = Asset(str(uuid.uuid4()), filename, content_type, data, actor(ctx).id, guide_id)
    guides.assets[asset.uuid] = asset
    owner = store.basic_user(asset.owner_id)
    return ok(
        {
            "uuid": asset.uuid,
            "filename": asset.filename,
            "created_date": asset.created_date,
            "owner": None
            if owner is None
            else {k: owner[k] for k in ("url", "id", "username", "first_name", "last_name")},
            "guide_id": guide_id,
        },
        201,
    )


def retrieve_asset(ctx: Context) -> Response:
    asset = _asset_of_url(ctx)
    resource, target = _guide_target(ctx.app.store, asset.guide_id)
    _check(ctx, "view", resource, target)
    return Response(
        200,
        asset.data,
        asset.content_type,
        [("Content-Disposition", f'inline; filename="{asset.filename}"')],
    )


def delete_asset(ctx: Context) -> Response:
    """CVAT 2.64 cannot delete an asset: ``get_object`` runs the ordering filter with the
    viewset's ``ordering = "uuid"``, which the write serializer used for a DELETE does not
    have (``KeyError: 'uuid'``), before any lookup. Assets go when the markdown that linked
    them is saved without the link (``_update_related_assets``)."""
    raise server_error()


def register(router: Router) -> None:
    router.add("POST", "/api/guides", create_guide)
    router.add("GET", "/api/guides/{id}", retrieve_guide)
    router.add("PATCH", "/api/guides/{id}", update_guide)
    router.add("DELETE", "/api/guides/{id}", delete_guide)
    router.add("POST", "/api/assets", create_asset)
    router.add("GET", "/api/assets/{uuid}", retrieve_asset)
    router.add("DELETE", "/api/assets/{uuid}", delete_asset)
