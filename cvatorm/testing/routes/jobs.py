"""``/api/jobs``: list, retrieve, partial update (assignee, stage, state), create and delete
ground-truth jobs (annotation jobs come from task data and cannot be deleted)."""

from __future__ import annotations

import random
from typing import Any

from cvatorm.testing import cascade, permissions
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    actor,
    check_create,
    get_checked,
    list_page,
    ok,
    scope,
    visible_rows,
)
from cvatorm.testing.routes.projects import user_ref
from cvatorm.testing.routes.validation import make_gt_layout, remove_layout
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Store, now_iso
from cvatorm.testing.validation import Field, bad_pk, general_error, list_error, validate

STAGES = ("annotation", "validation", "acceptance")
STATES = ("new", "in progress", "completed", "rejected")
SELECTION = ("random_uniform", "random_per_job", "manual")

JOB_PATCH_FIELDS = {
    "assignee": Field("int", allow_null=True),
    "stage": Field("str", choices=STAGES),
    "state": Field("str", choices=STATES),
}
JOB_CREATE_FIELDS = {
    "type": Field(
        "str", required=True, choices=("annotation", "ground_truth", "consensus_replica")
    ),
    "seed": Field("int", min_value=0),
    "task_id": Field("int", required=True),
    "frame_selection_method": Field("str", choices=SELECTION),
    "frame_count": Field("int", min_value=1),
    "frame_share": Field("float"),
    "frames_per_job_count": Field("int", min_value=1),
    "frames_per_job_share": Field("float"),
    "random_seed": Field("int", min_value=0),
    "frames": Field("list"),
    "assignee": Field("int", allow_null=True),
}


def _status_for(stage: str, state: str) -> str:
    """The job's legacy ``status``, derived as the real server does."""
    if stage == "annotation":
        return "annotation"
    if stage == "acceptance" and state == "completed":
        return "completed"
    return "validation"


def _may_view(ctx: Context, resource: str, obj: dict[str, Any] | None) -> bool:
    if obj is None:
        return False
    try:
        permissions.check(ctx.app.store, actor(ctx), "view", resource, obj, scope(ctx))
    except HttpError:
        return False
    return True


def as_seen(ctx: Context, job: dict[str, Any]) -> dict[str, Any]:
    """``JobReadSerializer``: ``task_name`` and ``project_name`` are null for a user who may
    see the job but not its task (project), e.g. a worker assigned to one job."""
    store = ctx.app.store
    shown = dict(job)
    if not _may_view(ctx, "tasks", store.get("tasks", job["task_id"])):
        shown["task_name"] = None
    project_id = job.get("project_id")
    if project_id is None or not _may_view(ctx, "projects", store.get("projects", project_id)):
        shown["project_name"] = None
    return shown


