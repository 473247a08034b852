"""Dataset exports of tasks, jobs and projects, and dataset import into projects.

``POST /api/<resource>/<id>/dataset/export?format=...&save_images=...`` answers
``202 {"rq_id"}`` (``409`` with the same ``rq_id`` while an identical export runs); the finished
request's ``result_url`` (``/api/<resource>/<id>/dataset/download?rq_id=...``) serves the zip.
``POST /api/projects/<id>/dataset/?format=CVAT 1.1`` imports a dataset zip (XML plus
``images/``) through the upload protocols: one new task per subset, as the real importer.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from cvatorm.testing import annotation_data, formats, media, tus
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Headers, Request, Response
from cvatorm.testing.routes import tasks as task_routes
from cvatorm.testing.routes.common import get_checked, ok
from cvatorm.testing.routes.requests import finished_export, render_rq_id
from cvatorm.testing.routes.task_data import attach_frames
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store
from cvatorm.testing.validation import list_error


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_").lower() or "unnamed"


def _labels_by_id(store: Store, task: dict[str, Any]) -> dict[int, str]:
    return {label_id: name for name, label_id in annotation_data.label_ids(store, task).items()}


def _task_frames(
    store: Store,
    task: dict[str, Any],
    first: int,
    last: int | None,
    subset: str = "",
    offset: int = 0,
    *,
    save_images: bool = True,
) -> list[formats.FrameInfo]:
    if not task.get("size"):
        raise BackgroundFailure("Exporting without data is not allowed")
    found = media.media_of(store, task["id"])
    if found is None and not save_images:
        return _placeholder_frames(task, first, last, subset, offset)
    if found is None:
        raise BackgroundFailure(
            f"LocalCVAT holds no media for task {task['id']}: it was not uploaded through "
            "this server"
        )
    last = found.stop_frame if last is None else last
    return [
        formats.FrameInfo(
            number=offset + n,
            name=frame.name,
            width=frame.width,
            height=frame.height,
            subset=subset,
            task_id=task["id"] if subset else None,
            data=frame.data,
        )
        for n, frame in enumerate(found.frames)
        if first <= n <= last
    ]


def _placeholder_frames(
    task: dict[str, Any], first: int, last: int | None, subset: str, offset: int
) -> list[formats.FrameInfo]:
    """Frames of a task whose media LocalCVAT never received (the seed tasks): an
    annotations-only export still works, with ``frame_<n>`` names and unknown (0) sizes."""
    stop = int(task["size"]) - 1 if last is None else last
    return [
        formats.FrameInfo(
            number=offset + n,
            name=f"frame_{n:06d}",
            width=0,
            height=0,
            subset=subset,
            task_id=task["id"] if subset else None,
        )
        for n in range(first, stop + 1)
    ]


def _shifted(data: annotation_data.LabeledData, offset: int) -> annotation_data.LabeledData:
    shifted = annotation_data.empty()
    for kind in annotation_data.KINDS:
        for obj in data[kind]:
            moved = {**obj, "frame": obj["frame"] + offset}
            if kind == "tracks":
                moved["shapes"] = [{**s, "frame": s["frame"] + offset} for s in obj["shapes"]]
            shifted[kind].append(moved)
    return shifted


def _export_work(store: Store, resource: str, obj_id: int, save_images: bool, filename: str) -> Any:
    def work(request: BackgroundRequest) -> Outcome:
        obj = store.get(resource, obj_id)
        if obj is None:
            raise BackgroundFailure(f"The {resource[:-1]} {obj_id} was deleted")
        if resource == "projects":
            frames: list[formats.FrameInfo] = []
            data = annotation_data.empty()
            labels: dict[int, str] = {}
            for task in sorted(store.find("tasks", project_id=obj_id), key=lambda t: t["id"]):
                if not task.get("size"):
                    continue
                offset = len(frames)
                subset = task.get("subset") or "default"
                frames.extend(
                    _task_frames(
                        store, task, 0, None, subset, offset, save_images=save_images
                    )
                )
                part = _shifted(annotation_data.for_task(store, task["id"]), offset)
                for kind in annotation_data.KINDS:
                    data[kind].extend(part[kind])
                labels.update(_labels_by_id(store, task))
            if not frames:
                raise BackgroundFailure("Exporting without data is not allowed")
        elif resource == "tasks":
            frames = _task_frames(store, obj, 0, None, save_images=save_images)
            data = annotation_data.for_task(store, obj_id)
            labels = _labels_by_id(store, obj)
        else:
            task = store.get("tasks", obj["task_id"]) or {}
            frames = _task_frames(
                store, task, obj["start_frame"], obj["stop_frame"], save_images=save_images
            )
            data = annotation_data.for_job(store, obj_id)
            labels = _labels_by_id(store, task)
        xml = formats.write_xml(str(obj.get("name") or obj_id), frames, data, labels)
        return Outcome(file=formats.dataset_zip(xml, frames, save_images), filename=filename)

    return work


def start_export(ctx: Context, resource: str) -> Response:
    obj = get_checked(ctx, resource, "export:dataset")
    query = ctx.query
    format_name = query.get("format")
    if not format_name:
        raise HttpError(400, {"format": ["This field is required."]})
    if format_name not in formats.EXPORT_FORMATS:
        raise list_error("Unknown format specified for the request")
    if query.get("location", "local") != "local":
        raise list_error("LocalCVAT has no cloud storages: use location=local")
    save_images = tus.query_flag(ctx, "save_images", False)
    target = resource[:-1]
    rq_id = render_rq_id(
        queue="export",
        action="export",
        target=target,
        id=obj["id"],
        subresource="dataset" if save_images else "annotations",
        user_id=ctx.user["id"],
        format=format_name,
    )
    background = ctx.app.background
    existing = background.get(rq_id)
    if existing is not None and existing.active:
        return ok({"rq_id": rq_id}, 409)
    stamp = re.sub(r"\D", "_", str(obj.get("updated_date", ""))[:19])
    name = str(obj.get("name") or obj["id"])
    kind = "dataset" if save_images else "annotations"
    filename = query.get("filename") or f"{target}_{safe_name(name)}_{kind}_{stamp}.zip"
    result_url = (
        f"{ctx.app.base_url}/api/{resource}/{obj['id']}/dataset/download?rq_id={quote(rq_id)}"
    )
    task_id = obj["id"] if resource == "tasks" else obj.get("task_id")
    operation = {
        "type": f"export:{kind}",
        "target": target,
        "project_id": obj["id"] if resource == "projects" else obj.get("project_id"),
        "task_id": task_id,
        "job_id": obj["id"] if resource == "jobs" else None,
        "format": format_name,
        "function_id": None,
    }
    work = _export_work(ctx.app.store, resource, obj["id"], save_images, filename)
    background.submit(rq_id, operation, ctx.user, work, result_url)
    return ok({"rq_id": rq_id}, 202)


def download(ctx: Context, resource: str) -> Response:
    obj = get_checked(ctx, resource, "export:dataset")
    return finished_export(ctx, f"/api/{resource}/{obj['id']}/dataset/")


# --------------------------------------------------------------------------- import


def create_task_as(
    ctx_app: Any, user: dict[str, Any], headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """Create a task through the tasks route, as ``user`` with these request headers (so the
    same validation, permissions and organization rules apply as to a client's POST)."""
    request = Request(
        method="POST",
        path="/api/tasks",
        query_string="",
        headers=Headers({**headers, "content-type": "application/json"}),
        body=json.dumps(body).encode("utf-8"),
        user=user,
    )
    response = task_routes.create_task(Context(ctx_app, request, {}))
    created: dict[str, Any] = json.loads(response.body)
    return created


def _import_work(ctx: Context, project_id: int, data: bytes) -> Any:
    app, user, headers = ctx.app, dict(ctx.user), dict(ctx.request.headers)

    def work(request: BackgroundRequest) -> Outcome:
        store = app.store
        if store.get("projects", project_id) is None:
            raise BackgroundFailure(f"Project {project_id} was deleted")
        try:
            xml, images = formats.read_archive(data)
            parsed = formats.parse_xml(xml)
        except formats.FormatError as error:
            raise BackgroundFailure(str(error)) from None
        by_subset: dict[str, list[formats.ParsedImage]] = {}
        for image in parsed:
            by_subset.setdefault(image.subset or "default", []).append(image)
        for subset, subset_images in sorted(by_subset.items()):
            files = []
            for image in subset_images:
                content = images.get(f"images/{subset}/{image.name}") or images.get(
                    f"images/{image.name}"
                )
                if content is None:
                    raise BackgroundFailure(
                        f"Dataset has no image '{image.name}': import a dataset with images"
                    )
                files.append((image.name, content))
            try:
                task = create_task_as(
                    app, user, headers, {"name": subset, "project_id": project_id, "subset": subset}
                )
                frames = media.make_frames(files)
            except (HttpError, media.NotAnImage) as error:
                raise BackgroundFailure(
                    f"Could not create a task for subset {subset}: {getattr(error, 'body', error)}"
                ) from None
            attach_frames(store, task["id"], frames, chunk_size=0, quality=70)
            task = store.get("tasks", task["id"]) or task
            names = {frame.name: n for n, frame in enumerate(frames)}
            try:
                labeled = formats.to_labeled_data(
                    subset_images, names, len(frames), annotation_data.label_ids(store, task)
                )
            except formats.FormatError as error:
                raise BackgroundFailure(str(error)) from None
            annotation_data.apply(store, task, None, labeled, "put")
        return Outcome()

    return work


def start_import(ctx: Context) -> Response:
    project = get_checked(ctx, "projects", "import:dataset")
    return tus.handle_post(ctx, f"projects/{project['id']}/dataset", _finish_import)


def _finish_import(ctx: Context, files: tus.Files) -> Response:
    project = get_checked(ctx, "projects", "import:dataset")
    format_name = ctx.query.get("format")
    if format_name not in formats.IMPORT_FORMATS:
        raise list_error(f"Unknown input format '{format_name}'")
    data = tus.file_named(files, ctx.query.get("filename"))
    if data is None:
        raise list_error("No dataset file was uploaded")
    rq_id = render_rq_id(
        queue="import", action="import", target="project", id=project["id"], subresource="dataset"
    )
    existing = ctx.app.background.get(rq_id)
    if existing is not None and existing.active:
        raise HttpError(409, "Import of a dataset is already in progress")
    operation = {
        "type": "import:dataset",
        "target": "project",
        "project_id": project["id"],
        "task_id": None,
        "job_id": None,
        "format": format_name,
        "function_id": None,
    }
    ctx.app.background.submit(rq_id, operation, ctx.user, _import_work(ctx, project["id"], data))
    return tus.rq_response(rq_id)


def _import_chunk(ctx: Context) -> Response:
    project = get_checked(ctx, "projects", "import:dataset")
    return tus.handle_chunk(ctx, f"projects/{project['id']}/dataset")


_GONE_EXPORT = (
    "This endpoint is no longer supported.\n"
    "To initiate the export process, use POST /api/projects/id/dataset/export?save_images=True.\n"
    "To check the process status, use GET /api/requests/rq_id,\n"
    "where rq_id is obtained from the response of the previous request.\n"
    "To download the prepared file, use the result_url obtained from the response of the "
    "previous request.\n"
)
_GONE_IMPORT_STATUS = (
    "This endpoint no longer supports checking the status of the import process.\n"
    "The common requests API should be used instead: GET /api/requests/rq_id,\n"
    "where rq_id is obtained from the response of the initializing request.\n"
)


def legacy_dataset(ctx: Context) -> Response:
    """``GET /api/projects/<id>/dataset``: the old export/status API, now ``410 Gone`` (plain
    text, ``mixins.get_410_response_*``) after the object's permission check."""
    checking = ctx.query.get("action") == "import_status"
    get_checked(ctx, "projects", "import:dataset" if checking else "export:dataset")
    text = _GONE_IMPORT_STATUS if checking else _GONE_EXPORT
    return Response(410, text.encode(), "text/html; charset=utf-8")


def register(router: Router) -> None:
    for resource in ("tasks", "jobs", "projects"):

        def bind(handler: Any, r: str = resource) -> Any:
            return lambda ctx: handler(ctx, r)

        router.add(
            "POST",
            f"/api/{resource}/{{id}}/dataset/export",
            bind(start_export),
            read_only_token=True,
        )
        router.add("GET", f"/api/{resource}/{{id}}/dataset/download", bind(download))
    router.add("POST", "/api/projects/{id}/dataset/", start_import)
    router.add("GET", "/api/projects/{id}/dataset/", legacy_dataset)
    tus.chunk_routes(router, "/api/projects/{id}/dataset/{file_id}", _import_chunk)
