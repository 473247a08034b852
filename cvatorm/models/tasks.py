"""``Task``: images or a video to annotate, split into jobs (``/api/tasks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cvatorm.models.base import Model
from cvatorm.models.consensus import ConsensusMergeMixin, ConsensusSettings
from cvatorm.models.consensus import settings_of as consensus_settings_of
from cvatorm.models.data import TaskDataMixin, TaskManager
from cvatorm.models.enums import ChunkType, Dimension, JobStatus, TaskMode, ValidationMode
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    EnumField,
    IntegerField,
    LabelSpecsField,
    StorageField,
    StringField,
    UserField,
)
from cvatorm.models.quality import QualityMixin
from cvatorm.models.relations import ForwardRelation, LabelsRelation, ReverseRelation
from cvatorm.models.serialization import INT32_MAX
from cvatorm.models.validation import VALIDATION_ACTIONS, TaskValidationMixin
from cvatorm.wire.actions import BACKUP_ACTIONS, EXPORT_ACTIONS, TASK_DATA_ACTIONS
from cvatorm.wire.resource import Resource, direct, users

if TYPE_CHECKING:
    from cvatorm.models.guides import AnnotationGuide
    from cvatorm.models.jobs import Job
    from cvatorm.models.labels import Label
    from cvatorm.models.organizations import Organization
    from cvatorm.models.projects import Project

__all__ = ["Task"]


class Task(TaskDataMixin, TaskValidationMixin, QualityMixin, ConsensusMergeMixin, Model):
    """A CVAT task.

    Read names and write names differ: ``owner``/``assignee`` are read as nested users and
    written as ``owner_id``/``assignee_id``; ``labels`` reads as a queryset of ``Label``
    objects (the task's own, or its project's) and is written as a list of label specs.
    ``overlap``, ``segment_size`` and ``consensus_replicas`` can only be set when creating.

    Data, annotations, datasets and backups are methods (``task.upload_data(...)``, from
    ``TaskDataMixin``); ``Task.objects.create_from_data(...)`` creates a task with its data.
    Validation frames, quality reports and consensus merges too (docs/guide/quality.md,
    docs/guide/consensus.md).
    """

    objects: TaskManager[Task] = TaskManager()

    url = StringField()
    id = IntegerField()
    name = StringField(writable=True, required=True, min_length=1, max_length=256)
    project_id = IntegerField(writable=True, nullable=True, related="projects")
    project_name = StringField(nullable=True)
    mode = EnumField(TaskMode)
    owner = UserField(writable=True, write_name="owner_id", nullable=True)
    assignee = UserField(writable=True, write_name="assignee_id", nullable=True)
    bug_tracker = StringField(writable=True, max_length=2000)
    created_date = DateTimeField()
    updated_date = DateTimeField()
    overlap = IntegerField(writable="create", nullable=True, min_value=0, max_value=INT32_MAX)
    segment_size = IntegerField(writable="create", min_value=0, max_value=INT32_MAX)
    status = EnumField(JobStatus)
    data_chunk_size = IntegerField(nullable=True)
    data_original_chunk_type = EnumField(ChunkType)
    data_compressed_chunk_type = EnumField(ChunkType)
    data_cloud_storage_id = IntegerField(nullable=True)
    guide_id = IntegerField(nullable=True)
    size = IntegerField()
    image_quality = IntegerField()
    data = IntegerField(nullable=True)
    dimension = EnumField(Dimension)
    subset = StringField(writable=True, max_length=64)
    organization_id = IntegerField(writable="update", nullable=True, related="organizations")
    target_storage = StorageField(writable=True, nullable=True)
    source_storage = StorageField(writable=True, nullable=True)
    assignee_updated_date = DateTimeField(nullable=True)
    validation_mode = EnumField(ValidationMode, nullable=True)
    consensus_enabled = BooleanField()
    consensus_replicas = IntegerField(writable="create", write_only=True, min_value=0)

    project: ForwardRelation[Project | None] = ForwardRelation("projects", field="project_id")
    organization: ForwardRelation[Organization | None] = ForwardRelation(
        "organizations", field="organization_id"
    )
    guide: ForwardRelation[AnnotationGuide | None] = ForwardRelation("guides", field="guide_id")
    jobs: ReverseRelation[Job] = ReverseRelation("jobs", remote_field="task_id")
    labels: LabelsRelation[Label] = LabelsRelation(
        task_field="id", write_field=LabelSpecsField(writable=True)
    )

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id", "name", "status", "subset", "mode", "dimension", "validation_mode"),
                **direct("project_id", "updated_date"),
                **users("owner", "assignee"),
                ("bug_tracker",): "tracker_link",
                ("project_id", "name"): "project_name",
            },
            denormalized={("project_id", "name"): "project_name"},
            actions={
                **TASK_DATA_ACTIONS,
                **EXPORT_ACTIONS,
                **BACKUP_ACTIONS,
                **VALIDATION_ACTIONS,
            },
        )
        repr_field = "name"

    def get_consensus_settings(self) -> ConsensusSettings | None:
        """The consensus settings (None unless the task has consensus replicas)."""
        return consensus_settings_of(self)
