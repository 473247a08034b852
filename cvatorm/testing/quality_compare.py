"""Computing quality reports as the real ``TaskQualityCalculator`` does, for the simple cases.

Each annotation job (the quality settings' ``job_filter`` applied) is compared with the task's
ground-truth job on the validation frames it contains (``gt`` mode: the active validation
frames in the job's range; ``gt_pool`` mode: the job's honeypots whose real frame is active,
compared with the ground truth on that real frame). On each frame the shapes are matched by the
IoU of their bounding boxes, greedily, best first, from ``iou_threshold`` on; then, as in the
real ``DatasetComparator``:

- a matched pair with the same label is valid (a ``low_overlap`` warning below
  ``low_overlap_threshold``), with different labels a ``mismatching_label`` error;
- an unmatched ground-truth shape is a ``missing_annotation``, an unmatched job shape an
  ``extra_annotation`` (errors);
- ``total_count`` = pairs + unmatched of both sides; accuracy = valid / total, precision =
  valid / ds_count, recall = valid / gt_count (0 when the divisor is 0).

The task report sums its job reports (the real one does not compare the task itself); a project
report sums the reports of its tasks that have a finished ground-truth job. Tags, tracks,
attributes, groups and the exact geometry of polygons, masks and points are not compared here
(the real server does): tests that need those run against a real CVAT.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cvatorm.testing import annotation_data, listing, listing_fields
from cvatorm.testing.store import Obj, Store, now_iso

SEVERITY = {
    "missing_annotation": "error",
    "extra_annotation": "error",
    "mismatching_label": "error",
    "low_overlap": "warning",
}

#: The comparison parameters the real report data lists, from the quality settings.
_PARAMETERS = (
    "compare_attributes", "iou_threshold", "low_overlap_threshold", "oks_sigma",
    "point_size_base", "line_thickness", "compare_line_orientation",
    "line_orientation_threshold", "compare_groups", "group_match_threshold",
    "check_covered_annotations", "object_visibility_threshold", "panoptic_comparison",
    "empty_is_annotated", "job_filter",
)
_ANNOTATION_TYPES = [
    "bbox", "points", "mask", "polygon", "polyline", "skeleton", "label", "ellipse",
]


def _bbox(shape: Obj) -> tuple[float, float, float, float]:
    points = [float(p) for p in shape.get("points") or []]
    if shape.get("type") in ("rectangle", "ellipse") and len(points) >= 4:
        x1, y1, x2, y2 = points[:4]
        if shape.get("type") == "ellipse":  # the center, then a point at each radius
            rx, ry = abs(x2 - x1), abs(y2 - y1)
            return x1 - rx, y1 - ry, x1 + rx, y1 + ry
        return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
    xs, ys = points[0::2] or [0.0], points[1::2] or [0.0]
    return min(xs), min(ys), max(xs), max(ys)


def iou(a: Obj, b: Obj) -> float:
    """The IoU of two shapes' bounding boxes."""
    ax1, ay1, ax2, ay2 = _bbox(a)
    bx1, by1, bx2, by2 = _bbox(b)
    width = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    height = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = width * height
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def match(
    ds: list[Obj], gt: list[Obj], threshold: float
) -> tuple[list[tuple[Obj, Obj, float]], list[Obj], list[Obj]]:
    """Greedy best-first matching by IoU >= ``threshold``: (pairs, unmatched ds, unmatched gt)."""
    candidates = sorted(
        (
            (iou(d, g), i, j)
            for i, d in enumerate(ds)
            for j, g in enumerate(gt)
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_ds: set[int] = set()
    used_gt: set[int] = set()
    pairs: list[tuple[Obj, Obj, float]] = []
    for value, i, j in candidates:
        if value < threshold or value <= 0:
            break
        if i in used_ds or j in used_gt:
            continue
        used_ds.add(i)
        used_gt.add(j)
        pairs.append((ds[i], gt[j], value))
    extra = [d for i, d in enumerate(ds) if i not in used_ds]
    missing = [g for j, g in enumerate(gt) if j not in used_gt]
    return pairs, extra, missing


@dataclass
class Comparison:
    """One job's comparison: its counts, conflicts and confusion matrix entries."""

    total_frames: int = 0
    frames: list[int] = field(default_factory=list)
    valid: int = 0
    ds: int = 0
    gt: int = 0
    pairs: int = 0
    missing: int = 0
    extra: int = 0
    conflicts: list[Obj] = field(default_factory=list)
    confusion: Counter[tuple[int | None, int | None]] = field(default_factory=Counter)

    def add(self, other: Comparison) -> None:
        self.total_frames += other.total_frames
        self.frames = sorted(set(self.frames) | set(other.frames))
        for name in ("valid", "ds", "gt", "pairs", "missing", "extra"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.conflicts.extend(other.conflicts)
        self.confusion.update(other.confusion)

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def total(self) -> int:
        return self.pairs + self.missing + self.extra

    def summary(self, frame_count: int | None = None) -> Obj:
        """``QualityReportSummary`` as the real serializer renders it."""
        count = self.frame_count if frame_count is None else frame_count
        share = count / self.total_frames if self.total_frames else 0.0
        by_type = Counter(conflict["type"] for conflict in self.conflicts)
        severities = Counter(conflict["severity"] for conflict in self.conflicts)
        return {
            "total_frames": self.total_frames,
            "frame_count": count,
            "validation_frames": count,
            "frame_share": share,
            "validation_frame_share": share,
            "conflict_count": len(self.conflicts),
            "warning_count": severities.get("warning", 0),
            "error_count": severities.get("error", 0),
            "conflicts_by_type": dict(by_type),
            "valid_count": self.valid,
            "ds_count": self.ds,
            "gt_count": self.gt,
            "total_count": self.total,
            "accuracy": _ratio(self.valid, self.total),
            "precision": _ratio(self.valid, self.ds),
            "recall": _ratio(self.valid, self.gt),
        }


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _shape_id(shape: Obj, job_id: int) -> Obj:
    return {"obj_id": shape["id"], "job_id": job_id, "type": "shape", "shape_type": shape["type"]}


def _conflict(kind: str, frame: int, *ids: Obj) -> Obj:
    return {"type": kind, "frame": frame, "severity": SEVERITY[kind], "annotation_ids": list(ids)}


def _shapes_by_frame(data: Obj) -> dict[int, list[Obj]]:
    frames: dict[int, list[Obj]] = {}
    for shape in data.get("shapes") or ():
        if not shape.get("outside"):
            frames.setdefault(int(shape["frame"]), []).append(shape)
    return frames


def compare_job(
    store: Store,
    job: Obj,
    gt_job: Obj,
    frame_pairs: list[tuple[int, int]],
    settings: Obj,
) -> Comparison:
    """Compare ``job`` with ``gt_job`` on ``frame_pairs`` (job frame, ground-truth frame)."""
    result = Comparison(total_frames=int(job["stop_frame"]) - int(job["start_frame"]) + 1)
    ds_frames = _shapes_by_frame(annotation_data.for_job(store, job["id"]))
    gt_frames = _shapes_by_frame(annotation_data.for_job(store, gt_job["id"]))
    threshold = float(settings.get("iou_threshold", 0.4))
    low = float(settings.get("low_overlap_threshold", 0.8))
    for frame, gt_frame in frame_pairs:
        result.frames.append(frame)
        ds = ds_frames.get(frame, [])
        gt = gt_frames.get(gt_frame, [])
        result.ds += len(ds)
        result.gt += len(gt)
        pairs, extra, missing = match(ds, gt, threshold)
        result.pairs += len(pairs)
        result.extra += len(extra)
        result.missing += len(missing)
        for d, g, value in pairs:
            result.confusion[(d["label_id"], g["label_id"])] += 1
            ids = (_shape_id(d, job["id"]), _shape_id(g, gt_job["id"]))
            if d["label_id"] != g["label_id"]:
                result.conflicts.append(_conflict("mismatching_label", frame, *ids))
                continue
            result.valid += 1
            if value < low:
                result.conflicts.append(_conflict("low_overlap", frame, *ids))
        for g in missing:
            result.confusion[(None, g["label_id"])] += 1
            result.conflicts.append(
                _conflict("missing_annotation", frame, _shape_id(g, gt_job["id"]))
            )
        for d in extra:
            result.confusion[(d["label_id"], None)] += 1
            result.conflicts.append(_conflict("extra_annotation", frame, _shape_id(d, job["id"])))
    return result


# --------------------------------------------------------------------------- settings


def settings_for_task(store: Store, task: Obj) -> tuple[Obj, bool]:
    """The settings a task's report uses: its own, or its project's when ``inherit`` is set
    and the task is in a project (``QualitySettingsManager.get_task_settings``)."""
    own = next(iter(store.find("quality_settings", task_id=task["id"])), None) or {}
    if own.get("inherit", True) and task.get("project_id") is not None:
        project = next(iter(store.find("quality_settings", project_id=task["project_id"])), None)
        if project is not None:
            return project, True
    return own, False


def finished_gt_job(store: Store, task_id: int) -> Obj | None:
    """The task's ground-truth job when it is at the acceptance stage and completed."""
    for job in store.find("jobs", task_id=task_id):
        if (
            job.get("type") == "ground_truth"
            and job.get("stage") == "acceptance"
            and job.get("state") == "completed"
        ):
            return job
    return None


def _frame_pairs(layout: Obj | None, job: Obj) -> list[tuple[int, int]]:
    if layout is None:
        return []
    shown = layout.get("layout") or {}
    active = set(shown.get("validation_frames") or ()) - set(shown.get("disabled_frames") or ())
    if shown.get("mode") == "gt_pool":
        honeypots = (layout.get("jobs") or {}).get(str(job["id"])) or {}
        return [
            (frame, real)
            for frame, real in zip(
                honeypots.get("honeypot_frames") or (),
                honeypots.get("honeypot_real_frames") or (),
                strict=False,
            )
            if real in active
        ]
    return [(f, f) for f in sorted(active) if job["start_frame"] <= f <= job["stop_frame"]]


def _filtered_jobs(store: Store, jobs: list[Obj], job_filter: str) -> list[Obj]:
    if not job_filter:
        return jobs
    predicate = listing._json_logic(
        listing_fields.RESOURCES["jobs"], job_filter, listing_fields.Related(store)
    )
    return jobs if predicate is None else [job for job in jobs if predicate(job)]


# --------------------------------------------------------------------------- reports


def _stamp(iso: Any) -> Any:
    """A report data date as ``str(datetime)`` (the real JSON dump of the model's dates)."""
    if not isinstance(iso, str):
        return iso
    parsed = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return str(parsed)


def _label_ids(store: Store, owner: Obj) -> dict[str, int]:
    if "task_subsets" in owner:  # a project
        return {row["name"]: row["id"] for row in store.find("labels", project_id=owner["id"])}
    return annotation_data.label_ids(store, owner)


def _confusion(store: Store, owner: Obj, confusion: Counter[tuple[Any, Any]]) -> Obj:
    labels = sorted(_label_ids(store, owner).items(), key=lambda item: item[1])
    names = [name for name, _ in labels] + ["unmatched"]
    ids: list[Any] = [label_id for _, label_id in labels] + [None]
    rows = [[confusion.get((row, col), 0) for col in ids] for row in ids]
    size = len(ids)
    row_sums = [sum(row) for row in rows]
    col_sums = [sum(rows[r][c] for r in range(size)) for c in range(size)]
    total = sum(row_sums)
    diag = [rows[i][i] if ids[i] is not None else 0 for i in range(size)]
    return {
        "labels": names,
        "rows": rows,
        "axes": {"cols": "gt", "rows": "ds"},
        "precision": [_ratio(diag[i], row_sums[i]) for i in range(size)],
        "recall": [_ratio(diag[i], col_sums[i]) for i in range(size)],
        "jaccard_index": [
            _ratio(diag[i], row_sums[i] + col_sums[i] - diag[i]) for i in range(size)
        ],
        "accuracy": [
            _ratio(total - row_sums[i] - col_sums[i] + 2 * diag[i], total) for i in range(size)
        ],
    }


def _data(
    store: Store, task: Obj, report: Obj, comparison: Comparison, settings: Obj, inherited: bool
) -> Obj:
    """The report contents served by ``GET /api/quality/reports/<id>/data``."""
    summary = report["summary"]
    parameters = {name: settings.get(name) for name in _PARAMETERS if name in settings}
    parameters.update(
        included_annotation_types=_ANNOTATION_TYPES, ignored_attributes=[], inherited=inherited
    )
    head = {key: report.get(key) for key in ("id", "job_id", "task_id", "parent_id")}
    if report["target"] == "task":
        head.pop("job_id")
        head.pop("parent_id")
    return {
        **{k: v for k, v in head.items() if v is not None or k in ("job_id", "task_id")},
        "created_date": _stamp(report["created_date"]),
        "target_last_updated": _stamp(report["target_last_updated"]),
        "gt_last_updated": _stamp(report["gt_last_updated"]),
        "assignee": report.get("assignee"),
        "parameters": parameters,
        "comparison_summary": {
            "frames": comparison.frames,
            "total_frames": summary["total_frames"],
            "conflict_count": summary["conflict_count"],
            "warning_count": summary["warning_count"],
            "error_count": summary["error_count"],
            "conflicts_by_type": summary["conflicts_by_type"],
            "annotations": {
                "valid_count": comparison.valid,
                "missing_count": comparison.missing,
                "extra_count": comparison.extra,
                "total_count": comparison.total,
                "ds_count": comparison.ds,
                "gt_count": comparison.gt,
                "confusion_matrix": _confusion(store, task, comparison.confusion),
                "precision": summary["precision"],
                "recall": summary["recall"],
                "accuracy": summary["accuracy"],
            },
            "tasks": summary.get("tasks"),
            "jobs": summary.get("jobs"),
            "frame_share": summary["frame_share"],
            "frame_count": summary["frame_count"],
            "mean_conflict_count": _ratio(summary["conflict_count"], summary["frame_count"]),
            "frame_share_percent": summary["frame_share"] * 100,
        },
        "frame_results": {},
    }


@dataclass
class _Made:
    report: Obj
    comparison: Comparison
    conflicts: list[Obj]
    data_args: tuple[Obj, Obj, bool]


def _new_report(store: Store, **values: Any) -> Obj:
    return {
        "id": store.next_id("quality_reports"),
        "job_id": None,
        "task_id": None,
        "project_id": None,
        "parent_id": None,
        "created_date": now_iso(),
        "assignee": None,
        "_children": [],
        **values,
    }


def compute_task(store: Store, task_id: int) -> int | None:
    """Compute and save a task report with its job reports (and their conflicts); returns the
    task report's id (None when the ground-truth job is no longer finished)."""
    with store.transaction():
        task = store.get("tasks", task_id)
        if task is None:
            return None
        made = _task_reports(store, task)
        if made is None:
            return None
        task_made, job_made = made
        _save(store, task, [task_made, *job_made])
        return int(task_made.report["id"])


def _task_reports(store: Store, task: Obj) -> tuple[_Made, list[_Made]] | None:
    gt_job = finished_gt_job(store, task["id"])
    if gt_job is None:
        return None
    settings, inherited = settings_for_task(store, task)
    layout = store.get("validation_layouts", task["id"])
    all_jobs = sorted(
        (job for job in store.find("jobs", task_id=task["id"]) if job["type"] != "ground_truth"),
        key=lambda job: job["id"],
    )
    jobs = _filtered_jobs(store, all_jobs, str(settings.get("job_filter") or ""))
    task_report = _new_report(
        store,
        task_id=task["id"],
        project_id=task.get("project_id"),
        target="task",
        target_last_updated=task["updated_date"],
        gt_last_updated=gt_job["updated_date"],
        assignee=task.get("assignee"),
    )
    total = Comparison()
    job_made: list[_Made] = []
    not_checkable = 0
    for job in jobs:
        comparison = compare_job(store, job, gt_job, _frame_pairs(layout, job), settings)
        total.add(comparison)
        not_checkable += comparison.frame_count == 0
        report = _new_report(
            store,
            job_id=job["id"],
            task_id=task["id"],
            project_id=task.get("project_id"),
            parent_id=task_report["id"],
            target="job",
            target_last_updated=job["updated_date"],
            gt_last_updated=gt_job["updated_date"],
            assignee=job.get("assignee"),
            summary=comparison.summary(),
        )
        task_report["_children"].append(report["id"])
        job_made.append(
            _Made(report, comparison, comparison.conflicts, (task, settings, inherited))
        )
    summary = total.summary(frame_count=sum(m.comparison.frame_count for m in job_made))
    summary["jobs"] = {
        "total": len(all_jobs),
        "excluded": len(all_jobs) - len(jobs),
        "not_checkable": not_checkable,
        "included": len(jobs),
    }
    task_report["summary"] = summary
    return _Made(task_report, total, [], (task, settings, inherited)), job_made


def compute_project(store: Store, project_id: int) -> int | None:
    """A project report over fresh reports of its tasks (``ProjectQualityCalculator``): tasks
    without a finished ground-truth job are ``not_configured``, tasks with their own settings
    (``inherit`` off) ``custom``, tasks whose report included no job ``excluded``; the included
    tasks' counts are summed, each extrapolated to the whole task (weighted by 1 / its
    validation frame share, rounded up)."""
    with store.transaction():
        project = store.get("projects", project_id)
        if project is None:
            return None
        settings = next(iter(store.find("quality_settings", project_id=project_id)), {})
        tasks = sorted(store.find("tasks", project_id=project_id), key=lambda t: t["id"])
        counts = Counter[str]()
        project_report = _new_report(
            store,
            project_id=project_id,
            target="project",
            target_last_updated=project["updated_date"],
            gt_last_updated=None,
            assignee=project.get("assignee"),
        )
        total = Comparison()
        made: list[_Made] = []
        jobs = Counter[str]()
        validated = 0
        for task in tasks:
            task_made = _task_reports(store, task)
            if task_made is None:
                counts["not_configured"] += 1
                continue
            first, job_made = task_made
            first.report["parent_id"] = project_report["id"]
            project_report["_children"].append(first.report["id"])
            project_report["_children"].extend(m.report["id"] for m in job_made)
            made.extend([first, *job_made])
            if first.data_args[2] is False:  # not inherited: the task's own settings
                counts["custom"] += 1
                continue
            summary = first.report["summary"]
            if not summary["jobs"]["included"]:
                counts["excluded"] += 1
                continue
            counts["included"] += 1
            jobs.update(summary["jobs"])
            weight = 1 / (summary["frame_share"] or 1)
            part = first.comparison
            total.total_frames += part.total_frames
            validated += summary["frame_count"]
            for name in ("valid", "ds", "gt", "pairs", "missing", "extra"):
                setattr(total, name, getattr(total, name) + math.ceil(getattr(part, name) * weight))
            total.conflicts.extend(part.conflicts)
            total.confusion.update(
                {key: math.ceil(value * weight) for key, value in part.confusion.items()}
            )
        summary = total.summary(frame_count=validated)
        summary["tasks"] = {
            "total": len(tasks),
            "custom": counts["custom"],
            "not_configured": counts["not_configured"],
            "excluded": counts["excluded"],
            "included": counts["included"],
        }
        summary["jobs"] = {
            key: jobs.get(key, 0) for key in ("total", "excluded", "not_checkable", "included")
        }
        project_report["summary"] = summary
        _save(store, project, [_Made(project_report, total, [], (project, settings, False)),
                               *made])
        return int(project_report["id"])


def _save(store: Store, owner: Obj, made: Iterable[_Made]) -> None:
    for item in made:
        task, settings, inherited = item.data_args
        item.report["_data"] = _data(
            store, task, item.report, item.comparison, settings, inherited
        )
        store.put("quality_reports", item.report)
        for conflict in item.conflicts:
            store.put(
                "quality_conflicts",
                {"id": store.next_id("quality_conflicts"), "report_id": item.report["id"],
                 **conflict},
            )
