"""``POST /api/tasks/<id>/data/``: attach media to a task, by every protocol the real server has.

The upload itself (single request, ``Upload-Start``/``Upload-Multiple``/TUS/``Upload-Finish``)
is :mod:`cvatorm.testing.tus`; this module is what happens at the end: the ``DataRequest``
parameters are validated, and a background request (``action=create&target=task``) turns the
uploaded files into frames and the task's jobs, as the real server's ``task.create_thread``.
Frames are ordered by ``upload_file_order`` when given, else by ``sorting_method``.

With ``cloud_storage_id``, ``server_files`` name keys of that storage's bucket (LocalCVAT's
in-process provider, :mod:`cvatorm.testing.cloud_provider`): directories (``dir/``) are
expanded, a ``.jsonl`` key is the manifest whose images are used (all of them, or those
``filename_pattern`` matches), ``server_files_exclude`` removes files and folders, as the real
``_filter_cloud_storage_files``; a bucket the server cannot use fails the request with the
real ``NotFound``/``PermissionDenied`` message.
"""

from __future__ import annotations

import fnmatch
import random
import re
from typing import Any
from urllib.parse import quote

from cvatorm.testing import cloud_provider, consensus_replicas, media, tus
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.permissions import DENIED
from cvatorm.testing.routes import cloudstorages
from cvatorm.testing.routes.common import actor, get_checked
from cvatorm.testing.routes.requests import render_rq_id
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.share import Share
from cvatorm.testing.store import Store, now_iso

_AT_LEAST = "greater than or equal to"
_AT_MOST = "less than or equal to"
_SORTING = ("lexicographical", "natural", "predefined", "random")


def data_params(ctx: Context) -> dict[str, Any]:
    """The ``DataRequest`` fields of this request: JSON, form-encoded or multipart fields."""
    content_type = (ctx.request.headers.get_header("content-type") or "").split(";")[0].strip()
    if content_type == "multipart/form-data":
        fields, _ = tus.multipart(ctx)
        return dict(fields)
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise HttpError(400, {"non_field_errors": ["Invalid data. Expected a dictionary."]})
    return body


def _validated(params: dict[str, Any]) -> dict[str, Any]:
    if params.get("image_quality") in (None, ""):
        raise HttpError(400, {"image_quality": ["This field is required."]})
    quality = tus.as_int(params.get("image_quality"), "image_quality", 70)
    if quality < 0:
        raise HttpError(400, {"image_quality": [f"Ensure this value is {_AT_LEAST} 0."]})
    if quality > 100:
        raise HttpError(400, {"image_quality": [f"Ensure this value is {_AT_MOST} 100."]})
    sorting = str(params.get("sorting_method") or "lexicographical")
    if sorting not in _SORTING:
        raise HttpError(400, {"sorting_method": [f'"{sorting}" is not a valid choice.']})
    chunk_size = tus.as_int(params.get("chunk_size"), "chunk_size", 0)
    if chunk_size < 0 or (chunk_size == 0 and params.get("chunk_size") not in (None, "")):
        raise HttpError(400, {"chunk_size": ["Chunk size must be a positive integer"]})
    frame_filter = str(params.get("frame_filter") or "")
    if "frame_filter" in params and not re.search(r"step\s*=\s*([1-9]\d*)", frame_filter):
        # DataSerializer.validate_frame_filter: "" and step=0 included
        raise HttpError(400, {"frame_filter": ["Invalid frame filter expression"]})
    order = params.get("upload_file_order") or []
    if not isinstance(order, list):
        raise HttpError(400, {"upload_file_order": ["Expected a list of items."]})
    start_frame = tus.as_int(params.get("start_frame"), "start_frame", 0)
    stop_frame = tus.as_int(params.get("stop_frame"), "stop_frame", -1)
    if "start_frame" in params and "stop_frame" in params and start_frame > stop_frame:
        raise HttpError(
            400, {"non_field_errors": ["Stop frame must be more or equal start frame"]}
        )
    return {
        "image_quality": quality,
        "sorting_method": sorting,
        "chunk_size": chunk_size,
        "upload_file_order": [str(name) for name in order],
        "start_frame": start_frame,
        "stop_frame": stop_frame,
        "frame_filter": frame_filter,
        "server_files": list(params.get("server_files") or []),
        "remote_files": list(params.get("remote_files") or []),
        "cloud_storage_id": _cloud_storage_id(params.get("cloud_storage_id")),
        "filename_pattern": params.get("filename_pattern") or None,
        "server_files_exclude": list(params.get("server_files_exclude") or []),
    }


