"""``Issue`` and ``Comment``: review remarks on a job's frame, and the discussion under them."""

from __future__ import annotations

from cvatorm.models.base import Model
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    IntegerField,
    ListField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation, ReverseRelation
from cvatorm.models.serialization import INT32_MAX, StrictNumber
from cvatorm.query import Manager
from cvatorm.wire.resource import Resource, direct, users

__all__ = ["Comment", "Issue"]


class Issue(Model):
    """An issue raised on a frame of a job (``/api/issues``).

    The job is read from the wire key ``job`` as ``job_id`` (``issue.job`` is the ``Job``).
    ``message`` is the first comment's text, sent only when creating.
    """

    objects: Manager[Issue]

    id = IntegerField()
    frame = IntegerField(writable="create", required=True, min_value=0, max_value=INT32_MAX)
    position = ListField(StrictNumber(allow_nan=False), writable=True, required=True)
    job_id = IntegerField(
        wire_name="job", writable="create", required=True, related="jobs"
    )
    owner = UserField(nullable=True)
    assignee = UserField(writable=True, write_name="assignee", nullable=True)
    created_date = DateTimeField(nullable=True)
    updated_date = DateTimeField(nullable=True)
    resolved = BooleanField(writable=True)
    message = StringField(writable="create", write_only=True, required=True, min_length=1)

    job = ForwardRelation("jobs", field="job_id")
    comments = ReverseRelation("comments", remote_field="issue_id")

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id", "resolved"),
                **users("owner", "assignee"),
                ("job",): "job_id",
                ("job", "task_id"): "task_id",
                ("frame",): "frame_id",
            },
        )


class Comment(Model):
    """A comment on an issue (``/api/comments``); the issue is read from the wire key ``issue``
    as ``issue_id``."""

    objects: Manager[Comment]

    id = IntegerField()
    issue_id = IntegerField(
        wire_name="issue", writable="create", required=True, related="issues"
    )
    owner = UserField(nullable=True)
    message = StringField(writable=True, min_length=1)
    created_date = DateTimeField()
    updated_date = DateTimeField()

    issue = ForwardRelation("issues", field="issue_id")

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id"),
                **users("owner"),
                ("issue",): "issue_id",
                ("issue", "frame"): "frame_id",
                ("issue", "job"): "job_id",
            },
        )
        repr_field = "message"
