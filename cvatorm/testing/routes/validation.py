"""``/api/tasks/<id>/validation_layout`` and ``/api/jobs/<id>/validation_layout``: the
validation frames of a task (``TaskValidationLayoutWriteSerializer``) and a job's honeypots
(``JobValidationLayoutWriteSerializer``).

A task's layout is stored per task (``validation_layouts``: the served ``layout`` and, in the
``gt_pool`` mode, each job's honeypots). Creating a ground-truth job makes a ``gt`` layout
(:func:`make_gt_layout`); deleting it removes the layout. ``disabled_frames`` must be
validation frames; honeypots can only be changed in the ``gt_pool`` mode, by choosing new real
frames among the active validation frames (``random_uniform``, or ``manual``: as many as
before, from the pool, not disabled).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import get_checked, ok
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Obj, Store, now_iso
from cvatorm.testing.validation import Field, general_error, list_error, validate

_METHODS = ("random_uniform", "random_per_job", "manual")
_TASK_FIELDS = {
    "disabled_frames": Field("list"),
    "frame_selection_method": Field("str", choices=_METHODS),
    "honeypot_real_frames": Field("list"),
}
_NO_LAYOUT = {"mode": None, "frames_per_job_count": None}
_NOT_POOL = "Honeypots can only be modified if the task validation mode is 'gt_pool'"


def make_gt_layout(store: Store, task_id: int, frames: list[int]) -> None:
    """The layout a new ground-truth job gives its task (validation mode ``gt``)."""
    store.put(
        "validation_layouts",
        {
            "id": task_id,
            "layout": {
                "mode": "gt",
                "frames_per_job_count": None,
                "validation_frames": sorted(frames),
                "disabled_frames": [],
            },
            "jobs": {},
        },
    )


def remove_layout(store: Store, task_id: int) -> None:
    if store.get("validation_layouts", task_id) is not None:
        store.remove("validation_layouts", task_id)


def _format_list(numbers: Any) -> str:
    items = [str(n) for n in sorted(numbers)]
    shown = ", ".join(items[:10])
    return shown + (f" (and {len(items) - 10} more)" if len(items) > 10 else "")


def _frames(name: str, value: Any) -> list[int]:
    errors = {
        str(i): ["A valid integer is required."]
        for i, n in enumerate(value)
        if isinstance(n, bool) or not isinstance(n, int)
    }
    if errors:
        raise HttpError(400, {name: errors})
    negative = {str(i): ["Ensure this value is greater than or equal to 0."]
                for i, n in enumerate(value) if n < 0}
    if negative:
        raise HttpError(400, {name: negative})
    return [int(n) for n in value]


def _layout(store: Store, task_id: int) -> Obj | None:
    row = store.get("validation_layouts", task_id)
    if row is not None and store.get("tasks", task_id) is None:
        store.remove("validation_layouts", task_id)
        return None
    return row


def task_layout(ctx: Context) -> Response:
    task = get_checked(ctx, "tasks", "view:validation_layout")
    row = _layout(ctx.app.store, task["id"])
    return ok(dict(row["layout"]) if row is not None else dict(_NO_LAYOUT))


def job_layout(ctx: Context) -> Response:
    job = get_checked(ctx, "jobs", "view:validation_layout")
    row = _layout(ctx.app.store, job["task_id"])
    return ok(dict(((row or {}).get("jobs") or {}).get(str(job["id"])) or {}))


def _check_method(clean: dict[str, Any], *, general: bool) -> None:
    method = clean.get("frame_selection_method")
    if method == "manual" and "honeypot_real_frames" not in clean:
        raise HttpError(400, {"honeypot_real_frames": ["This field is required."]})
    if "honeypot_real_frames" in clean and method != "manual":
        message = (
            '"honeypot_real_frames" can only be used when "frame_selection_method" is "manual"'
        )
        raise general_error(message) if general else list_error(message)


def _active(layout: Obj) -> list[int]:
    disabled = set(layout.get("disabled_frames") or ())
    return [f for f in layout.get("validation_frames") or () if f not in disabled]


def _reassign(row: Obj, job_ids: list[str], method: str, requested: list[int] | None) -> None:
    """New real frames for the honeypots of ``job_ids`` (in frame order), then the task's
    honeypot lists recomputed from the jobs'."""
    layout = row["layout"]
    active = _active(layout)
    counts = Counter({frame: 0 for frame in active})
    rng = random.Random()
    queue = list(requested or [])
    for job_id in job_ids:
        honeypots = row["jobs"][job_id]
        frames = honeypots.get("honeypot_frames") or []
        if method == "manual":
            chosen = queue[: len(frames)]
            del queue[: len(frames)]
        else:
            chosen = []
            for _ in frames:
                least = min(counts.values()) if counts else 0
                pick = rng.choice([f for f, c in counts.items() if c == least])
                counts[pick] += 1
                chosen.append(pick)
        honeypots["honeypot_real_frames"] = chosen
    pairs = sorted(
        (frame, real)
        for jobs in row["jobs"].values()
        for frame, real in zip(
            jobs.get("honeypot_frames") or (), jobs.get("honeypot_real_frames") or (), strict=False
        )
    )
    layout["honeypot_frames"] = [frame for frame, _ in pairs]
    layout["honeypot_real_frames"] = [real for _, real in pairs]


