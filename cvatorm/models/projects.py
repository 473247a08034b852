"""``Project``: a group of tasks sharing labels (``/api/projects``)."""

from __future__ import annotations

from cvatorm.models.base import Model
from cvatorm.models.data import ProjectDataMixin, ProjectManager
from cvatorm.models.enums import Dimension, JobStatus
from cvatorm.models.fields import (
    DateTimeField,
    EnumField,
    IntegerField,
    LabelSpecsField,
    ListField,
    StorageField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation, ReverseRelation
from cvatorm.wire.actions import BACKUP_ACTIONS, DATASET_IMPORT_ACTIONS, EXPORT_ACTIONS
from cvatorm.wire.resource import Resource, direct, users

__all__ = ["Project"]


class Project(ProjectDataMixin, Model):
    """A CVAT project. ``labels`` reads as a queryset of its ``Label`` objects and is written as
    a list of label specs (``[{"name": "car"}]``, ``[{"id": 3, "deleted": True}]``).

    Datasets and backups are methods (``ProjectDataMixin``); ``Project.objects`` can also
    ``create_from_backup(...)``."""

    objects: ProjectManager[Project] = ProjectManager()

    url = StringField()
    id = IntegerField()
    name = StringField(writable=True, required=True, min_length=1, max_length=256)
    owner = UserField(writable=True, write_name="owner_id", nullable=True)
    assignee = UserField(writable=True, write_name="assignee_id", nullable=True)
    guide_id = IntegerField(nullable=True)
    bug_tracker = StringField(writable=True, max_length=2000)
    task_subsets = ListField()
    created_date = DateTimeField()
    updated_date = DateTimeField()
    status = EnumField(JobStatus)
    dimension = EnumField(Dimension, nullable=True)
    organization_id = IntegerField(writable="update", nullable=True, related="organizations")
    target_storage = StorageField(writable=True)
    source_storage = StorageField(writable=True)
    assignee_updated_date = DateTimeField(nullable=True)

    organization = ForwardRelation("organizations", field="organization_id")
    guide = ForwardRelation("guides", field="guide_id")
    tasks = ReverseRelation("tasks", remote_field="project_id")
    labels = ReverseRelation(
        "labels", remote_field="project_id", write_field=LabelSpecsField(writable=True)
    )

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id", "name", "status", "updated_date"),
                **users("owner", "assignee"),
            },
            actions={**EXPORT_ACTIONS, **BACKUP_ACTIONS, **DATASET_IMPORT_ACTIONS},
        )
        repr_field = "name"
