"""Consensus: ``ConsensusSettings`` (one per task with consensus replicas, made by the server;
``/api/consensus/settings``) and merging the replicas' annotations into their parent jobs
(``POST /api/consensus/merges``, a background request).

A task created with ``consensus_replicas=N`` gets N ``consensus_replica`` jobs per annotation
job (``job.parent_job_id`` is the annotation job). ``task.merge_consensus_jobs()`` merges every
annotation job's replicas, ``job.merge_consensus_jobs()`` one job's; only replicas that left the
annotation-new state take part, and the merged annotation job is marked completed.
"""

from __future__ import annotations

from cvatorm.connection.background import BackgroundRequest
from cvatorm.exceptions import ValidationError
from cvatorm.models.base import Model
from cvatorm.models.data import Targeted
from cvatorm.models.fields import IntegerField
from cvatorm.models.quality import FractionField
from cvatorm.models.relations import ForwardRelation
from cvatorm.operations import quality as background_ops
from cvatorm.query import Manager
from cvatorm.wire.resource import Resource, direct

__all__ = ["ConsensusMergeMixin", "ConsensusSettings", "settings_of"]

#: ``/api/consensus/merges``: only created (a background request), never listed.
MERGES = Resource(
    name="consensus_merges", path="consensus/merges", operations=frozenset({"create"})
)


class ConsensusSettings(Model):
    """How a task's consensus replicas are merged: ``iou_threshold``, the overlap from which
    two replicas' shapes are the same object. Change it and ``save()``."""

    objects: Manager[ConsensusSettings]

    id = IntegerField()
    task_id = IntegerField(related="tasks")
    iou_threshold = FractionField(writable="update")

    task = ForwardRelation("tasks", field="task_id")

    class Meta:
        api = Resource(
            path="consensus/settings",
            operations=frozenset({"list", "retrieve", "update"}),
            filter_vars=direct("id", "task_id"),
        )
        ordering = ("id",)


class ConsensusMergeMixin(Targeted):
    """``merge_consensus_jobs()`` on tasks and jobs."""

    def merge_consensus_jobs(
        self,
        *,
        status_check_period: float | None = None,
        timeout: float | None = None,
        progress: object = None,
    ) -> BackgroundRequest:
        """Merge the consensus replicas' annotations into their annotation job(s) (of this
        task, or this annotation job) and wait; the server refuses (``BadRequestError``) when
        there is nothing to merge."""
        model: Model = self  # type: ignore[assignment]
        target = self._target(
            progress=progress, status_check_period=status_check_period, timeout=timeout
        )
        key = "task_id" if target.api.name == "tasks" else "job_id"
        return background_ops.post_and_wait(
            target.context,
            MERGES.collection_path(),
            {key: model.pk},
            desc="Merging consensus jobs",
        )


def settings_of(task: Model) -> ConsensusSettings | None:
    """The consensus settings of a saved task (None when it has no consensus replicas)."""
    if task.pk is None:
        raise ValidationError(f"{task!r} is not saved yet: save() it first")
    manager = ConsensusSettings.objects.db_manager(task._connection(), task._organization)
    return manager.filter(task_id=task.pk).first()
