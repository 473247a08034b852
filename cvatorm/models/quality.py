"""Quality control: ``QualitySettings`` (one per task and per project, made by the server),
``QualityReport`` (computed in the background from a task's ground-truth job) and
``QualityConflict`` (what a report found wrong), at ``/api/quality/...``.

A report is never created directly: ``QualityReport.compute(task)`` (or
``task.compute_quality_report()``) asks the server to compare every annotation job with the
task's ground-truth job on the validation frames, waits for the background request and returns
the task's report; the job reports are its children (``report.children()``), the conflicts are
on the job reports (``report.conflicts()`` walks them for a task report too).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields as mm
from marshmallow import validate

from cvatorm.connection.context import Context
from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.models import serialization
from cvatorm.models.base import Model
from cvatorm.models.data import Targeted
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    EnumField,
    Field,
    FloatField,
    IntegerField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation
from cvatorm.operations import quality as quality_ops
from cvatorm.query import Manager, QuerySet
from cvatorm.wire.resource import Action, Resource, direct

__all__ = [
    "AnnotationId",
    "ConflictSeverity",
    "ConflictType",
    "JobQualityMixin",
    "QualityConflict",
    "QualityMixin",
    "QualityPointSizeBase",
    "QualityReport",
    "QualityReportSummary",
    "QualityReportTarget",
    "QualitySettings",
    "QualityTargetMetric",
]

#: Conflicts per page when walking a report's conflicts.
_CONFLICT_PAGE = 100
_REPORT_FORMATS = ("json", "csv")


class QualityTargetMetric(str, enum.Enum):
    ACCURACY = "accuracy"
    PRECISION = "precision"
    RECALL = "recall"


class QualityPointSizeBase(str, enum.Enum):
    IMAGE_SIZE = "image_size"
    GROUP_BBOX_SIZE = "group_bbox_size"


class QualityReportTarget(str, enum.Enum):
    """What a report is about: one job, a task (its jobs' sum) or a project (its tasks')."""

    JOB = "job"
    TASK = "task"
    PROJECT = "project"


class ConflictType(str, enum.Enum):
    MISSING_ANNOTATION = "missing_annotation"
    EXTRA_ANNOTATION = "extra_annotation"
    MISMATCHING_LABEL = "mismatching_label"
    LOW_OVERLAP = "low_overlap"
    MISMATCHING_DIRECTION = "mismatching_direction"
    MISMATCHING_ATTRIBUTES = "mismatching_attributes"
    MISMATCHING_GROUPS = "mismatching_groups"
    COVERED_ANNOTATION = "covered_annotation"


class ConflictSeverity(str, enum.Enum):
    WARNING = "warning"
    ERROR = "error"


class FractionField(FloatField[float]):
    """A number in [0, 1] (the thresholds, ``oks_sigma``, ``line_thickness``): the server's
    ``min_value=0, max_value=1``, checked when assigned."""

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return serialization.StrictNumber(
            allow_nan=False,
            required=required,
            allow_none=allow_none,
            validate=validate.Range(min=0, max=1),
        )


# ---------------------------------------------------------------------- settings


class JobFilterField(StringField[str]):
    """``job_filter``: JSON Logic stored as text; a dict is accepted and sent as its JSON."""

    def clean_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return json.dumps(value)
        return super().clean_value(value)


class QualitySettings(Model):
    """How a task's (or a project's) quality is computed. The server makes one for every task
    and project; change it and ``save()`` (a PATCH of the changed fields).

    ``inherit`` (tasks in a project): use the project's settings instead of these.
    ``job_filter`` is JSON Logic over job fields (``{"==": [{"var": "type"}, "annotation"]}``),
    given as a string or a dict (sent as its JSON text).
    """

    objects: Manager[QualitySettings]

    id = IntegerField()
    task_id = IntegerField(nullable=True, related="tasks")
    project_id = IntegerField(nullable=True, related="projects")
    job_filter = JobFilterField(writable="update", max_length=1024)
    inherit = BooleanField(writable="update")
    target_metric = EnumField(QualityTargetMetric, writable="update")
    target_metric_threshold = FractionField(writable="update")
    max_validations_per_job = IntegerField(
        writable="update", min_value=0, max_value=serialization.INT32_MAX
    )
    iou_threshold = FractionField(writable="update")
    oks_sigma = FractionField(writable="update")
    point_size_base = EnumField(QualityPointSizeBase, writable="update")
    line_thickness = FractionField(writable="update")
    low_overlap_threshold = FractionField(writable="update")
    compare_line_orientation = BooleanField(writable="update")
    line_orientation_threshold = FractionField(writable="update")
    compare_groups = BooleanField(writable="update")
    group_match_threshold = FractionField(writable="update")
    check_covered_annotations = BooleanField(writable="update")
    object_visibility_threshold = FractionField(writable="update")
    panoptic_comparison = BooleanField(writable="update")
    compare_attributes = BooleanField(writable="update")
    empty_is_annotated = BooleanField(writable="update")
    created_date = DateTimeField()
    updated_date = DateTimeField()

    task = ForwardRelation("tasks", field="task_id")
    project = ForwardRelation("projects", field="project_id")

    class Meta:
        api = Resource(
            path="quality/settings",
            operations=frozenset({"list", "retrieve", "update"}),
            filter_vars=direct(
                "id", "task_id", "project_id", "inherit", "created_date", "updated_date"
            ),
        )
        ordering = ("id",)



# ---------------------------------------------------------------------- reports


@dataclass(frozen=True)
class QualityReportSummary:
    """``QualityReportSummary``: what a report counted on its validation frames.

    ``gt_count``: ground-truth annotations, ``ds_count``: the checked job's annotations,
    ``valid_count``: pairs that match (overlap and label), ``total_count``: matched pairs plus
    the unmatched annotations of either side. ``accuracy`` = valid / total, ``precision`` =
    valid / ds_count, ``recall`` = valid / gt_count. ``jobs`` (task and project reports) and
    ``tasks`` (project reports) count what was included.
    """

    total_frames: int
    validation_frames: int
    validation_frame_share: float
    conflict_count: int
    warning_count: int
    error_count: int
    conflicts_by_type: Mapping[str, int]
    valid_count: int
    ds_count: int
    gt_count: int
    total_count: int
    accuracy: float
    precision: float
    recall: float
    jobs: Mapping[str, int] | None = None
    tasks: Mapping[str, int] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> QualityReportSummary:
        def number(name: str, *fallbacks: str) -> Any:
            for key in (name, *fallbacks):
                if data.get(key) is not None:
                    return data[key]
            return 0

        return cls(
            total_frames=int(number("total_frames")),
            validation_frames=int(number("validation_frames", "frame_count")),
            validation_frame_share=float(number("validation_frame_share", "frame_share")),
            conflict_count=int(number("conflict_count")),
            warning_count=int(number("warning_count")),
            error_count=int(number("error_count")),
            conflicts_by_type=dict(data.get("conflicts_by_type") or {}),
            valid_count=int(number("valid_count")),
            ds_count=int(number("ds_count")),
            gt_count=int(number("gt_count")),
            total_count=int(number("total_count")),
            accuracy=float(number("accuracy")),
            precision=float(number("precision")),
            recall=float(number("recall")),
            jobs=dict(data["jobs"]) if isinstance(data.get("jobs"), Mapping) else None,
            tasks=dict(data["tasks"]) if isinstance(data.get("tasks"), Mapping) else None,
            raw=dict(data),
        )


class SummaryField(Field[QualityReportSummary]):
    """A report's ``summary``, read as a :class:`QualityReportSummary` (read-only)."""

    def to_python(self, raw: Any) -> QualityReportSummary:
        if raw is None:
            return None  # type: ignore[return-value]
        return QualityReportSummary.from_wire(raw)


