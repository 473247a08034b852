"""``/api/{tasks,jobs}/<id>/annotations/``: read, replace, patch, delete, import a file.

``GET`` answers ``LabeledData``; ``PUT`` replaces; ``PATCH ?action=create|update|delete``
changes some objects and answers what it applied; ``DELETE`` empties. ``POST`` imports a file
(``?format=CVAT 1.1&filename=...``) through the upload protocols of :mod:`cvatorm.testing.tus`
and a background request (``action=import&target=task&...&subresource=annotations``); a file
that does not parse or names a label the task lacks fails the request with that message.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import annotation_data, formats, media, tus
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, ok
from cvatorm.testing.routes.requests import render_rq_id
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.validation import list_error

_ACTIONS = ("create", "update", "delete")


def _target(
    ctx: Context, resource: str, action: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(task, job or None) named by the URL, checked for ``action``."""
    obj = get_checked(ctx, resource, action)
    if resource == "tasks":
        return obj, None
    task = ctx.app.store.get("tasks", obj["task_id"])
    if task is None:
        raise HttpError(404, {"detail": "No Task matches the given query."})
    return task, obj


def _touch(store: Store, task: dict[str, Any], job: dict[str, Any] | None) -> None:
    stamp = now_iso()
    with store.transaction():
        store.update("tasks", task["id"], {"updated_date": stamp})
        if job is not None:
            store.update("jobs", job["id"], {"updated_date": stamp})


def read(ctx: Context, resource: str) -> Response:
    task, job = _target(ctx, resource, "view:annotations")
    store = ctx.app.store
    if job is not None:
        return ok(annotation_data.for_job(store, job["id"]))
    return ok(annotation_data.for_task(store, task["id"]))


def replace(ctx: Context, resource: str) -> Response:
    task, job = _target(ctx, resource, "update:annotations")
    data = annotation_data.parse(ctx.request.json())
    applied = annotation_data.apply(ctx.app.store, task, job, data, "put")
    _touch(ctx.app.store, task, job)
    return ok(applied)


def patch(ctx: Context, resource: str) -> Response:
    task, job = _target(ctx, resource, "update:annotations")
    action = ctx.query.get("action")
    if action not in _ACTIONS:
        raise list_error("Please specify a correct 'action' for the request")
    data = annotation_data.parse(ctx.request.json())
    applied = annotation_data.apply(ctx.app.store, task, job, data, action)
    _touch(ctx.app.store, task, job)
    return ok(applied)


def destroy(ctx: Context, resource: str) -> Response:
    task, job = _target(ctx, resource, "delete:annotations")
    if job is not None:
        annotation_data.remove_job(ctx.app.store, job["id"])
    else:
        annotation_data.remove_task(ctx.app.store, task["id"])
    _touch(ctx.app.store, task, job)
    return Response.empty(204)


def start_import(ctx: Context, resource: str) -> Response:
    task, job = _target(ctx, resource, "import:annotations")
    key = f"{resource}/{(job or task)['id']}/annotations"
    return tus.handle_post(ctx, key, lambda c, files: _finish_import(c, resource, files))


def _finish_import(ctx: Context, resource: str, files: tus.Files) -> Response:
    task, job = _target(ctx, resource, "import:annotations")
    format_name = ctx.query.get("format")
    if not format_name:
        raise list_error("Format is not specified")
    if format_name not in formats.IMPORT_FORMATS:
        raise list_error(f"Unknown input format '{format_name}'")
    data = tus.file_named(files, ctx.query.get("filename"))
    if data is None:
        raise list_error("No annotation file was uploaded")
    target = "job" if job is not None else "task"
    target_id = (job or task)["id"]
    rq_id = render_rq_id(
        queue="import", action="import", target=target, id=target_id, subresource="annotations"
    )
    existing = ctx.app.background.get(rq_id)
    if existing is not None and existing.active:
        raise HttpError(409, "Import of annotations is already in progress")
    operation = {
        "type": "import:annotations",
        "target": target,
        "project_id": task.get("project_id"),
        "task_id": task["id"],
        "job_id": job["id"] if job is not None else None,
        "format": format_name,
        "function_id": None,
    }
    store = ctx.app.store
    work = _import_work(store, task["id"], job["id"] if job is not None else None, data)
    ctx.app.background.submit(rq_id, operation, ctx.user, work)
    return tus.rq_response(rq_id)


def _import_work(store: Store, task_id: int, job_id: int | None, data: bytes) -> Any:
    def work(request: BackgroundRequest) -> Outcome:
        task = store.get("tasks", task_id)
        job = store.get("jobs", job_id) if job_id is not None else None
        if task is None or (job_id is not None and job is None):
            raise BackgroundFailure("The annotated object was deleted")
        found = media.media_of(store, task_id)
        names = {frame.name: n for n, frame in enumerate(found.frames)} if found else {}
        try:
            xml, _ = formats.read_archive(data)
            parsed = formats.parse_xml(xml)
            labeled = formats.to_labeled_data(
                parsed, names, task.get("size") or 0, annotation_data.label_ids(store, task)
            )
        except formats.FormatError as error:
            raise BackgroundFailure(str(error)) from None
        try:
            annotation_data.apply(store, task, job, labeled, "put")
        except HttpError as error:
            raise BackgroundFailure(f"Could not import annotations: {error.body}") from None
        _touch(store, task, job)
        return Outcome()

    return work


def _chunk(ctx: Context, resource: str) -> Response:
    obj = get_checked(ctx, resource, "import:annotations")
    return tus.handle_chunk(ctx, f"{resource}/{obj['id']}/annotations")


def register(router: Router) -> None:
    for resource in ("tasks", "jobs"):
        base = f"/api/{resource}/{{id}}/annotations/"

        def bind(handler: Any, r: str = resource) -> Any:
            return lambda ctx: handler(ctx, r)

        router.add("GET", base, bind(read))
        router.add("PUT", base, bind(replace))
        router.add("PATCH", base, bind(patch))
        router.add("DELETE", base, bind(destroy))
        router.add("POST", base, bind(start_import))
        tus.chunk_routes(router, base + "{file_id}", bind(_chunk))
