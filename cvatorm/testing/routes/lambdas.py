"""``/api/lambda/...``: serverless functions, as CVAT's ``lambda_manager`` answers them when
nuclio is there (``cvat/apps/lambda_manager/views.py``).

Two functions are deployed: a detector (``openvino-omz-public-yolo-v3-tf``: one box per frame
for each of its labels the task has) and an interactor (``pth-facebookresearch-sam-vit-h``: the
polygon around the positive clicks). ``POST /api/lambda/requests`` auto-annotates a task as a
background request (``action=autoannotate&target=task&target_id=<id>``, also listed under
``/api/requests``) that writes the detector's shapes into the task's jobs.

The real server without nuclio answers the function endpoints with a 503 and the text of its
connection error; tests simulate that with a fault (``local_cvat.faults.add(status=503, ...)``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from cvatorm.testing import annotation_data
from cvatorm.testing.background import BackgroundFailure, BackgroundRequest, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, ok, visible
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store
from cvatorm.testing.validation import Field, validate

DETECTOR = "openvino-omz-public-yolo-v3-tf"
INTERACTOR = "pth-facebookresearch-sam-vit-h"

#: ``LambdaFunction.to_dict()`` of the deployed functions.
FUNCTIONS: dict[str, dict[str, Any]] = {
    DETECTOR: {
        "id": DETECTOR,
        "kind": "detector",
        "labels_v2": [
            {"name": name, "type": "any", "attributes": []}
            for name in ("person", "car", "bicycle", "dog", "cat")
        ],
        "description": "YOLO v3 via Intel OpenVINO",
        "name": "YOLO v3",
        "version": 1,
    },
    INTERACTOR: {
        "id": INTERACTOR,
        "kind": "interactor",
        "labels_v2": [],
        "description": "Interactive segmentation (Segment Anything)",
        "name": "Segment Anything",
        "version": 1,
        "min_pos_points": 1,
        "min_neg_points": 0,
        "startswith_box": False,
        "startswith_box_optional": True,
        "help_message": "Click on the object; right-click on the background.",
        "animated_gif": "",
    },
}

#: ``FunctionCallRequestSerializer``.
CALL_FIELDS = {
    "function": Field("str", required=True),
    "task": Field("int", required=True),
    "job": Field("int"),
    "max_distance": Field("int"),
    "threshold": Field("float"),
    "cleanup": Field("bool"),
    "conv_mask_to_poly": Field("bool"),
    "convMaskToPoly": Field("bool"),
    "mapping": Field("dict"),
}

QUEUE_TYPE = "autoannotate:task"


def _function(func_id: str) -> dict[str, Any]:
    found = FUNCTIONS.get(func_id)
    if found is None:
        # the gateway's requests.HTTPError, answered with nuclio's status by return_response
        raise HttpError(
            404, f"404 Client Error: Not Found for url: http://nuclio:8070/api/functions/{func_id}"
        )
    return found


def _rq_id(task_id: int) -> str:
    """``RequestId(action=autoannotate, target=task, target_id=<id>).render()``."""
    return f"action=autoannotate&target=task&target_id={task_id}"


def _call_dict(request: BackgroundRequest) -> dict[str, Any]:
    """``LambdaJob.to_dict()`` through ``FunctionCallSerializer``."""
    operation = request.operation
    function: dict[str, Any] = {
        "id": operation.get("function_id"),
        "threshold": operation.get("_threshold"),
        "task": operation.get("task_id"),
    }
    if operation.get("job_id"):
        function["job"] = operation["job_id"]
    return {
        "id": request.id,
        "function": function,
        "status": request.status,
        "progress": int(request.progress * 100),  # a percentage (LambdaRQMeta.progress)
        "enqueued": request.created_date,
        "started": request.started_date,
        "ended": request.finished_date,
        "exc_info": request.message or None,
    }


def _lambda_requests(ctx: Context) -> list[BackgroundRequest]:
    return [
        r
        for r in ctx.app.background.all()
        if r.operation.get("type") == QUEUE_TYPE and r.operation.get("function_id")
    ]


# -- functions ----------------------------------------------------------------------------------


def list_functions(ctx: Context) -> Response:
    return ok([dict(function) for function in FUNCTIONS.values()])


def retrieve_function(ctx: Context) -> Response:
    return ok(dict(_function(ctx.params["func_id"])))


def _labels(store: Store, task: dict[str, Any], mapping: Any) -> list[tuple[str, int]]:
    """(function label, task label id) pairs: the mapping given, else same names."""
    ids = annotation_data.label_ids(store, task)
    names = [label["name"] for label in FUNCTIONS[DETECTOR]["labels_v2"]]
    if isinstance(mapping, dict) and mapping:
        pairs = []
        for model_label, entry in mapping.items():
            target = entry.get("name") if isinstance(entry, dict) else None
            if model_label not in names or target not in ids:
                raise HttpError(400, f'Invalid mapping. Unknown db label "{target}"')
            pairs.append((model_label, ids[target]))
        return pairs
    return [(name, ids[name]) for name in names if name in ids]


def _detections(
    store: Store, task: dict[str, Any], frames: list[int], mapping: Any
) -> dict[str, Any]:
    shapes = [
        {
            "type": "rectangle",
            "frame": frame,
            "label_id": label_id,
            "points": [10.0 + 20 * index, 10.0, 60.0 + 20 * index, 80.0],
            "source": "auto",
            "attributes": [],
        }
        for frame in frames
        for index, (_, label_id) in enumerate(_labels(store, task, mapping))
    ]
    return {"version": 0, "tags": [], "shapes": shapes, "tracks": []}


def call_function(ctx: Context) -> Response:
    function = _function(ctx.params["func_id"])
    body = ctx.request.json_object()
    store = ctx.app.store
    job = None
    if body.get("job") is not None:
        job = store.get("jobs", body["job"])
        task_id = job["task_id"] if job is not None else None
    else:
        task_id = body.get("task")
    task = store.get("tasks", task_id) if isinstance(task_id, int) else None
    if task is None or (body.get("job") is not None and job is None):
        raise HttpError(
            400,
            f"`{function['id']}` lambda function was run with wrong arguments "
            "(Task matching query does not exist.)",
        )
    get_checked(ctx, "tasks", "view", task["id"])
    frame = body.get("frame")
    if not isinstance(frame, int):
        raise HttpError(400, "`frame` lambda function argument is required")
    if function["kind"] == "detector":
        found = _detections(store, task, [frame], body.get("mapping"))
        return ok({"tags": found["tags"], "shapes": found["shapes"]})
    points = body.get("pos_points")
    if not isinstance(points, list) or not points or not isinstance(body.get("neg_points"), list):
        raise HttpError(400, "`pos_points` lambda function argument is required")
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    left, top, right, bottom = min(xs) - 5, min(ys) - 5, max(xs) + 5, max(ys) + 5
    return ok({"points": [[left, top], [right, top], [right, bottom], [left, bottom]]})


# -- requests -----------------------------------------------------------------------------------


def list_requests(ctx: Context) -> Response:
    store = ctx.app.store
    tasks = visible(ctx, "tasks", [t for t in store.all("tasks")])
    ids = {task["id"] for task in tasks}
    return ok(
        [
            _call_dict(r)
            for r in _lambda_requests(ctx)
            if r.status != "failed" and r.operation.get("task_id") in ids
        ]
    )


def _work(store: Store, task_id: int, job_id: int | None, cleanup: bool, mapping: Any) -> Any:
    def work(request: BackgroundRequest) -> Outcome:
        task = store.get("tasks", task_id)
        job = store.get("jobs", job_id) if job_id is not None else None
        if task is None or (job_id is not None and job is None):
            raise BackgroundFailure("The annotated object was deleted")
        rows = [job] if job is not None else annotation_data.jobs_of(store, task_id)
        frames = sorted(
            {f for row in rows if row for f in range(row["start_frame"], row["stop_frame"] + 1)}
        )
        data = _detections(store, task, frames, mapping)
        annotation_data.apply(store, task, job, data, "put" if cleanup else "create")
        return Outcome()

    return work


def create_request(ctx: Context) -> Response:
    clean = validate(ctx.request.json_object(), CALL_FIELDS)
    function = _function(clean["function"])
    store = ctx.app.store
    task = store.get("tasks", clean["task"])
    if task is None:
        raise HttpError(400, "Task matching query does not exist.")
    get_checked(ctx, "tasks", "view", task["id"])  # LambdaPermission: the task's view:data
    job_id = clean.get("job")
    if job_id is not None and store.get("jobs", job_id) is None:
        raise HttpError(400, "Job matching query does not exist.")
    _labels(store, task, clean.get("mapping"))  # a bad mapping is refused now
    rq_id = _rq_id(task["id"])
    existing = ctx.app.background.get(rq_id)
    if existing is not None and existing.active:
        raise HttpError(
            409, f"Only one running request is allowed for the same task #{task['id']}"
        )
    operation = {
        "type": QUEUE_TYPE,
        "target": "task",
        "project_id": task.get("project_id"),
        "task_id": task["id"],
        "job_id": job_id,
        "format": None,
        "function_id": function["id"],
        "_threshold": clean.get("threshold"),
    }
    work = _work(store, task["id"], job_id, bool(clean.get("cleanup")), clean.get("mapping"))
    request = ctx.app.background.submit(rq_id, operation, ctx.user, work)
    return ok(_call_dict(request))


def _lambda_request(ctx: Context) -> BackgroundRequest:
    rq_id = unquote(ctx.params["rq_id"])
    found = ctx.app.background.get(rq_id)
    if found is None or found not in _lambda_requests(ctx):
        raise HttpError(404, f"{rq_id} lambda job is not found")
    task_id = found.operation.get("task_id")
    if task_id is not None and ctx.app.store.get("tasks", task_id) is not None:
        get_checked(ctx, "tasks", "view", task_id)
    return found


def retrieve_request(ctx: Context) -> Response:
    return ok(_call_dict(_lambda_request(ctx)))


def delete_request(ctx: Context) -> Response:
    ctx.app.background.remove(_lambda_request(ctx).id)
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/lambda/functions", list_functions)
    router.add("GET", "/api/lambda/functions/{func_id}", retrieve_function)
    router.add("POST", "/api/lambda/functions/{func_id}", call_function)
    router.add("GET", "/api/lambda/requests", list_requests)
    router.add("POST", "/api/lambda/requests", create_request)
    router.add("GET", "/api/lambda/requests/{rq_id}", retrieve_request)
    router.add("DELETE", "/api/lambda/requests/{rq_id}", delete_request)