def list_jobs(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    with store.reading():
        rows = visible_rows(ctx, "jobs")
        return list_page(ctx, "jobs", rows, transform=lambda job: as_seen(ctx, job))


def retrieve_job(ctx: Context) -> Response:
    return ok(as_seen(ctx, get_checked(ctx, "jobs", "view")))


def update_job(ctx: Context) -> Response:
    body = ctx.request.json_object()
    job = get_checked(ctx, "jobs", "update", body=body)
    clean = validate(body, JOB_PATCH_FIELDS, partial=True)
    store = ctx.app.store
    stamp = now_iso()
    changes: dict[str, Any] = {}
    if "assignee" in clean:
        changes["assignee"] = user_ref(store, "assignee", clean["assignee"])
        if (changes["assignee"] or {}).get("id") != (job.get("assignee") or {}).get("id"):
            changes["assignee_updated_date"] = stamp  # un-assigning is a change too
    if "stage" in clean or "state" in clean:
        stage = clean.get("stage", job["stage"])
        state = clean.get("state", job["state"])
        if "stage" in clean and clean["stage"] != job["stage"] and "state" not in clean:
            state = "new"
        changes.update(stage=stage, state=state, status=_status_for(stage, state))
    changes["updated_date"] = stamp
    with store.transaction():
        store.update("jobs", job["id"], changes)
        update_task_status(store, job["task_id"])
    return ok(as_seen(ctx, store.get("jobs", job["id"]) or {}))


def update_task_status(store: Store, task_id: int) -> None:
    """The real ``post_save`` signal of jobs: the task is "annotation" while any job is, else
    "validation" while any job is, else "completed"; a change saves (and touches) the task."""
    statuses = {job["status"] for job in store.find("jobs", task_id=task_id)}
    status = "completed"
    if "annotation" in statuses:
        status = "annotation"
    elif "validation" in statuses:
        status = "validation"
    task = store.get("tasks", task_id)
    if task is not None and task["status"] != status:
        store.update("tasks", task_id, {"status": status, "updated_date": now_iso()})


def _check_selection(clean: dict[str, Any]) -> None:
    """``JobWriteSerializer.validate``: which parameters each frame selection method needs."""

    def one_of(keys: tuple[str, ...]) -> None:
        count = sum(key in clean for key in keys)
        options = ", ".join(f'"{key}"' for key in keys)
        if count == 0:
            raise general_error(f"One of the fields {options} required")
        if count > 1:
            raise general_error(f"Only 1 of the fields {options} can be used")

    method = clean.get("frame_selection_method")
    if method == "random_uniform":
        one_of(("frame_count", "frame_share"))
        if clean.get("seed") is not None or clean.get("random_seed") is not None:
            one_of(("seed", "random_seed"))
    elif method == "random_per_job":
        one_of(("frames_per_job_count", "frames_per_job_share"))
    elif method == "manual" and "frames" not in clean:
        raise general_error('The "frames" field is required')
    if "frames" in clean and method != "manual":
        raise general_error('"frames" can only be used when "frame_selection_method" is "manual"')
    for share in ("frame_share", "frames_per_job_share"):
        if share in clean and not 0 <= clean[share] <= 1:
            raise HttpError(400, {share: ["Value must be in the range [0; 1]"]})
    frames = clean.get("frames")
    if frames is not None:
        if not frames:
            raise HttpError(400, {"frames": ["This list may not be empty."]})
        for index, frame in enumerate(frames):
            if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
                raise HttpError(
                    400,
                    {
                        "frames": {
                            str(index): [
                                "Ensure this value is greater than or equal to 0."
                                if isinstance(frame, int) and not isinstance(frame, bool)
                                else "A valid integer is required."
                            ]
                        }
                    },
                )


def _gt_frames(clean: dict[str, Any], task: dict[str, Any]) -> list[int]:
    """The frames of a new ground-truth job (``JobWriteSerializer.create``), or its errors."""
    size = int(task["size"])
    method = clean["frame_selection_method"]
    rng = random.Random(clean.get("random_seed", clean.get("seed")))
    if method == "random_uniform":
        count = clean.get("frame_count")
        if count is not None and size < count:
            raise list_error(
                f"The number of frames requested ({count}) "
                f"must be not be greater than the number of the task frames ({size})"
            )
        if count is None:
            count = max(1, int(clean["frame_share"] * size))
        return sorted(rng.sample(range(size), count))
    if method == "random_per_job":
        segment = int(task.get("segment_size") or size) or size
        count = clean.get("frames_per_job_count")
        if count is not None and size < count:
            raise list_error(
                f"The number of frames requested ({count}) "
                f"must be not be greater than the segment size ({segment})"
            )
        if count is None:
            count = min(max(1, int(clean["frames_per_job_share"] * segment)), size)
        frames: set[int] = set()
        for start in range(0, size, segment):
            chunk = range(start, min(start + segment, size))
            frames.update(rng.sample(chunk, min(count, len(chunk))))
        return sorted(frames)
    frames_list = [int(frame) for frame in clean["frames"]]
    if len(set(frames_list)) != len(frames_list):
        raise list_error("Frames must not repeat")
    invalid = sorted(set(frames_list) - set(range(size)))
    if invalid:
        raise list_error(
            "The following frames do not exist in the task: "
            + ", ".join(str(frame) for frame in invalid)
        )
    return frames_list


def create_job(ctx: Context) -> Response:
    """Only ground-truth jobs can be created, in a task with data and no validation yet."""
    body = ctx.request.json_object()
    check_create(ctx, "jobs", body)
    clean = validate(body, JOB_CREATE_FIELDS)
    _check_selection(clean)
    store = ctx.app.store
    task = store.get("tasks", clean["task_id"])
    if task is None:
        raise bad_pk("task_id", clean["task_id"])
    if clean["type"] != "ground_truth":
        raise list_error(f"Unexpected job type '{clean['type']}'")
    if task.get("data") is None or not task.get("size"):
        raise list_error(
            "This task has no data attached yet. Please set up task data and try again"
        )
    if task.get("dimension") != "2d":
        raise list_error("Ground Truth jobs can only be added in 2d tasks")
    if task.get("validation_mode") in ("gt_pool", "gt"):
        raise list_error(
            f'Task with validation mode "{task["validation_mode"]}" cannot have more than 1 GT job'
        )
    if "frame_selection_method" not in clean:
        raise HttpError(500, "Server Error (500)")  # KeyError in the real create()
    frames = _gt_frames(clean, task)
    if any(job["type"] == "ground_truth" for job in store.find("jobs", task_id=task["id"])):
        raise list_error("A task can have only 1 ground truth job")
    stamp = now_iso()
    template = next(iter(store.find("jobs", task_id=task["id"])), {})
    assignee = user_ref(store, "assignee", clean.get("assignee"))
    with store.transaction():
        job_id = store.next_id("jobs")
        job = {
            "assignee": assignee,
            "assignee_updated_date": stamp if assignee else None,
            "bug_tracker": None,
            "consensus_replicas": 0,
            "created_date": stamp,
            "data_chunk_size": template.get("data_chunk_size", task.get("data_chunk_size")),
            "data_compressed_chunk_type": "imageset",
            "data_original_chunk_type": template.get(
                "data_original_chunk_type", task.get("data_original_chunk_type")
            ),
            "dimension": task.get("dimension"),
            "frame_count": len(frames),
            "guide_id": task.get("guide_id"),
            "id": job_id,
            "issues": {},
            "labels": {},
            "mode": task.get("mode") or "annotation",
            "organization": task["organization"],
            "parent_job_id": None,
            "project_id": task["project_id"],
            "project_name": task["project_name"],
            "replicas_count": 0,
            "source_storage": task.get("source_storage"),
            "stage": "annotation",
            "start_frame": 0,
            "state": "new",
            "status": "annotation",
            "stop_frame": int(task["size"]) - 1,
            "target_storage": task.get("target_storage"),
            "task_id": task["id"],
            "task_name": task["name"],
            "type": "ground_truth",
            "updated_date": stamp,
            "url": "",
        }
        store.put("jobs", job)
        store.update("tasks", task["id"], {"validation_mode": "gt"})
        make_gt_layout(store, task["id"], frames)
    return ok(store.get("jobs", job_id), 201)


def delete_job(ctx: Context) -> Response:
    job = get_checked(ctx, "jobs", "delete")
    if job["type"] != "ground_truth":
        raise list_error("Only ground truth jobs can be removed")
    store = ctx.app.store
    task = store.get("tasks", job["task_id"]) or {}
    if task.get("validation_mode") == "gt_pool":
        raise list_error('GT jobs cannot be removed when task validation mode is "gt_pool"')
    with store.transaction():
        cascade.delete_job(store, job["id"])
        if task:
            store.update("tasks", task["id"], {"validation_mode": None})
            remove_layout(store, task["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/jobs", list_jobs)
    router.add("POST", "/api/jobs", create_job)
    router.add("GET", "/api/jobs/{id}", retrieve_job)
    router.add("PATCH", "/api/jobs/{id}", update_job)
    router.add("DELETE", "/api/jobs/{id}", delete_job)
