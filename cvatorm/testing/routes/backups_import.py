"""Restoring backups: ``POST /api/tasks/backup/`` and ``POST /api/projects/backup/``.

The file arrives by the upload protocols of :mod:`cvatorm.testing.tus` (``?filename=`` names it
at ``Upload-Finish``); a background request (``action=import&target=task&subresource=backup``)
recreates the object and reports its id as ``result_id``. A task backup is the real layout:
``task.json`` (name, labels, segment size, ``data`` parameters), ``annotations.json`` (a list of
job annotations, labels by name) and ``data/`` with the media; a project backup is
``project.json`` plus one such folder per task. A backup without ``data/`` restores a task
without media.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from cvatorm.testing import annotation_data, backup_content, media, tus
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Headers, Request, Response
from cvatorm.testing.routes import projects as project_routes
from cvatorm.testing.routes.common import check_create
from cvatorm.testing.routes.datasets import create_task_as
from cvatorm.testing.routes.requests import render_rq_id
from cvatorm.testing.routes.task_data import attach_frames
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.validation import list_error

_LABEL_KEYS = ("name", "color", "attributes", "type", "sublabels")


def _clean_label(spec: dict[str, Any]) -> dict[str, Any]:
    """A label of a manifest as a create request takes it (no ids of the old server)."""
    label = {key: spec[key] for key in _LABEL_KEYS if spec.get(key) is not None}
    label["attributes"] = [
        {k: v for k, v in attribute.items() if k != "id"}
        for attribute in label.get("attributes", [])
    ]
    if label.get("sublabels"):
        label["sublabels"] = [_clean_label(sub) for sub in label["sublabels"]]
    return label


def _read_json(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(archive.read(name))
    except KeyError:
        raise BackgroundFailure(f"Invalid backup: {name} is missing") from None
    except ValueError as error:
        raise BackgroundFailure(f"Invalid backup: {name} is not JSON: {error}") from None


def _restore_task(
    ctx_app: Any,
    user: dict[str, Any],
    headers: dict[str, str],
    archive: zipfile.ZipFile,
    prefix: str,
    project_id: int | None,
) -> int:
    manifest = _read_json(archive, prefix + "task.json")
    if not isinstance(manifest, dict) or not manifest.get("name"):
        raise BackgroundFailure("Invalid backup: task.json has no task name")
    body: dict[str, Any] = {
        "name": manifest["name"],
        "bug_tracker": manifest.get("bug_tracker") or "",
        "subset": manifest.get("subset") or "",
        "segment_size": manifest.get("segment_size") or 0,
    }
    if manifest.get("overlap") is not None:
        body["overlap"] = manifest["overlap"]
    if project_id is not None:
        body["project_id"] = project_id
    else:
        body["labels"] = [_clean_label(label) for label in manifest.get("labels") or []]
    try:
        task = create_task_as(ctx_app, user, headers, body)
    except HttpError as error:
        raise BackgroundFailure(f"Could not restore the task: {error.body}") from None
    store = ctx_app.store
    data_files = sorted(
        name
        for name in archive.namelist()
        if name.startswith(prefix + "data/") and not name.endswith("/")
    )
    if not data_files:
        return int(task["id"])
    params = manifest.get("data") or {}
    files = {name[len(prefix + "data/") :]: name for name in data_files}
    order = sorted(files)
    if "manifest.jsonl" in files:
        listed = backup_content.manifest_order(archive.read(files.pop("manifest.jsonl")))
        order = [name for name in listed if name in files] or sorted(files)
    try:
        frames = media.make_frames([(name, archive.read(files[name])) for name in order])
    except media.NotAnImage as error:
        raise BackgroundFailure(f"Invalid backup: {error}") from None
    attach_frames(
        store,
        task["id"],
        frames,
        chunk_size=int(params.get("chunk_size") or 0),
        quality=int(params.get("image_quality") or 70),
    )
    restored = media.media_of(store, task["id"])
    if restored is not None:
        restored.deleted = {
            n for n in params.get("deleted_frames") or [] if isinstance(n, int) and n < len(frames)
        }
    fresh = store.get("tasks", task["id"]) or task
    _restore_annotations(store, fresh, archive, prefix)
    return int(task["id"])


def _restore_annotations(
    store: Any, task: dict[str, Any], archive: zipfile.ZipFile, prefix: str
) -> None:
    if prefix + "annotations.json" not in archive.namelist():
        return
    saved = _read_json(archive, prefix + "annotations.json")
    labels = annotation_data.label_ids(store, task)
    merged = annotation_data.empty()
    for part in saved if isinstance(saved, list) else [saved]:
        for kind in annotation_data.KINDS:
            for obj in (part or {}).get(kind, []):
                name = obj.get("label")
                if name is None:
                    continue  # labels by id refer to the old server: nothing to map them to
                if name not in labels:
                    raise BackgroundFailure(f"Invalid backup: unknown label '{name}'")
                restored = {k: v for k, v in obj.items() if k not in ("label", "id")}
                restored["label_id"] = labels[name]
                merged[kind].append(restored)
    try:
        annotation_data.apply(store, task, None, merged, "put")
    except HttpError as error:
        raise BackgroundFailure(f"Invalid backup annotations: {error.body}") from None


def _restore_project(
    ctx_app: Any, user: dict[str, Any], headers: dict[str, str], archive: zipfile.ZipFile
) -> int:
    manifest = _read_json(archive, "project.json")
    if not isinstance(manifest, dict) or not manifest.get("name"):
        raise BackgroundFailure("Invalid backup: project.json has no project name")
    body = {
        "name": manifest["name"],
        "bug_tracker": manifest.get("bug_tracker") or "",
        "labels": [_clean_label(label) for label in manifest.get("labels") or []],
    }
    request = Request(
        method="POST",
        path="/api/projects",
        query_string="",
        headers=Headers({**headers, "content-type": "application/json"}),
        body=json.dumps(body).encode("utf-8"),
        user=user,
    )
    try:
        response = project_routes.create_project(Context(ctx_app, request, {}))
    except HttpError as error:
        raise BackgroundFailure(f"Could not restore the project: {error.body}") from None
    project_id = int(json.loads(response.body)["id"])
    folders = sorted(
        {
            name.split("/", 1)[0]
            for name in archive.namelist()
            if name.startswith("task_") and "/" in name
        },
        key=lambda folder: int(folder.split("_", 1)[1]) if folder[5:].isdigit() else 0,
    )
    for folder in folders:
        _restore_task(ctx_app, user, headers, archive, folder + "/", project_id)
    return project_id


def _work(ctx: Context, target: str, data: bytes) -> Any:
    app, user, headers = ctx.app, dict(ctx.user), dict(ctx.request.headers)

    def work(request: BackgroundRequest) -> Outcome:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise BackgroundFailure("Invalid backup: not a zip archive") from None
        with archive:
            if target == "task":
                return Outcome(result_id=_restore_task(app, user, headers, archive, "", None))
            return Outcome(result_id=_restore_project(app, user, headers, archive))

    return work


def start(ctx: Context, resource: str) -> Response:
    check_create(ctx, resource, {})
    return tus.handle_post(ctx, f"{resource}/backup", lambda c, f: _finish(c, resource, f))


def _finish(ctx: Context, resource: str, files: tus.Files) -> Response:
    target = resource[:-1]
    data = tus.file_named(files, ctx.query.get("filename"))
    if data is None:
        raise list_error("No backup file was uploaded")
    rq_id = render_rq_id(
        queue="import", action="import", target=target, id=uuid.uuid4(), subresource="backup"
    )
    operation = {
        "type": "import:backup",
        "target": target,
        "project_id": None,
        "task_id": None,
        "job_id": None,
        "format": None,
        "function_id": None,
    }
    ctx.app.background.submit(rq_id, operation, ctx.user, _work(ctx, target, data))
    return tus.rq_response(rq_id)


def _chunk(ctx: Context, resource: str) -> Response:
    check_create(ctx, resource, {})
    return tus.handle_chunk(ctx, f"{resource}/backup")


def register(router: Router) -> None:
    for resource in ("tasks", "projects"):

        def bind(handler: Any, r: str = resource) -> Any:
            return lambda ctx: handler(ctx, r)

        router.add("POST", f"/api/{resource}/backup/", bind(start))
        tus.chunk_routes(router, f"/api/{resource}/backup/{{file_id}}", bind(_chunk))