class QualityReport(Targeted, Model):
    """A quality report of a job, a task or a project (read-only; made by
    :meth:`compute`). ``parent_id`` is the report it is part of (a job report's task report).
    """

    objects: Manager[QualityReport]

    id = IntegerField()
    job_id = IntegerField(nullable=True, related="jobs")
    task_id = IntegerField(nullable=True, related="tasks")
    project_id = IntegerField(nullable=True, related="projects")
    parent_id = IntegerField(nullable=True, related="quality_reports")
    target = EnumField(QualityReportTarget)
    summary = SummaryField()
    created_date = DateTimeField()
    target_last_updated = DateTimeField()
    gt_last_updated = DateTimeField(nullable=True)
    assignee = UserField(nullable=True)

    job = ForwardRelation("jobs", field="job_id")
    task = ForwardRelation("tasks", field="task_id")
    project = ForwardRelation("projects", field="project_id")
    parent = ForwardRelation("quality_reports", field="parent_id")

    class Meta:
        api = Resource(
            path="quality/reports",
            operations=frozenset({"list", "retrieve"}),
            # task_id/project_id are not filter variables: the server's compare the report's
            # own column, which is null for a job report whose JSON still names its task.
            filter_vars=direct(
                "id", "job_id", "created_date", "gt_last_updated", "target_last_updated"
            ),
            simple_filters={
                ("job_id",): "job_id",
                ("task_id",): "task_id",
                ("project_id",): "project_id",
            },
            actions={"data": Action("data")},
        )

    @classmethod
    def compute(
        cls,
        target: Model,
        *,
        status_check_period: float | None = None,
        timeout: float | None = None,
        progress: object = None,
    ) -> QualityReport:
        """Compute a report of a ``Task`` (its ground-truth job must be at the acceptance
        stage, completed) or a ``Project``, wait for the server and return the new report."""
        kind = _kind(target)
        if kind not in ("tasks", "projects"):
            raise InvalidArgumentError("target", target, "a saved Task or Project")
        if target.pk is None:
            raise ValidationError(f"{target!r} is not saved yet: save() it first")
        owner: Targeted = target  # type: ignore[assignment]
        context = owner._target(
            progress=progress, status_check_period=status_check_period, timeout=timeout
        ).context
        key = "task_id" if kind == "tasks" else "project_id"
        request = quality_ops.post_and_wait(
            context,
            cls._meta.require_api().collection_path(),
            {key: target.pk},
            desc="Computing the quality report",
        )
        report_id = request.result_id
        if report_id is None:
            raise ValidationError(
                f"the server computed no quality report for {target!r} (request {request.id})"
            )
        return cls._fetch(report_id, client=context.client, organization=context.organization)

    def data(self, *, format: str = "json") -> Any:
        """The whole report (``GET .../data``): parameters, the comparison summary with its
        confusion matrix, per-frame results. ``format="json"`` gives the decoded JSON,
        ``"csv"`` the server's CSV text."""
        if format not in _REPORT_FORMATS:
            raise InvalidArgumentError("format", format, "'json' or 'csv'")
        response = self._target().request("GET", "data", params={"format": format})
        return response.json() if format == "json" else response.text

    def children(self) -> Iterator[QualityReport]:
        """The reports this one is made of (a task report's job reports; for a project
        report, its task and job reports), walked lazily."""
        return self._walk(QualityReport, {"parent_id": self.pk})

    def conflicts(self) -> Iterator[QualityConflict]:
        """The conflicts of this report (a task or project report has none of its own: these
        are its job reports'), newest first, walked page by page."""
        return self._walk(QualityConflict, {"report_id": self.pk})

    def _walk(self, model: type[Model], params: dict[str, Any]) -> Iterator[Any]:
        target = self._target()
        context = target.context
        path = model._meta.require_api().collection_path()
        query = {**params, "page_size": _CONFLICT_PAGE}
        return _pages(context, model, path, query)


