"""``/api/consensus/...``: CVAT's ``consensus`` app (``cvat/apps/consensus/``).

- settings: made with a task created with ``consensus_replicas``
  (:mod:`cvatorm.testing.consensus_replicas`, which also makes the replica jobs with the task's
  jobs); list, retrieve, PATCH ``iou_threshold``;
- merges: ``POST /api/consensus/merges`` with ``task_id`` or ``job_id``, a background request.
  The replicas taking part are those not in the annotation-new state whose parent job is in
  the annotation stage (``_TaskMerger._init_jobs``). Their shapes are merged per frame as the
  real ``IntersectMerge`` does for the simple cases: shapes of different replicas whose
  bounding boxes overlap by ``iou_threshold`` form a cluster; a cluster gives one shape (the
  member nearest the cluster's mean box, the label most replicas gave, ``score`` = votes /
  replicas, ``source="consensus"``); tags give one tag per label. The parent job's annotations
  are replaced with the result and the job is marked completed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cvatorm.testing import annotation_data, permissions, quality_compare
from cvatorm.testing.background import BackgroundFailure, Outcome
from cvatorm.testing.consensus_replicas import replicas_of
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import actor, list_page, ok, scope, visible
from cvatorm.testing.routes.jobs import update_task_status
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Obj, Store, now_iso
from cvatorm.testing.validation import Field, general_error, list_error, validate

_SETTINGS_FIELDS = {"iou_threshold": Field("float")}


def _shown(row: Obj) -> Obj:
    return {key: value for key, value in row.items() if not key.startswith("_")}


def _sync(store: Store) -> None:
    with store.transaction():
        tasks = {row["id"] for row in store.rows("tasks")}
        rows = store.rows("consensus_settings")
        gone = [row["id"] for row in rows if row["task_id"] not in tasks]
        if gone:
            store.remove_many("consensus_settings", gone)


def _row(ctx: Context) -> Obj:
    raw = ctx.params["id"]
    found = ctx.app.store.get("consensus_settings", int(raw)) if raw.isdigit() else None
    if found is None:
        raise HttpError(404, {"detail": "No ConsensusSettings matches the given query."})
    return found


def _check(ctx: Context, action: str, row: Obj) -> Obj:
    task = ctx.app.store.get("tasks", row["task_id"]) or {}
    permissions.check(ctx.app.store, actor(ctx), action, "tasks", task, scope(ctx))
    return task


def list_settings(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    _sync(store)
    with store.lock:
        tasks = {t["id"] for t in visible(ctx, "tasks", store.rows("tasks"))}
        rows = [row for row in store.rows("consensus_settings") if row["task_id"] in tasks]
        return list_page(ctx, "consensus_settings", rows, transform=_shown)


def retrieve_settings(ctx: Context) -> Response:
    _sync(ctx.app.store)
    row = _row(ctx)
    _check(ctx, "view", row)
    return ok(_shown(row))


def update_settings(ctx: Context) -> Response:
    store = ctx.app.store
    _sync(store)
    row = _row(ctx)
    body = ctx.request.json_object()
    _check(ctx, "update", row)
    clean = validate(body, _SETTINGS_FIELDS, partial=True)
    value = clean.get("iou_threshold")
    if value is not None and not 0 <= value <= 1:
        bound = "greater than or equal to 0" if value < 0 else "less than or equal to 1"
        raise HttpError(400, {"iou_threshold": [f"Ensure this value is {bound}."]})
    store.update("consensus_settings", row["id"], clean)
    return ok(_shown(store.get("consensus_settings", row["id"]) or {}))


# --------------------------------------------------------------------------- merging


def mergeable(store: Store, task_id: int) -> dict[int, list[int]]:
    """Parent job id -> its replicas that take part (``_TaskMerger._init_jobs``)."""
    jobs = {row["id"]: row for row in store.find("jobs", task_id=task_id)}
    found: dict[int, list[int]] = {}
    for job in sorted(jobs.values(), key=lambda row: row["id"]):
        parent = jobs.get(job.get("parent_job_id") or 0)
        if job.get("type") != "consensus_replica" or parent is None:
            continue
        if parent.get("stage") != "annotation":
            continue
        if job.get("stage") == "annotation" and job.get("state") == "new":
            continue
        found.setdefault(parent["id"], []).append(job["id"])
    return found


def _check_merging(store: Store, task: Obj, parent_job_id: int | None) -> None:
    if not replicas_of(store, task["id"]) and not task.get("consensus_enabled"):
        raise list_error("Consensus is not enabled in this task")
    if task.get("dimension") != "2d":
        raise list_error("Merging is only supported in 2d tasks")
    jobs = mergeable(store, task["id"])
    if not jobs:
        raise list_error(
            "No annotation jobs in the annotation stage or no consensus_replica jobs "
            "not in the annotation - new state found"
        )
    if parent_job_id is not None and parent_job_id not in jobs:
        raise list_error(
            f"No annotated consensus jobs found for parent job {parent_job_id}. Make sure at "
            "least one consensus job is not in the annotation - new state"
        )


def _mean_box(cluster: list[Obj]) -> Obj:
    boxes = [quality_compare._bbox(shape) for shape in cluster]
    mean = [sum(box[i] for box in boxes) / len(boxes) for i in range(4)]
    return {"type": "rectangle", "points": mean}


def _merge_shapes(sources: list[list[Obj]], threshold: float) -> list[Obj]:
    """One frame's shapes of every replica, merged (see the module docstring)."""
    clusters: list[list[tuple[int, Obj]]] = []
    for index, shapes in enumerate(sources):
        for shape in shapes:
            best, best_iou = None, 0.0
            for cluster in clusters:
                if any(source == index for source, _ in cluster):
                    continue
                value = quality_compare.iou(shape, cluster[0][1])
                if value >= threshold and value > best_iou:
                    best, best_iou = cluster, value
            if best is None:
                clusters.append([(index, shape)])
            else:
                best.append((index, shape))
    merged = []
    for cluster in clusters:
        members = [shape for _, shape in cluster]
        votes = Counter(shape["label_id"] for shape in members)
        label, count = max(votes.items(), key=lambda item: item[1])
        mean = _mean_box(members)
        nearest = max(members, key=lambda shape: quality_compare.iou(mean, shape))
        shape = {key: value for key, value in nearest.items() if key != "id"}
        shape.update(
            label_id=label,
            z_order=max(int(s.get("z_order") or 0) for s in members),
            score=round(count / len(sources), 2),
            source="consensus",
            group=0,
        )
        merged.append(shape)
    return merged


