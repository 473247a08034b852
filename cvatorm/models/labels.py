"""``Label``: a class of annotations of a task or project (``/api/labels``).

Labels are created through their task's or project's ``labels`` (``task.labels = [...]``); this
endpoint lists, changes and deletes them.
"""

from __future__ import annotations

from marshmallow import fields as mm

from cvatorm.models.base import Model
from cvatorm.models.enums import LabelType
from cvatorm.models.fields import BooleanField, EnumField, IntegerField, ListField, StringField
from cvatorm.models.label_queries import LabelManager
from cvatorm.models.relations import ForwardRelation
from cvatorm.models.serialization import AttributeSchema, SublabelSpecSchema
from cvatorm.wire.resource import Resource, direct

__all__ = ["Label"]


class Label(Model):
    """A CVAT label: ``task_id`` or ``project_id`` says whose it is, ``parent_id`` the skeleton
    it is a point of."""

    objects: LabelManager[Label] = LabelManager()

    id = IntegerField()
    name = StringField(writable="update", min_length=1, max_length=64)
    color = StringField(writable="update")
    attributes = ListField(mm.Nested(AttributeSchema), writable="update")
    type = EnumField(LabelType, writable="update")
    svg = StringField(writable="update")
    sublabels = ListField(mm.Nested(SublabelSpecSchema), writable="update")
    project_id = IntegerField(nullable=True, related="projects")
    task_id = IntegerField(nullable=True, related="tasks")
    parent_id = IntegerField(nullable=True, related="labels")
    has_parent = BooleanField()

    task = ForwardRelation("tasks", field="task_id")
    project = ForwardRelation("projects", field="project_id")
    parent = ForwardRelation("labels", field="parent_id")

    class Meta:
        api = Resource(
            operations=frozenset({"list", "retrieve", "update", "delete"}),
            filter_vars={
                **direct("id", "name", "type", "color", "parent_id"),
                ("parent_id", "name"): "parent",
            },
            # Simple filters answer a superset of the equality: the labels of a task in a
            # project are its project's (task_id null), and the server raises for an id naming
            # no object instead of listing nothing. Only a narrowing for existing objects.
            simple_filters={("task_id",): "task_id", ("project_id",): "project_id"},
        )
        ordering = ("id",)
        repr_field = "name"