def _pages(
    context: Context, model: type[Model], path: str, params: dict[str, Any]
) -> Iterator[Any]:
    response = context.request("GET", path, params=params)
    while True:
        page = response.json()
        for item in page.get("results") or ():
            yield model._from_wire(item, client=context.client, organization=context.organization)
        following = page.get("next")
        if not following:
            return
        response = context.request("GET", following)


# ---------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class AnnotationId:
    """One annotation a conflict names: its id, its job, ``shape``/``tag``/``track``."""

    obj_id: int
    job_id: int
    type: str
    shape_type: str | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AnnotationId:
        return cls(
            obj_id=int(data.get("obj_id") or 0),
            job_id=int(data.get("job_id") or 0),
            type=str(data.get("type") or ""),
            shape_type=data.get("shape_type"),
        )


class AnnotationIdsField(Field[tuple[AnnotationId, ...]]):
    def to_python(self, raw: Any) -> tuple[AnnotationId, ...]:
        return tuple(AnnotationId.from_wire(item) for item in raw or ())


class QualityConflict(Model):
    """A conflict a job report found on one frame (read-only): a missing or extra
    annotation, a mismatching label, a low overlap...; ``annotation_ids`` names the annotations
    involved (of the job and of the ground-truth job)."""

    objects: Manager[QualityConflict]

    id = IntegerField()
    frame = IntegerField()
    type = EnumField(ConflictType)
    severity = EnumField(ConflictSeverity)
    report_id = IntegerField(related="quality_reports")
    annotation_ids = AnnotationIdsField()

    report = ForwardRelation("quality_reports", field="report_id")

    class Meta:
        api = Resource(
            path="quality/conflicts",
            operations=frozenset({"list"}),
            filter_vars=direct("id", "frame", "type", "severity"),
        )


