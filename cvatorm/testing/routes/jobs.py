"""``/api/jobs``: list, retrieve, partial update (assignee, stage, state), create and delete
ground-truth jobs (annotation jobs come from task data and cannot be deleted)."""

from __future__ import annotations

from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    check_create,
    get_checked,
    list_visible,
    ok,
)
from cvatorm.testing.routes.projects import user_ref
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import now_iso
from cvatorm.testing.validation import Field, bad_pk, field_error, list_error, validate

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
        "str", required=True, choices=("ground_truth", "annotation", "consensus_replica")
    ),
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


def list_jobs(ctx: Context) -> Response:
    return list_visible(ctx, "jobs")


def retrieve_job(ctx: Context) -> Response:
    return ok(get_checked(ctx, "jobs", "view"))


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
            changes["assignee_updated_date"] = stamp if changes["assignee"] else None
    if "stage" in clean or "state" in clean:
        stage = clean.get("stage", job["stage"])
        state = clean.get("state", job["state"])
        if "stage" in clean and clean["stage"] != job["stage"] and "state" not in clean:
            state = "new"
        changes.update(stage=stage, state=state, status=_status_for(stage, state))
    changes["updated_date"] = stamp
    with store.transaction():
        updated = store.update("jobs", job["id"], changes)
        store.update("tasks", job["task_id"], {"updated_date": stamp})
    return ok(updated)


def create_job(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "jobs", body)
    clean = validate(body, JOB_CREATE_FIELDS)
    store = ctx.app.store
    task = store.get("tasks", clean["task_id"])
    if task is None:
        raise bad_pk("task_id", clean["task_id"])
    if clean["type"] != "ground_truth":
        raise field_error("type", f'Unexpected job type "{clean["type"]}"')
    if not task.get("size"):
        raise list_error("The task has no media data")
    if any(job["type"] == "ground_truth" for job in store.find("jobs", task_id=task["id"])):
        raise list_error("Task with validation frames already has a GT job")
    method = clean.get("frame_selection_method")
    if method is None:
        raise field_error("frame_selection_method", "This field is required.")
    size = int(task["size"])
    if method == "manual":
        frames = sorted({int(frame) for frame in clean.get("frames", [])})
        if not frames:
            raise field_error("frames", "The list of frames cannot be empty")
        if frames[-1] >= size or frames[0] < 0:
            raise field_error("frames", f"Frames must be in range [0; {size - 1}]")
        count = len(frames)
    else:
        count = int(clean.get("frame_count") or clean.get("frames_per_job_count") or 1)
        if count > size:
            raise field_error("frame_count", f"The frame count cannot be greater than {size}")
    stamp = now_iso()
    template = next(iter(store.find("jobs", task_id=task["id"])), {})
    with store.transaction():
        job_id = store.next_id("jobs")
        job = {
            **{
                key: template.get(key)
                for key in (
                    "data_chunk_size",
                    "data_compressed_chunk_type",
                    "data_original_chunk_type",
                    "dimension",
                    "source_storage",
                    "target_storage",
                    "bug_tracker",
                    "guide_id",
                )
            },
            "assignee": user_ref(store, "assignee", clean.get("assignee")),
            "assignee_updated_date": stamp if clean.get("assignee") else None,
            "consensus_replicas": 0,
            "created_date": stamp,
            "frame_count": count,
            "id": job_id,
            "issues": {},
            "labels": {},
            "mode": task.get("mode") or "annotation",
            "organization": task["organization"],
            "parent_job_id": None,
            "project_id": task["project_id"],
            "project_name": task["project_name"],
            "replicas_count": 0,
            "stage": "annotation",
            "start_frame": 0,
            "state": "new",
            "status": "annotation",
            "stop_frame": size - 1,
            "task_id": task["id"],
            "task_name": task["name"],
            "type": "ground_truth",
            "updated_date": stamp,
            "url": "",
        }
        store.put("jobs", job)
    return ok(store.get("jobs", job_id), 201)


def delete_job(ctx: Context) -> Response:
    job = get_checked(ctx, "jobs", "delete")
    if job["type"] != "ground_truth":
        raise list_error("Only ground truth jobs can be removed")
    cascade.delete_job(ctx.app.store, job["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    router.add("GET", "/api/jobs", list_jobs)
    router.add("POST", "/api/jobs", create_job)
    router.add("GET", "/api/jobs/{id}", retrieve_job)
    router.add("PATCH", "/api/jobs/{id}", update_job)
    router.add("DELETE", "/api/jobs/{id}", delete_job)