def _cloud_storage_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return tus.as_int(value, "cloud_storage_id", 0)


def _check_cloud_form(ctx: Context, params: dict[str, Any]) -> None:
    """``DataSerializer.validate`` on ``filename_pattern``, and the ``view`` permission on the
    cloud storage ``TaskPermission`` adds for a body naming one (400 if it does not exist)."""
    pattern = params["filename_pattern"]
    files = params["server_files"]
    if pattern and [name for name in files if not str(name).endswith(".jsonl")]:
        raise HttpError(
            400,
            {
                "non_field_errors": [
                    "The filename_pattern can only be used with specified manifest or "
                    "without server_files"
                ]
            },
        )
    if pattern and params["server_files_exclude"]:
        raise HttpError(
            400,
            {
                "non_field_errors": [
                    "The filename_pattern and server_files_exclude cannot be used together"
                ]
            },
        )
    storage_id = params["cloud_storage_id"]
    if not storage_id:
        return
    storage = ctx.app.store.get("cloudstorages", storage_id)
    if storage is None:
        raise HttpError(400, ["CloudStorage matching query does not exist."])
    if not cloudstorages.visible(ctx.app.store, actor(ctx), storage, "view"):
        raise HttpError(403, {"detail": DENIED})


def _cloud_files(store: Store, params: dict[str, Any]) -> tus.Files:
    """The media files of a cloud task, read from the bucket (``_filter_cloud_storage_files``
    and the download of each file)."""
    storage = store.get("cloudstorages", params["cloud_storage_id"])
    if storage is None:
        raise BackgroundFailure("CloudStorage matching query does not exist.")
    bucket = cloud_provider.bucket_of(store, storage)
    if bucket.status == cloud_provider.FORBIDDEN:
        raise BackgroundFailure(
            "rest_framework.exceptions.PermissionDenied: The resource "
            f"{bucket.name} is no longer available. Access forbidden.\n"
        )
    requested = [str(name) for name in params["server_files"]]
    endpoint = cloud_provider.attributes(storage).get("endpoint_url")
    folders = [name for name in requested if name.endswith("/")]
    manifests = [name for name in requested if name.endswith(".jsonl")]
    if bucket.status != cloud_provider.AVAILABLE and endpoint and folders and not manifests:
        # a folder is listed before anything asks for the bucket's status: botocore's error
        query = f"list-type=2&max-keys=500&delimiter=%2F&prefix={quote(folders[-1], safe='')}"
        raise BackgroundFailure(
            "botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint "
            f'URL: "{endpoint}/{bucket.name}?{query}&encoding-type=url"'
        )
    if bucket.status != cloud_provider.AVAILABLE:
        raise BackgroundFailure(
            "rest_framework.exceptions.NotFound: The resource "
            f"{bucket.name} not found. It may have been deleted.\n"
        )
    if len(manifests) > 1:
        raise BackgroundFailure("Only one manifest file can be attached to data")
    names = [name for name in requested if not name.endswith(".jsonl")]
    pattern = params["filename_pattern"]
    if manifests:
        folder = manifests[0].rpartition("/")[0]
        try:
            listed = [
                f"{folder}/{name}" if folder else name
                for name in bucket.manifest_names(manifests[0])
            ]
        except KeyError:
            raise BackgroundFailure(
                "rest_framework.exceptions.NotFound: The file "
                f"'{manifests[0]}' not found on the cloud storage '{bucket.name}'\n"
            ) from None
        if not names and not pattern:
            pattern = "*"
    else:
        listed = bucket.all_files()
    names = [
        item
        for name in names
        for item in ([i for i in listed if i.startswith(name)] if name.endswith("/") else [name])
    ]
    exclude = params["server_files_exclude"]
    if exclude:
        names = [
            name
            for name in names
            if name not in exclude
            and not any(name.startswith(folder) for folder in exclude if folder.endswith("/"))
        ]
    if pattern:
        candidates = listed if manifests else bucket.all_files()
        names += candidates if pattern == "*" else fnmatch.filter(candidates, pattern)
    if bucket.prefix:
        names = [name for name in names if name.startswith(bucket.prefix)]
    files: tus.Files = []
    for name in names:
        data = bucket.files.get(name)
        if data is None:
            raise BackgroundFailure(
                "rest_framework.exceptions.NotFound: The file "
                f"'{name}' not found on the cloud storage '{bucket.name}'\n"
            )
        files.append((name, data))
    return files


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _ordered(files: tus.Files, params: dict[str, Any]) -> tus.Files:
    order: list[str] = params["upload_file_order"]
    if order:
        by_name = {name: data for name, data in files}
        missing = [name for name in order if name not in by_name]
        if missing:
            raise BackgroundFailure(f"Some files were not uploaded: {', '.join(missing)}")
        return [(name, by_name[name]) for name in order]
    method = params["sorting_method"]
    if method == "lexicographical":
        return sorted(files, key=lambda item: item[0])
    if method == "natural":
        return sorted(files, key=lambda item: _natural_key(item[0]))
    if method == "random":
        shuffled = list(files)
        random.shuffle(shuffled)
        return shuffled
    return list(files)


