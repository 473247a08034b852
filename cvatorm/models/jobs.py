"""``Job``: a segment of a task's frames, the unit of annotation work (``/api/jobs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import fields as mm
from marshmallow import validate

from cvatorm.models.base import Model
from cvatorm.models.clients import Client
from cvatorm.models.consensus import ConsensusMergeMixin
from cvatorm.models.data import AnnotatedMixin
from cvatorm.models.enums import (
    ChunkType,
    Dimension,
    FrameSelectionMethod,
    JobStage,
    JobState,
    JobStatus,
    JobType,
    TaskMode,
)
from cvatorm.models.fields import (
    DateTimeField,
    EnumField,
    FloatField,
    IntegerField,
    ListField,
    StorageField,
    StringField,
    UserField,
)
from cvatorm.models.quality import JobQualityMixin
from cvatorm.models.relations import ForwardRelation, LabelsRelation, ReverseRelation
from cvatorm.models.validation import (
    VALIDATION_ACTIONS,
    JobValidationMixin,
    check_ground_truth_job,
)
from cvatorm.query import Manager
from cvatorm.wire.actions import EXPORT_ACTIONS, JOB_DATA_ACTIONS
from cvatorm.wire.resource import Resource, direct, users

if TYPE_CHECKING:
    from cvatorm.models.issues import Issue
    from cvatorm.models.labels import Label
    from cvatorm.models.organizations import Organization
    from cvatorm.models.projects import Project
    from cvatorm.models.tasks import Task

__all__ = ["Job"]


class Job(AnnotatedMixin, JobValidationMixin, JobQualityMixin, ConsensusMergeMixin, Model):
    """A CVAT job.

    Existing jobs take ``assignee`` (written as the user's id under ``assignee``), ``stage`` and
    ``state``. Creating one makes a ground-truth job: ``task_id``, ``type`` and the frame
    selection fields (``frame_selection_method``, ``frame_count``, ``frames``...), checked
    before it is sent (``models/validation.py``). Annotations, frames and dataset exports are
    methods (``AnnotatedMixin``); validation layout, quality reports and consensus merges too.
    """

    objects: Manager[Job]

    url = StringField()
    id = IntegerField()
    task_id = IntegerField(writable="create", required=True, related="tasks")
    task_name = StringField(nullable=True)
    project_id = IntegerField(nullable=True, related="projects")
    project_name = StringField(nullable=True)
    assignee = UserField(writable="update", write_name="assignee", nullable=True)
    guide_id = IntegerField(nullable=True)
    dimension = EnumField(Dimension)
    bug_tracker = StringField(nullable=True)
    status = EnumField(JobStatus)
    stage = EnumField(JobStage, writable="update")
    state = EnumField(JobState, writable="update")
    mode = EnumField(TaskMode)
    frame_count = IntegerField(writable="create", min_value=1)
    start_frame = IntegerField()
    stop_frame = IntegerField()
    data_chunk_size = IntegerField(nullable=True)
    data_compressed_chunk_type = EnumField(ChunkType)
    data_original_chunk_type = EnumField(ChunkType)
    created_date = DateTimeField()
    updated_date = DateTimeField()
    type = EnumField(JobType, writable="create", required=True)
    organization_id = IntegerField(wire_name="organization", nullable=True, related="organizations")
    target_storage = StorageField(nullable=True)
    source_storage = StorageField(nullable=True)
    assignee_updated_date = DateTimeField(nullable=True)
    parent_job_id = IntegerField(nullable=True, related="jobs")
    consensus_replicas = IntegerField()
    replicas_count = IntegerField()
    frame_selection_method = EnumField(FrameSelectionMethod, writable="create", write_only=True)
    frame_share = FloatField(writable="create", write_only=True)
    frames_per_job_count = IntegerField(writable="create", write_only=True, min_value=1)
    frames_per_job_share = FloatField(writable="create", write_only=True)
    random_seed = IntegerField(writable="create", write_only=True, min_value=0)
    frames = ListField(
        mm.Integer(strict=True, validate=validate.Range(min=0)),
        writable="create",
        write_only=True,
    )

    task: ForwardRelation[Task] = ForwardRelation("tasks", field="task_id")
    project: ForwardRelation[Project | None] = ForwardRelation("projects", field="project_id")
    organization: ForwardRelation[Organization | None] = ForwardRelation(
        "organizations", field="organization_id"
    )
    parent_job: ForwardRelation[Job | None] = ForwardRelation("jobs", field="parent_job_id")
    issues: ReverseRelation[Issue] = ReverseRelation("issues", remote_field="job_id")
    labels: LabelsRelation[Label] = LabelsRelation(task_field="task_id")

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id", "state", "stage", "task_id", "project_id", "updated_date"),
                **direct("dimension", "type", "parent_job_id"),
                **users("assignee"),
                ("task_id", "name"): "task_name",
                ("task_id", "project_id"): "project_id",
                ("project_id", "name"): "project_name",
            },
            denormalized={
                ("task_id", "name"): "task_name",
                ("task_id", "project_id"): "project_id",
                ("project_id", "name"): "project_name",
            },
            actions={**JOB_DATA_ACTIONS, **EXPORT_ACTIONS, **VALIDATION_ACTIONS},
        )

    def _create(self, client: Client) -> None:
        check_ground_truth_job(self._values)  # the server's rules, before any request
        super()._create(client)