def _check_manual(layout: Obj, requested: list[int]) -> None:
    pool = set(layout.get("validation_frames") or ())
    active = set(_active(layout))
    outside = [f for f in requested if f not in pool]
    if outside:
        raise list_error(
            "Could not update honeypot frames: frames "
            f"{_format_list(set(outside))} are not from the validation pool"
        )
    inactive = [f for f in requested if f not in active]
    if inactive:
        raise list_error(
            f"Could not update honeypot frames: frames {_format_list(set(inactive))} are "
            "disabled. Restore them in the validation pool first"
        )


def update_task_layout(ctx: Context) -> Response:
    body = ctx.request.json_object()
    task = get_checked(ctx, "tasks", "update:validation_layout", body=body)
    clean = validate(body, _TASK_FIELDS, partial=True)
    for name in ("disabled_frames", "honeypot_real_frames"):
        if name in clean:
            clean[name] = _frames(name, clean[name])
    _check_method(clean, general=True)
    store = ctx.app.store
    with store.transaction():
        row = _layout(store, task["id"])
        if row is None:
            raise list_error("Validation is not configured in the task")
        layout = row["layout"]
        if "disabled_frames" in clean:
            unknown = set(clean["disabled_frames"]) - set(layout.get("validation_frames") or ())
            if unknown:
                raise list_error(
                    "Unknown frames requested for exclusion from the validation set: "
                    + _format_list(unknown)
                )
            layout["disabled_frames"] = sorted(set(clean["disabled_frames"]))
        method = clean.get("frame_selection_method")
        if method:
            if layout.get("mode") != "gt_pool":
                raise list_error(_NOT_POOL)
            job_ids = [
                str(job["id"])
                for job in sorted(store.find("jobs", task_id=task["id"]),
                                  key=lambda job: job["start_frame"])
                if job["type"] == "annotation" and str(job["id"]) in row["jobs"]
            ]
            if method == "manual":
                expected = len(layout.get("honeypot_frames") or ())
                if len(clean["honeypot_real_frames"]) != expected:
                    raise list_error(
                        f"Invalid size of 'honeypot_real_frames' array, expected {expected}"
                    )
                _check_manual(layout, clean["honeypot_real_frames"])
            elif method != "random_uniform":
                raise HttpError(500, "Server Error (500)")  # an assert in the real serializer
            _reassign(row, job_ids, method, clean.get("honeypot_real_frames"))
        store.put("validation_layouts", row)
        store.update("tasks", task["id"], {"updated_date": now_iso()})
    return ok(dict(row["layout"]))


_JOB_FIELDS = {
    "frame_selection_method": Field("str", required=True, choices=_METHODS),
    "honeypot_real_frames": Field("list"),
}


def update_job_layout(ctx: Context) -> Response:
    body = ctx.request.json_object()
    job = get_checked(ctx, "jobs", "update:validation_layout", body=body)
    clean = validate(body, _JOB_FIELDS)
    if "honeypot_real_frames" in clean:
        clean["honeypot_real_frames"] = _frames(
            "honeypot_real_frames", clean["honeypot_real_frames"]
        )
        if not clean["honeypot_real_frames"]:
            raise HttpError(400, {"honeypot_real_frames": ["This list may not be empty."]})
    method = clean["frame_selection_method"]
    if method == "random_per_job":
        raise HttpError(500, "Server Error (500)")  # an assert in the real serializer
    _check_method(clean, general=False)
    store = ctx.app.store
    with store.transaction():
        row = _layout(store, job["task_id"])
        if row is None or row["layout"].get("mode") != "gt_pool":
            raise list_error(_NOT_POOL)
        if job["type"] == "ground_truth":
            raise list_error("Honeypots cannot exist in ground_truth jobs")
        honeypots = row["jobs"].get(str(job["id"])) or {}
        if method == "manual":
            requested = clean["honeypot_real_frames"]
            _check_manual(row["layout"], requested)
            current = len(honeypots.get("honeypot_frames") or ())
            if len(requested) != current:
                raise list_error(
                    "Could not update honeypot frames: the number of honeypots must remain the "
                    f"same. Requested {len(requested)}, current {current}"
                )
        if honeypots:
            _reassign(row, [str(job["id"])], method, clean.get("honeypot_real_frames"))
        store.put("validation_layouts", row)
        store.update("jobs", job["id"], {"updated_date": now_iso()})
    return ok(dict(row["jobs"].get(str(job["id"])) or {}))


def register(router: Router) -> None:
    router.add("GET", "/api/tasks/{id}/validation_layout", task_layout)
    router.add("PATCH", "/api/tasks/{id}/validation_layout", update_task_layout)
    router.add("GET", "/api/jobs/{id}/validation_layout", job_layout)
    router.add("PATCH", "/api/jobs/{id}/validation_layout", update_job_layout)