def _kind(target: object) -> str:
    """``"tasks"``, ``"projects"``...: the resource of a model instance ("" for anything else)."""
    if not isinstance(target, Model) or target._meta.api is None:
        return ""
    return target._meta.api.name


def settings_of(target: Model) -> QualitySettings:
    """The quality settings of a saved task or project (the server made them with it), through
    the client and organization the object came from."""
    kind = _kind(target)
    if kind not in ("tasks", "projects") or target.pk is None:
        raise InvalidArgumentError("target", target, "a saved Task or Project")
    key = "task_id" if kind == "tasks" else "project_id"
    manager = QualitySettings.objects.db_manager(target._connection(), target._organization)
    return manager.get(**{key: target.pk})


# ---------------------------------------------------------------------- model methods


class QualityMixin(Targeted):
    """Quality methods of tasks (and projects): compute a report, read the settings and the
    reports."""

    def compute_quality_report(
        self,
        *,
        status_check_period: float | None = None,
        timeout: float | None = None,
        progress: object = None,
    ) -> QualityReport:
        """Compute a quality report now (a background request) and return it; see
        :meth:`QualityReport.compute`."""
        model: Model = self  # type: ignore[assignment]
        return QualityReport.compute(
            model, status_check_period=status_check_period, timeout=timeout, progress=progress
        )

    def get_quality_settings(self) -> QualitySettings:
        """The quality settings the server keeps for this object."""
        model: Model = self  # type: ignore[assignment]
        return settings_of(model)

    def quality_reports(self) -> QuerySet[QualityReport]:
        """This object's reports and its jobs' (``target=...`` filters one kind)."""
        model: Model = self  # type: ignore[assignment]
        key = "task_id" if model._meta.require_api().name == "tasks" else "project_id"
        manager = QualityReport.objects.db_manager(model._connection(), model._organization)
        return manager.filter(**{key: model.pk})


class JobQualityMixin(Targeted):
    """``job.quality_reports()``: the reports of this job (made by its task's reports)."""

    def quality_reports(self) -> QuerySet[QualityReport]:
        model: Model = self  # type: ignore[assignment]
        manager = QualityReport.objects.db_manager(model._connection(), model._organization)
        return manager.filter(job_id=model.pk)
