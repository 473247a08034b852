"""Quality control: settings, computing a report from a task's ground-truth job, the report's
summary, children, conflicts and contents, on both servers (the numbers are the real server's
for this scenario)."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import QualityConflict, QualityReport, QualitySettings, Task
from cvatorm.exceptions import BadRequestError, InvalidArgumentError, ValidationError
from cvatorm.models import ConflictSeverity, ConflictType, QualityReportTarget

from .gt_tasks import (  # noqa: F401
    TaskMaker,
    gt_client,
    jobs_by_start,
    label_ids,
    make_task,
    rect,
    shapes,
)


def _annotated_task(maker: TaskMaker, client: Any, *, finish: bool = True) -> Task:
    """4 frames, 2 jobs; the ground truth is on frames 0 and 2. Job [0, 1] has one matching
    car and one extra dog on frame 0; job [2, 3] calls the car a dog and finds the dog."""
    task = maker(frames=4)
    gt = client.jobs.create(
        task_id=task.id, type="ground_truth", frame_selection_method="manual", frames=[0, 2]
    )
    car, dog = label_ids(task)["car"], label_ids(task)["dog"]
    gt.set_annotations(
        shapes(rect(0, car, [1, 1, 10, 10]), rect(2, car, [1, 1, 10, 10]),
               rect(2, dog, [20, 5, 30, 20]))
    )
    jobs = jobs_by_start(task)
    jobs[0].set_annotations(
        shapes(rect(0, car, [1, 1, 10, 10]), rect(1, car, [1, 1, 5, 5]),
               rect(0, dog, [30, 20, 38, 28]))
    )
    jobs[2].set_annotations(
        shapes(rect(2, dog, [1, 1, 10, 10]), rect(2, dog, [20, 5, 30, 22]),
               rect(3, car, [1, 1, 5, 5]))
    )
    if finish:
        gt.stage, gt.state = "acceptance", "completed"
        gt.save()
    return task


@pytest.mark.covers("GET /api/quality/settings", call="task.get_quality_settings()")
@pytest.mark.covers("PATCH /api/quality/settings/{id}", call="QualitySettings.save()")
@pytest.mark.covers("GET /api/quality/settings/{id}", call="client.quality_settings.retrieve(id)")
def test_every_task_has_quality_settings_that_can_be_changed(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = make_task(frames=2)
    settings = task.get_quality_settings()
    assert isinstance(settings, QualitySettings)
    assert (settings.task_id, settings.project_id) == (task.id, None)
    assert (settings.iou_threshold, settings.inherit, settings.target_metric) == (
        0.4, True, "accuracy",
    )
    settings.iou_threshold = 0.55
    settings.job_filter = {"==": [{"var": "type"}, "annotation"]}
    settings.save()
    again = gt_client.quality_settings.retrieve(settings.id)
    assert again.iou_threshold == 0.55
    assert again.job_filter == '{"==": [{"var": "type"}, "annotation"]}'
    assert again.updated_date >= settings.created_date


@pytest.mark.parametrize(
    ("field", "value"),
    [("iou_threshold", 1.5), ("oks_sigma", -0.1), ("target_metric", "f1"),
     ("max_validations_per_job", -1), ("inherit", "yes"), ("job_filter", 7)],
)
def test_bad_settings_are_refused_when_assigned(field: str, value: Any) -> None:
    settings = QualitySettings._from_wire({"id": 1, "task_id": 1}, client=None)
    with pytest.raises(ValidationError, match=field):
        setattr(settings, field, value)


def test_quality_objects_cannot_be_created_or_deleted_directly(
    admin_client: Any, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match="read-only"):
        admin_client.quality_settings.create(task_id=1)
    with pytest.raises(ValidationError, match="cannot be created"):
        QualityReport().save(using=admin_client)
    with pytest.raises(ValidationError, match="cannot be deleted"):
        QualityConflict._from_wire({"id": 1}, client=admin_client).delete()
    assert len(traffic) == 0


def test_a_report_needs_a_finished_ground_truth_job(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _annotated_task(make_task, gt_client, finish=False)
    with pytest.raises(BadRequestError, match="Ground Truth job"):
        task.compute_quality_report()


@pytest.mark.covers("POST /api/quality/reports", call="task.compute_quality_report()")
@pytest.mark.covers("GET /api/quality/reports/{id}", call="task.compute_quality_report()")
@pytest.mark.covers("GET /api/quality/reports", call="report.children()")
@pytest.mark.covers("GET /api/quality/conflicts", call="report.conflicts()")
def test_a_task_report_sums_its_job_reports(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _annotated_task(make_task, gt_client)
    report = task.compute_quality_report()
    assert (report.target, report.task_id, report.job_id, report.parent_id) == (
        QualityReportTarget.TASK, task.id, None, None,
    )
    summary = report.summary
    assert (summary.total_frames, summary.validation_frames, summary.validation_frame_share) == (
        4, 2, 0.5,
    )
    assert (summary.valid_count, summary.ds_count, summary.gt_count, summary.total_count) == (
        2, 4, 3, 4,
    )
    assert (summary.accuracy, summary.precision) == (0.5, 0.5)
    assert summary.recall == pytest.approx(2 / 3)
    assert (summary.conflict_count, summary.error_count, summary.warning_count) == (2, 2, 0)
    assert summary.conflicts_by_type == {"extra_annotation": 1, "mismatching_label": 1}
    assert summary.jobs == {"total": 2, "excluded": 0, "not_checkable": 0, "included": 2}

    jobs = jobs_by_start(task)
    children = {child.job_id: child for child in report.children()}
    assert set(children) == {jobs[0].id, jobs[2].id}
    first, second = children[jobs[0].id].summary, children[jobs[2].id].summary
    assert (first.valid_count, first.ds_count, first.gt_count, first.recall) == (1, 2, 1, 1.0)
    assert first.conflicts_by_type == {"extra_annotation": 1}
    assert (second.valid_count, second.ds_count, second.gt_count, second.recall) == (
        1, 2, 2, 0.5,
    )
    assert second.conflicts_by_type == {"mismatching_label": 1}
    assert all(child.parent_id == report.id for child in children.values())

    conflicts = list(report.conflicts())
    assert {(c.type, c.frame, c.severity) for c in conflicts} == {
        (ConflictType.EXTRA_ANNOTATION, 0, ConflictSeverity.ERROR),
        (ConflictType.MISMATCHING_LABEL, 2, ConflictSeverity.ERROR),
    }
    mismatch = next(c for c in conflicts if c.type == ConflictType.MISMATCHING_LABEL)
    gt_job = gt_client.jobs.get(task_id=task.id, type="ground_truth")
    assert {ident.job_id for ident in mismatch.annotation_ids} == {jobs[2].id, gt_job.id}
    assert {ident.shape_type for ident in mismatch.annotation_ids} == {"rectangle"}
    assert mismatch.report.job_id == jobs[2].id


@pytest.mark.covers("GET /api/quality/reports", call="QualityReport.objects.filter(...)")
@pytest.mark.covers("GET /api/quality/reports/{id}/data", call="report.data(format=...)")
def test_reports_are_listed_by_task_job_and_target_and_their_contents_read(
    make_task: TaskMaker, gt_client: Any, traffic: Any  # noqa: F811
) -> None:
    task = _annotated_task(make_task, gt_client)
    report = task.compute_quality_report()
    reports = gt_client.quality_reports
    assert sorted(r.target for r in task.quality_reports()) == ["job", "job", "task"]
    assert [r.id for r in reports.filter(task_id=task.id, target="task")] == [report.id]
    job = jobs_by_start(task)[2]
    (job_report,) = job.quality_reports()
    assert job_report.parent_id == report.id
    assert reports.filter(job_id=job.id).count() == 1
    assert reports.filter(task_id=task.id).order_by("-id").first().target == "job"

    data = report.data()
    annotations = data["comparison_summary"]["annotations"]
    assert (annotations["valid_count"], annotations["missing_count"]) == (2, 0)
    assert (annotations["extra_count"], annotations["total_count"]) == (1, 4)
    assert data["comparison_summary"]["frames"] == [0, 2]
    assert data["parameters"]["iou_threshold"] == 0.4
    matrix = annotations["confusion_matrix"]
    assert matrix["labels"] == ["car", "dog", "unmatched"]
    assert matrix["axes"] == {"cols": "gt", "rows": "ds"}
    assert report.data(format="csv").startswith("DS (row) \\ GT (col) label,car,dog")
    traffic.clear()
    with pytest.raises(InvalidArgumentError, match="format"):
        report.data(format="xml")
    assert len(traffic) == 0


@pytest.mark.covers("GET /api/quality/conflicts", call="QualityConflict.objects.filter(...)")
def test_conflicts_are_filtered_by_their_fields(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _annotated_task(make_task, gt_client)
    report = task.compute_quality_report()
    job_report = next(c for c in report.children() if c.summary.conflict_count)
    mine = {c.id for c in report.conflicts()}
    found = gt_client.quality_conflicts.filter(id__in=sorted(mine), type="mismatching_label")
    assert [c.frame for c in found] == [2]
    by_report = [c.report_id for c in gt_client.quality_conflicts.filter(id__in=sorted(mine))]
    assert job_report.id in by_report and report.id not in by_report


@pytest.mark.covers("POST /api/quality/reports", call="QualityReport.compute(project)")
def test_a_project_report_extrapolates_its_configured_tasks(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    project = gt_client.projects.create(name="cvatorm quality", labels=[{"name": "car"}])
    try:
        tasks = [make_task(frames=4, project_id=project.id, labels=None) for _ in range(3)]
        car = label_ids(tasks[0])["car"]
        for extra, task in zip((False, True), tasks[:2], strict=False):
            gt = gt_client.jobs.create(
                task_id=task.id, type="ground_truth", frame_selection_method="manual",
                frames=[0, 2],
            )
            gt.set_annotations(shapes(rect(0, car, [1, 1, 10, 10])))
            gt.stage, gt.state = "acceptance", "completed"
            gt.save()
            found = [rect(0, car, [1, 1, 10, 10])] + ([rect(0, car, [20, 20, 30, 30])] * extra)
            jobs_by_start(task)[0].set_annotations(shapes(*found))

        report = QualityReport.compute(project)
        summary = report.summary
        assert (report.target, report.project_id, report.gt_last_updated) == (
            QualityReportTarget.PROJECT, project.id, None,
        )
        assert summary.tasks == {
            "total": 3, "custom": 0, "not_configured": 1, "excluded": 0, "included": 2,
        }
        assert summary.jobs == {"total": 4, "excluded": 0, "not_checkable": 0, "included": 4}
        assert (summary.total_frames, summary.validation_frames) == (8, 4)
        # each task's counts are extrapolated to the task: x 1 / (2 of 4 frames)
        assert (summary.valid_count, summary.ds_count, summary.gt_count) == (4, 6, 4)
        assert summary.conflicts_by_type == {"extra_annotation": 1}
        nested = list(report.children())
        assert sorted(r.target for r in nested) == ["job"] * 4 + ["task"] * 2
        assert [c.type for c in report.conflicts()] == [ConflictType.EXTRA_ANNOTATION]
    finally:
        project.delete()  # its tasks, jobs, reports and conflicts go with it


def test_seeded_project_report_counts_its_tasks(admin_client: Any) -> None:
    """CVAT's test assets hold a project report (id 18, project 17)."""
    report = admin_client.quality_reports.retrieve(18)
    assert (report.target, report.project_id) == (QualityReportTarget.PROJECT, 17)
    assert report.summary.tasks == {
        "total": 2, "custom": 0, "not_configured": 0, "excluded": 0, "included": 2,
    }
    assert report.summary.gt_count == 20


@pytest.mark.parametrize(
    "target",
    [lambda c: c.jobs.retrieve(2), lambda c: Task(name="unsaved"), lambda c: "task 2"],
    ids=["job", "unsaved", "string"],
)
def test_reports_are_computed_only_for_saved_tasks_and_projects(
    admin_client: Any, traffic: Any, target: Any
) -> None:
    obj = target(admin_client)
    traffic.clear()
    with pytest.raises((InvalidArgumentError, ValidationError)):
        QualityReport.compute(obj)
    assert len(traffic) == 0