def _step(frame_filter: str) -> int:
    """The N of ``step=N`` (validated with the request: only positive steps get here)."""
    match = re.search(r"step\s*=\s*([1-9]\d*)", frame_filter)
    return int(match.group(1)) if match else 1


def _chunk_size(requested: int, frame: media.Frame) -> int:
    """The real server's default: 36 frames of 1920x1080, scaled by area, within 2..72."""
    if requested:
        return requested
    area = max(frame.width * frame.height, 1)
    return max(2, min(72, 36 * 1920 * 1080 // area))


def _make_jobs(store: Store, task: dict[str, Any], size: int, chunk: int) -> None:
    segment = task.get("segment_size") or size
    overlap = task.get("overlap") or 0
    # Job.get_guide_id: the project's guide for a task in a project, else the task's
    project = store.get("projects", task["project_id"]) if task.get("project_id") else None
    guide_id = (project or task).get("guide_id")
    stamp = now_iso()
    start = 0
    while start < size:
        stop = min(start + segment - 1, size - 1)
        job_id = store.next_id("jobs")
        store.put(
            "jobs",
            {
                "assignee": None,
                "assignee_updated_date": None,
                "bug_tracker": task.get("bug_tracker") or "",
                "consensus_replicas": 0,
                "created_date": stamp,
                "data_chunk_size": chunk,
                "data_compressed_chunk_type": "imageset",
                "data_original_chunk_type": "imageset",
                "dimension": "2d",
                "frame_count": stop - start + 1,
                "guide_id": guide_id,
                "id": job_id,
                "issues": {},
                "labels": {},
                "mode": "annotation",
                "organization": task.get("organization"),
                "parent_job_id": None,
                "project_id": task.get("project_id"),
                "project_name": task.get("project_name"),
                "replicas_count": 0,
                "source_storage": dict(task["source_storage"])
                if task.get("source_storage")
                else None,
                "stage": "annotation",
                "start_frame": start,
                "state": "new",
                "status": "annotation",
                "stop_frame": stop,
                "target_storage": dict(task["target_storage"])
                if task.get("target_storage")
                else None,
                "task_id": task["id"],
                "task_name": task["name"],
                "type": "annotation",
                "updated_date": stamp,
                "url": "",
            },
        )
        consensus_replicas.add_replicas(store, task, store.get("jobs", job_id) or {})
        if stop >= size - 1:
            break
        start = stop + 1 - overlap if overlap < segment else stop + 1


def attach_frames(
    store: Store,
    task_id: int,
    frames: list[media.Frame],
    *,
    chunk_size: int,
    quality: int,
    frame_filter: str = "",
    cloud_storage_id: int | None = None,
) -> None:
    """Give a task its frames and jobs (the end of task creation; also used by backups)."""
    task = store.get("tasks", task_id)
    if task is None:
        raise BackgroundFailure(f"Task {task_id} was deleted")
    if not frames:
        raise BackgroundFailure("No media data found")
    chunk = _chunk_size(chunk_size, frames[0])
    data = media.attach(
        store, task_id, frames, chunk_size=chunk, quality=quality, frame_filter=frame_filter
    )
    with store.transaction():
        _make_jobs(store, task, len(frames), chunk)
        store.update(
            "tasks",
            task_id,
            {
                "data": data.data_id,
                "size": len(frames),
                "mode": "annotation",
                "data_chunk_size": chunk,
                "data_compressed_chunk_type": "imageset",
                "data_original_chunk_type": "imageset",
                "data_cloud_storage_id": cloud_storage_id,
                "image_quality": quality,
                "segment_size": task.get("segment_size") or len(frames),
                "overlap": task.get("overlap") or 0,
                "updated_date": now_iso(),
            },
        )


#: Where the real server mounts its share (``settings.SHARE_ROOT`` in CVAT's images).
SHARE_ROOT = "/home/django/share"


def _share_files(share: Share, params: dict[str, Any]) -> tus.Files:
    """``_copy_data_from_share_point``: each named file, each named folder's files, less
    ``server_files_exclude``; a name the share lacks fails as the real copy does."""
    exclude = params["server_files_exclude"]
    files: tus.Files = []
    for name in [str(item) for item in params["server_files"]]:
        found = share.files_under(name)
        if not found:
            raise BackgroundFailure(
                "FileNotFoundError: [Errno 2] No such file or directory: "
                f"'{SHARE_ROOT}/{name.strip('/')}'\n"
            )
        for path in found:
            excluded = path in exclude or any(
                path.startswith(folder) for folder in exclude if folder.endswith("/")
            )
            data = share.read(path)
            if not excluded and data is not None:
                files.append((path, data))
    return files


def _creation_work(
    store: Store, share: Share, task_id: int, files: tus.Files, params: dict[str, Any]
) -> Any:
    def work(request: BackgroundRequest) -> Outcome:
        if params["cloud_storage_id"]:
            with store.lock:
                files[:] = _cloud_files(store, params)
        elif params["server_files"]:
            files[:] = _share_files(share, params)
        if params["remote_files"]:
            raise BackgroundFailure("LocalCVAT does not download remote files")
        if not files:
            raise BackgroundFailure("No media data found")
        try:
            frames = media.make_frames(_ordered(files, params))
        except media.NotAnImage as error:
            raise BackgroundFailure(str(error)) from None
        except ValueError as error:  # a broken zip archive
            raise BackgroundFailure(f"Cannot read the uploaded files: {error}") from None
        stop = params["stop_frame"]
        last = len(frames) - 1 if stop < 0 else min(stop, len(frames) - 1)
        frames = frames[params["start_frame"] : last + 1 : _step(params["frame_filter"])]
        attach_frames(
            store,
            task_id,
            frames,
            chunk_size=params["chunk_size"],
            quality=params["image_quality"],
            frame_filter=params["frame_filter"],
            cloud_storage_id=params["cloud_storage_id"],
        )
        return Outcome()

    return work


def creation_in_progress(ctx: Context, task_id: int) -> bool:
    """Whether the background request creating this task's data is queued or running."""
    rq_id = render_rq_id(queue="import", action="create", target="task", id=task_id)
    existing = ctx.app.background.get(rq_id)
    return existing is not None and existing.active


def create_data(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "upload:data")
    # The real server saves the task's Data row before it queues the work: a second upload
    # is refused the same way while the first is still being processed.
    if task.get("data") is not None or creation_in_progress(ctx, task["id"]):
        raise HttpError(400, "Adding more data is not supported")
    return tus.handle_post(ctx, f"tasks/{task['id']}/data", _finish)


def _finish(ctx: Context, files: tus.Files) -> Response:
    task = get_checked(ctx, "tasks", "upload:data")
    params = _validated(data_params(ctx))
    _check_cloud_form(ctx, params)
    rq_id = render_rq_id(queue="import", action="create", target="task", id=task["id"])
    if creation_in_progress(ctx, task["id"]):
        raise HttpError(400, "Adding more data is not supported")
    operation = {
        "type": "create:task",
        "target": "task",
        "project_id": task.get("project_id"),
        "task_id": task["id"],
        "job_id": None,
        "format": None,
        "function_id": None,
    }
    work = _creation_work(ctx.app.store, ctx.app.share, task["id"], files, params)
    ctx.app.background.submit(rq_id, operation, ctx.user, work)
    return tus.rq_response(rq_id)


def data_chunk(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "upload:data")
    return tus.handle_chunk(ctx, f"tasks/{task['id']}/data")


def register(router: Router) -> None:
    router.add("POST", "/api/tasks/{id}/data/", create_data)
    tus.chunk_routes(router, "/api/tasks/{id}/data/{file_id}", data_chunk)
