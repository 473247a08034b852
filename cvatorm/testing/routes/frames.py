"""Reading a task's media: frames, chunks, ``/data/meta`` (and deleting frames), previews.

``GET /api/tasks/<id>/data/?type=frame&number=N&quality=...`` answers the uploaded image as is
(LocalCVAT does not re-encode, so ``compressed`` and ``original`` are the same bytes);
``type=chunk`` answers a zip of ``data_chunk_size`` frames. Jobs serve their own frame range:
frame numbers are the task's, chunk numbers count from the job's first frame. Tasks whose
media LocalCVAT does not hold (the seed tasks) answer 404 with a message that says so.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing import media
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, ok
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import now_iso
from cvatorm.testing.validation import list_error

_TYPES = ("chunk", "context_image", "frame")
_QUALITIES = ("compressed", "original")


def _media_or_error(ctx: Context, task: dict[str, Any]) -> media.TaskMedia:
    if task.get("data") is None:
        raise list_error("The task has no data")
    found = media.media_of(ctx.app.store, task["id"])
    if found is None:
        raise HttpError(
            404,
            {
                "detail": f"LocalCVAT holds no media for task {task['id']}: it was not uploaded "
                "through this server"
            },
        )
    return found


def _job_task(ctx: Context, action: str) -> tuple[dict[str, Any], dict[str, Any]]:
    job = get_checked(ctx, "jobs", action)
    task = ctx.app.store.get("tasks", job["task_id"])
    if task is None:
        raise HttpError(404, {"detail": "No Task matches the given query."})
    return job, task


def _serve_data(
    ctx: Context, data: media.TaskMedia, first: int, last: int, *, job: bool = False
) -> Response:
    """``_DataGetter``: its parameter checks (DRF 400 lists), then the frame provider's, whose
    ``ValidationError`` the view turns into a 400 with the message as a JSON string."""
    query = ctx.query
    kind = query.get("type")
    if not kind or kind not in (*_TYPES, "preview"):
        raise list_error("Data type not specified or has wrong value")
    quality = query.get("quality", "compressed")
    if kind in ("chunk", "frame", "preview"):
        if query.get("number") is None and kind != "preview":
            raise list_error("Number is not specified")
        if quality not in _QUALITIES:
            raise list_error("Wrong quality value")
    if kind == "preview":
        return _preview(data, first)
    try:
        number = int(query.get("number", ""))
    except ValueError:
        raise server_error() from None  # int(data_num) in _DataGetter.__init__, unguarded
    if kind == "context_image":
        raise HttpError(404, {"detail": "Context image not found"})
    if kind == "frame":
        if not first <= number <= last:
            if job:
                raise HttpError(400, f"Incorrect requested frame number: {number}")
            raise HttpError(
                400,
                f"Invalid frame '{number}'. "
                f"The frame number should be in the [0, {last + 1}] range",
            )
        frame = data.frame(number)
        return Response(200, frame.data, frame.mime)
    try:
        body = data.chunk(number, first, last)
    except IndexError:
        last_chunk = -(-(last - first + 1) // max(data.chunk_size, 1)) - 1
        raise HttpError(
            400,
            f"Invalid chunk number '{number}'. "
            f"The chunk number should be in the [0, {last_chunk}] range",
        ) from None
    return Response(200, body, "application/zip", [("X-Updated-Date", data.updated_date)])


def task_data(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "view:data")
    data = _media_or_error(ctx, task)
    return _serve_data(ctx, data, 0, data.stop_frame)


def job_data(ctx: Context) -> Response:
    job, task = _job_task(ctx, "view:data")
    data = _media_or_error(ctx, task)
    return _serve_data(ctx, data, job["start_frame"], job["stop_frame"], job=True)


def task_meta(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "view:metadata")
    return ok(_media_or_error(ctx, task).meta())


def job_meta(ctx: Context) -> Response:
    job, task = _job_task(ctx, "view:metadata")
    return ok(_media_or_error(ctx, task).meta(job["start_frame"], job["stop_frame"]))


def _deleted_frames(ctx: Context, first: int, last: int) -> set[int] | None:
    body = ctx.request.json_object()
    if "deleted_frames" not in body:
        return None
    frames = body["deleted_frames"]
    if not isinstance(frames, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in frames
    ):
        raise HttpError(400, {"deleted_frames": ["Expected a list of integers."]})
    outside = [n for n in frames if not first <= n <= last]
    if outside:
        raise HttpError(
            400, {"deleted_frames": [f"Frames {outside} are outside [{first}, {last}]"]}
        )
    return set(frames)


def update_task_meta(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "update:metadata")
    data = _media_or_error(ctx, task)
    deleted = _deleted_frames(ctx, 0, data.stop_frame)
    if deleted is not None:
        data.deleted = deleted
        data.updated_date = now_iso()
    return ok(data.meta())


def update_job_meta(ctx: Context) -> Response:
    job, task = _job_task(ctx, "update:metadata")
    data = _media_or_error(ctx, task)
    first, last = job["start_frame"], job["stop_frame"]
    deleted = _deleted_frames(ctx, first, last)
    if deleted is not None:
        data.deleted = {n for n in data.deleted if not first <= n <= last} | deleted
        data.updated_date = now_iso()
    return ok(data.meta(first, last))


def _preview(data: media.TaskMedia | None, frame: int) -> Response:
    if data is None or data.size == 0:
        raise HttpError(404, {"detail": "Preview not found"})
    image = data.frame(frame)
    return Response(200, image.data, image.mime)


def task_preview(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "view")
    return _preview(media.media_of(ctx.app.store, task["id"]), 0)


def job_preview(ctx: Context) -> Response:
    job, task = _job_task(ctx, "view")
    return _preview(media.media_of(ctx.app.store, task["id"]), job["start_frame"])


def project_preview(ctx: Context) -> Response:
    project = get_checked(ctx, "projects", "view")
    tasks = sorted(
        ctx.app.store.find("tasks", project_id=project["id"]), key=lambda t: t["id"], reverse=True
    )
    for task in tasks:
        found = media.media_of(ctx.app.store, task["id"])
        if found is not None and found.size:
            return _preview(found, 0)
    raise HttpError(404, {"detail": "Preview not found"})


def register(router: Router) -> None:
    router.add("GET", "/api/tasks/{id}/data/", task_data)
    router.add("GET", "/api/tasks/{id}/data/meta", task_meta)
    router.add("PATCH", "/api/tasks/{id}/data/meta", update_task_meta)
    router.add("GET", "/api/tasks/{id}/preview", task_preview)
    router.add("GET", "/api/jobs/{id}/data", job_data)
    router.add("GET", "/api/jobs/{id}/data/meta", job_meta)
    router.add("PATCH", "/api/jobs/{id}/data/meta", update_job_meta)
    router.add("GET", "/api/jobs/{id}/preview", job_preview)
    router.add("GET", "/api/projects/{id}/preview", project_preview)
