"""``/api/quality/...``: CVAT's quality control viewsets (``quality_control/views.py``).

- settings: one per task and per project, made by the server with them (here: on first use of
  these routes, for every task and project that has none); list (``task_id``/``project_id``
  check the parent and 404 when it does not exist; ``project_id`` includes the project's tasks'
  settings; ``parent_type``), retrieve, PATCH (``task_id``/``project_id`` are write-once);
- reports: list (``task_id``/``project_id`` include the job reports, ``parent_id`` every nested
  report, ``target``), retrieve, ``data`` (JSON or CSV), and ``POST`` with ``task_id`` or
  ``project_id``: a background request computing the report (:mod:`..quality_compare`);
- conflicts: list (``report_id``: a task report's conflicts are its job reports').

Who may see or change them is decided by the task's or project's rules (the real rego files
follow them closely). Rows whose task, project or job was deleted disappear with it.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cvatorm.testing import listing, listing_fields, permissions, quality_compare
from cvatorm.testing.background import BackgroundFailure, Outcome
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import actor, list_page, ok, scope, visible
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import Obj, Store, now_iso
from cvatorm.testing.validation import Field, general_error, list_error, validate

#: ``QualitySettings.get_defaults()``, in the serializer's field order.
DEFAULTS: dict[str, Any] = {
    "job_filter": "",
    "inherit": True,
    "target_metric": "accuracy",
    "target_metric_threshold": 0.7,
    "max_validations_per_job": 0,
    "iou_threshold": 0.4,
    "oks_sigma": 0.09,
    "point_size_base": "group_bbox_size",
    "line_thickness": 0.01,
    "low_overlap_threshold": 0.8,
    "compare_line_orientation": True,
    "line_orientation_threshold": 0.1,
    "compare_groups": True,
    "group_match_threshold": 0.5,
    "check_covered_annotations": True,
    "object_visibility_threshold": 0.05,
    "panoptic_comparison": True,
    "compare_attributes": True,
    "empty_is_annotated": False,
}
_FRACTIONS = (
    "target_metric_threshold", "iou_threshold", "oks_sigma", "line_thickness",
    "low_overlap_threshold", "line_orientation_threshold", "group_match_threshold",
    "object_visibility_threshold",
)
_SETTINGS_FIELDS: dict[str, Field] = {
    "job_filter": Field("str", max_length=1024),
    "inherit": Field("bool"),
    "target_metric": Field("str", choices=("accuracy", "precision", "recall")),
    "max_validations_per_job": Field("int", min_value=0, max_value=2147483647),
    "point_size_base": Field("str", choices=("image_size", "group_bbox_size")),
    "compare_line_orientation": Field("bool"),
    "compare_groups": Field("bool"),
    "check_covered_annotations": Field("bool"),
    "panoptic_comparison": Field("bool"),
    "compare_attributes": Field("bool"),
    "empty_is_annotated": Field("bool"),
    **{name: Field("float") for name in _FRACTIONS},
}
_TARGETS = ("job", "task", "project")


# --------------------------------------------------------------------------- keeping in step


def sync(store: Store) -> None:
    """Settings for every task and project (the real post_save signals), and no rows left of
    deleted tasks, projects or jobs (the real cascades)."""
    with store.transaction():
        tasks = {row["id"] for row in store.rows("tasks")}
        projects = {row["id"] for row in store.rows("projects")}
        jobs = {row["id"] for row in store.rows("jobs")}
        have_task: set[int] = set()
        have_project: set[int] = set()
        for row in list(store.rows("quality_settings")):
            if row.get("task_id") is not None:
                if row["task_id"] not in tasks:
                    store.remove("quality_settings", row["id"])
                have_task.add(row["task_id"])
            elif row.get("project_id") is not None:
                if row["project_id"] not in projects:
                    store.remove("quality_settings", row["id"])
                have_project.add(row["project_id"])
        for kind, ids in (("project_id", projects - have_project), ("task_id", tasks - have_task)):
            for owner_id in sorted(ids):
                stamp = now_iso()
                store.put(
                    "quality_settings",
                    {
                        "id": store.next_id("quality_settings"),
                        "task_id": owner_id if kind == "task_id" else None,
                        "project_id": owner_id if kind == "project_id" else None,
                        **DEFAULTS,
                        "created_date": stamp,
                        "updated_date": stamp,
                    },
                )
        gone = [
            row["id"]
            for row in store.rows("quality_reports")
            if (row.get("job_id") is not None and row["job_id"] not in jobs)
            or (row.get("target") == "task" and row.get("task_id") not in tasks)
            or (row.get("target") == "project" and row.get("project_id") not in projects)
        ]
        if gone:
            store.remove_many("quality_reports", gone)
            dropped = set(gone)
            store.remove_many(
                "quality_conflicts",
                [c["id"] for c in store.rows("quality_conflicts") if c["report_id"] in dropped],
            )


def _shown(row: Obj) -> Obj:
    """A stored row as served: without the server-side ``_`` keys."""
    return {key: value for key, value in row.items() if not key.startswith("_")}


def _owner(store: Store, row: Obj) -> tuple[str, Obj]:
    """The task or project whose permissions govern a settings row or a report."""
    if row.get("job_id") is not None:
        job = store.get("jobs", row["job_id"])
        if job is not None:
            task = store.get("tasks", job["task_id"])
            if task is not None:
                return "tasks", task
    if row.get("task_id") is not None:
        task = store.get("tasks", row["task_id"])
        if task is not None:
            return "tasks", task
    project = store.get("projects", row.get("project_id") or 0)
    if project is not None:
        return "projects", project
    raise server_error()


def _check(ctx: Context, action: str, row: Obj) -> None:
    resource, owner = _owner(ctx.app.store, row)
    permissions.check(ctx.app.store, actor(ctx), action, resource, owner, scope(ctx))


def _visible(ctx: Context, rows: list[Obj]) -> list[Obj]:
    store = ctx.app.store
    tasks = {t["id"] for t in visible(ctx, "tasks", store.rows("tasks"))}
    projects = {p["id"] for p in visible(ctx, "projects", store.rows("projects"))}
    shown = []
    for row in rows:
        resource, owner = _owner(store, row)
        if owner["id"] in (tasks if resource == "tasks" else projects):
            shown.append(row)
    return shown


def _parent(ctx: Context, resource: str, raw: str) -> Obj:
    """``get_or_404(Task, id)`` of a list filter, then the object permission check."""
    model = "Task" if resource == "tasks" else "Project" if resource == "projects" else "Job"
    try:
        key = int(raw)
    except ValueError:
        raise server_error() from None
    found = ctx.app.store.get(resource, key)
    if found is None:
        raise HttpError(404, {"detail": f"{model} {raw} does not exist"})
    permissions.check(ctx.app.store, actor(ctx), "view", resource, found, scope(ctx))
    return found


def _row(ctx: Context, resource: str, model: str) -> Obj:
    raw = ctx.params["id"]
    found = ctx.app.store.get(resource, int(raw)) if raw.isdigit() else None
    if found is None:
        raise HttpError(404, {"detail": f"No {model} matches the given query."})
    return found


# --------------------------------------------------------------------------- settings


def list_settings(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    sync(store)
    query = ctx.request.query
    with store.lock:
        rows = list(store.rows("quality_settings"))
        if query.get("task_id"):
            task = _parent(ctx, "tasks", query["task_id"])
            rows = [row for row in rows if row.get("task_id") == task["id"]]
        elif query.get("project_id"):
            project = _parent(ctx, "projects", query["project_id"])
            tasks = {t["id"] for t in store.find("tasks", project_id=project["id"])}
            rows = [
                row
                for row in rows
                if row.get("project_id") == project["id"] or row.get("task_id") in tasks
            ]
        parent_type = query.get("parent_type")
        if parent_type:
            if parent_type not in ("task", "project"):
                raise list_error(
                    f"Unexpected 'parent_type' filter value '{parent_type}'. "
                    "Valid values are: task, project"
                )
            rows = [row for row in rows if row.get(f"{parent_type}_id") is not None]
        return list_page(ctx, "quality_settings", _visible(ctx, rows))


def retrieve_settings(ctx: Context) -> Response:
    sync(ctx.app.store)
    row = _row(ctx, "quality_settings", "QualitySettings")
    _check(ctx, "view", row)
    return ok(_shown(row))


def update_settings(ctx: Context) -> Response:
    store = ctx.app.store
    sync(store)
    row = _row(ctx, "quality_settings", "QualitySettings")
    body = ctx.request.json_object()
    _check(ctx, "update", row)
    clean = validate(body, _SETTINGS_FIELDS, partial=True)
    errors = {
        name: [
            "Ensure this value is greater than or equal to 0."
            if clean[name] < 0
            else "Ensure this value is less than or equal to 1."
        ]
        for name in _FRACTIONS
        if name in clean and not 0 <= clean[name] <= 1
    }
    if errors:
        raise HttpError(400, errors)
    if clean.get("job_filter"):
        listing._json_logic(
            listing_fields.RESOURCES["jobs"], clean["job_filter"], listing_fields.Related(store)
        )
    stamp = now_iso()
    with store.transaction():
        resource, owner = _owner(store, row)
        store.update(resource, owner["id"], {"updated_date": stamp})  # instance.task.touch()
        store.update("quality_settings", row["id"], {**clean, "updated_date": stamp})
    return ok(_shown(store.get("quality_settings", row["id"]) or {}))


# --------------------------------------------------------------------------- reports


def _nested(store: Store, report_id: int) -> set[int]:
    """Every report under ``report_id`` (``parents`` or ``parents__parents``)."""
    found: set[int] = set()
    todo = [report_id]
    while todo:
        current = todo.pop()
        for row in store.rows("quality_reports"):
            if row["id"] in found:
                continue
            children = store.get("quality_reports", current) or {}
            if row.get("parent_id") == current or row["id"] in children.get("_children", ()):
                found.add(row["id"])
                todo.append(row["id"])
    return found


def list_reports(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    sync(store)
    query = ctx.request.query
    with store.lock:
        rows = list(store.rows("quality_reports"))
        if query.get("parent_id"):
            parent = store.get("quality_reports", int(query["parent_id"]))
            if parent is None:
                raise HttpError(404, {"detail": "No QualityReport matches the given query."})
            nested = _nested(store, parent["id"])
            rows = [row for row in rows if row["id"] in nested]
        if query.get("job_id"):
            _parent(ctx, "jobs", query["job_id"])
        if query.get("task_id"):
            task = _parent(ctx, "tasks", query["task_id"])
            rows = [row for row in rows if row.get("task_id") == task["id"]]
        if query.get("project_id"):
            project = _parent(ctx, "projects", query["project_id"])
            rows = [row for row in rows if row.get("project_id") == project["id"]]
        rows = _visible(ctx, rows)
        target = query.get("target")
        if target:
            if target not in _TARGETS:
                raise list_error(
                    f"Unexpected 'target' filter value '{target}'. "
                    "Valid values are: job, task, project"
                )
            rows = [row for row in rows if row.get("target") == target]
        return list_page(ctx, "quality_reports", rows, transform=_shown)


def retrieve_report(ctx: Context) -> Response:
    sync(ctx.app.store)
    row = _row(ctx, "quality_reports", "QualityReport")
    _check(ctx, "view", row)
    return ok(_shown(row))


def _seeded_data(row: Obj) -> Obj:
    """The contents of a report loaded from the seed (which holds only its summary)."""
    summary = row.get("summary") or {}
    return {
        **{key: row.get(key) for key in ("id", "job_id", "task_id", "project_id", "parent_id")},
        "created_date": row.get("created_date"),
        "target_last_updated": row.get("target_last_updated"),
        "gt_last_updated": row.get("gt_last_updated"),
        "assignee": row.get("assignee"),
        "parameters": {},
        "comparison_summary": summary,
        "frame_results": {},
    }


def _csv(data: Obj) -> str:
    """``QualityReportExportFormat.CSV``: the confusion matrix and the averages."""
    annotations = (data.get("comparison_summary") or {}).get("annotations") or {}
    matrix = annotations.get("confusion_matrix") or {"labels": [], "rows": []}
    labels = matrix.get("labels") or []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["DS (row) \\ GT (col) label", *labels, "precision"])
    rows = matrix.get("rows") or []
    for name, row, precision in zip(labels, rows, matrix.get("precision") or [], strict=False):
        writer.writerow([name, *row, precision])
    writer.writerow(["recall", *(matrix.get("recall") or [])])
    writer.writerow(["jaccard index", *(matrix.get("jaccard_index") or [])])
    writer.writerow([""])
    writer.writerow(["avg. accuracy (micro)", annotations.get("accuracy", 0.0)])
    return out.getvalue()


def report_data(ctx: Context) -> Response:
    sync(ctx.app.store)
    row = _row(ctx, "quality_reports", "QualityReport")
    _check(ctx, "view", row)
    export_format = ctx.request.query.get("format", "json")
    if export_format not in ("json", "csv"):
        raise server_error()  # QualityReportExportFormat(value): an unhandled ValueError
    data = row.get("_data") or _seeded_data(row)
    if export_format == "csv":
        return Response(200, _csv(data).encode(), "text/csv")
    return Response(200, json.dumps(data, indent=2).encode(), "application/json")


_CREATE_FIELDS = {"task_id": Field("int"), "project_id": Field("int")}


def create_report(ctx: Context) -> Response:
    """``POST /api/quality/reports``: start computing a task or project report."""
    store = ctx.app.store
    sync(store)
    if ctx.request.query.get("rq_id"):
        return ok("Unknown request id", 404)  # the deprecated status check: gone here
    body = ctx.request.json_object()
    clean = validate(body, _CREATE_FIELDS, partial=True)
    given = [name for name in ("task_id", "project_id") if name in clean]
    if not given:
        raise general_error('One of the fields "task_id", "project_id" required')
    if len(given) > 1:
        raise general_error('Only 1 of the fields "task_id", "project_id" can be used')
    resource = "tasks" if given[0] == "task_id" else "projects"
    target = "task" if resource == "tasks" else "project"
    obj = store.get(resource, clean[given[0]])
    if obj is None:
        model = "Task" if resource == "tasks" else "Project"
        raise HttpError(404, {"detail": f"{model} {clean[given[0]]} does not exist"})
    permissions.check(store, actor(ctx), "view", resource, obj, scope(ctx))
    if resource == "tasks":
        if obj.get("dimension") != "2d":
            raise list_error("Quality reports are only supported in 2d tasks")
        if quality_compare.finished_gt_job(store, obj["id"]) is None:
            raise list_error(
                "Quality reports require a Ground Truth job in the task "
                "at the acceptance stage and in the completed state"
            )
    rq_id = f"action=calculate&target={target}&target_id={obj['id']}&subresource=quality"
    background = ctx.app.background
    existing = background.get(rq_id)
    if existing is not None and existing.active:
        return ok({"rq_id": rq_id}, 409)
    object_id = int(obj["id"])

    def work(_: Any) -> Outcome:
        if resource == "tasks":
            report_id = quality_compare.compute_task(store, object_id)
        else:
            report_id = quality_compare.compute_project(store, object_id)
        if report_id is None:
            raise BackgroundFailure("No report has been computed")
        return Outcome(result_id=report_id)

    operation = {
        "type": "calculate:quality",
        "target": target,
        "project_id": obj["id"] if target == "project" else obj.get("project_id"),
        "task_id": obj["id"] if target == "task" else None,
        "job_id": None,
    }
    background.submit(rq_id, operation, ctx.user, work)
    return ok({"rq_id": rq_id}, 202)


# --------------------------------------------------------------------------- conflicts


def list_conflicts(ctx: Context) -> Response:
    scope(ctx)
    store = ctx.app.store
    sync(store)
    query = ctx.request.query
    with store.lock:
        rows = list(store.rows("quality_conflicts"))
        raw = query.get("report_id")
        if raw:
            report = store.get("quality_reports", int(raw)) if raw.isdigit() else None
            if report is None:
                raise HttpError(404, {"detail": "No QualityReport matches the given query."})
            _check(ctx, "view", report)
            if report.get("target") == "job":
                wanted = {report["id"]}
            else:
                wanted = {
                    r for r in _nested(store, report["id"])
                    if (store.get("quality_reports", r) or {}).get("target") == "job"
                }
            rows = [row for row in rows if row["report_id"] in wanted]
        else:
            reports = _visible(
                ctx,
                [
                    r for r in (store.get("quality_reports", c["report_id"]) for c in rows)
                    if r is not None
                ],
            )
            seen = {r["id"] for r in reports}
            rows = [row for row in rows if row["report_id"] in seen]
        return list_page(ctx, "quality_conflicts", rows)


def register(router: Router) -> None:
    router.add("GET", "/api/quality/settings", list_settings)
    router.add("GET", "/api/quality/settings/{id}", retrieve_settings)
    router.add("PATCH", "/api/quality/settings/{id}", update_settings)
    router.add("GET", "/api/quality/reports", list_reports)
    router.add("POST", "/api/quality/reports", create_report)
    router.add("GET", "/api/quality/reports/{id}", retrieve_report)
    router.add("GET", "/api/quality/reports/{id}/data", report_data)
    router.add("GET", "/api/quality/conflicts", list_conflicts)