def _merge_job(store: Store, task: Obj, parent_id: int, replica_ids: list[int]) -> None:
    settings = next(iter(store.find("consensus_settings", task_id=task["id"])), {})
    threshold = float(settings.get("iou_threshold", 0.4))
    datasets = [annotation_data.for_job(store, job_id) for job_id in replica_ids]
    frames: set[int] = set()
    for data in datasets:
        frames.update(int(shape["frame"]) for shape in data["shapes"])
        frames.update(int(tag["frame"]) for tag in data["tags"])
    result = annotation_data.empty()
    for frame in sorted(frames):
        sources = [[s for s in data["shapes"] if s["frame"] == frame] for data in datasets]
        result["shapes"].extend(_merge_shapes(sources, threshold))
        votes = Counter(
            tag["label_id"] for data in datasets for tag in data["tags"] if tag["frame"] == frame
        )
        for label, count in votes.items():
            result["tags"].append(
                {
                    "frame": frame,
                    "label_id": label,
                    "group": 0,
                    "source": "consensus",
                    "attributes": [],
                    "score": round(count / len(datasets), 2),
                }
            )
    parent = store.get("jobs", parent_id)
    if parent is None:
        return
    annotation_data.apply(store, task, parent, result, "put")
    if parent.get("type") == "annotation":
        store.update("jobs", parent_id, {"state": "completed", "updated_date": now_iso()})
        update_task_status(store, task["id"])


_MERGE_FIELDS = {"task_id": Field("int"), "job_id": Field("int")}


def create_merge(ctx: Context) -> Response:
    store = ctx.app.store
    _sync(store)
    if ctx.request.query.get("rq_id"):
        return ok(
            "This endpoint no longer handles merge status checking. "
            "The common requests API should be used instead",
            410,
        )
    body = ctx.request.json_object()
    if body.get("task_id") is None and body.get("job_id") is None:
        raise HttpError(403, {"detail": "Either task_id or job_id must be specified"})
    job: Obj | None = None
    if body.get("job_id") is not None:
        job = store.get("jobs", body["job_id"]) if isinstance(body["job_id"], int) else None
        if job is None:
            raise list_error("The specified job does not exist")
        task = store.get("tasks", job["task_id"]) or {}
    else:
        found = store.get("tasks", body["task_id"]) if isinstance(body["task_id"], int) else None
        if found is None:
            raise list_error("The specified task does not exist")
        task = found
    permissions.check(store, actor(ctx), "update", "tasks", task, scope(ctx))
    clean = validate(body, _MERGE_FIELDS, partial=True)
    if "task_id" in clean and "job_id" in clean:
        raise general_error('Only 1 of the fields "task_id", "job_id" can be used')
    _check_merging(store, task, job["id"] if job is not None else None)
    target = "job" if job is not None else "task"
    target_id = job["id"] if job is not None else task["id"]
    rq_id = f"action=merge&target={target}&target_id={target_id}"
    background = ctx.app.background
    existing = background.get(rq_id)
    if existing is not None and existing.active:
        return ok({"rq_id": rq_id}, 409)
    task_id = int(task["id"])
    parent_job = None if job is None else int(job["id"])

    def work(_: Any) -> Outcome:
        with store.transaction():
            current = store.get("tasks", task_id)
            if current is None:
                raise BackgroundFailure(f"Task {task_id} does not exist")
            jobs = mergeable(store, task_id)
            if parent_job is not None and parent_job not in jobs:
                raise BackgroundFailure(f"No annotated consensus jobs found for {parent_job}")
            for parent_id, replicas in jobs.items():
                if parent_job is None or parent_id == parent_job:
                    _merge_job(store, current, parent_id, replicas)
        return Outcome()

    operation = {
        "type": f"merge:{target}",
        "target": target,
        "project_id": task.get("project_id"),
        "task_id": task["id"],
        "job_id": parent_job,
    }
    background.submit(rq_id, operation, ctx.user, work)
    return ok({"rq_id": rq_id}, 202)


def register(router: Router) -> None:
    router.add("GET", "/api/consensus/settings", list_settings)
    router.add("GET", "/api/consensus/settings/{id}", retrieve_settings)
    router.add("PATCH", "/api/consensus/settings/{id}", update_settings)
    router.add("POST", "/api/consensus/merges", create_merge)
