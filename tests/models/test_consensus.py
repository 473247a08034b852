"""Consensus: the settings of a task with replicas, its replica jobs, and merging the replicas'
annotations into their annotation jobs (a background request), on both servers."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import ConsensusSettings, Task
from cvatorm.exceptions import BadRequestError, InvalidArgumentError, ValidationError
from cvatorm.models import JobState, JobType

from .gt_tasks import (  # noqa: F401
    TaskMaker,
    gt_client,
    jobs_by_start,
    label_ids,
    make_task,
    rect,
    shapes,
)


def _consensus_task(maker: TaskMaker) -> Task:
    return maker(frames=4, consensus_replicas=2)


def test_each_annotation_job_gets_its_replicas(make_task: TaskMaker) -> None:  # noqa: F811
    task = _consensus_task(make_task)
    assert task.consensus_enabled is True
    parents = jobs_by_start(task)
    assert sorted(parents) == [0, 2]
    for start, parent in parents.items():
        assert (parent.replicas_count, parent.consensus_replicas) == (2, 2)
        replicas = list(task.jobs.filter(parent_job_id=parent.id))
        assert len(replicas) == 2
        assert {r.type for r in replicas} == {JobType.CONSENSUS_REPLICA}
        assert {(r.start_frame, r.stop_frame) for r in replicas} == {(start, start + 1)}


@pytest.mark.covers("GET /api/consensus/settings", call="task.get_consensus_settings()")
@pytest.mark.covers("PATCH /api/consensus/settings/{id}", call="ConsensusSettings.save()")
@pytest.mark.covers(
    "GET /api/consensus/settings/{id}", call="client.consensus_settings.retrieve(id)"
)
def test_a_consensus_task_has_settings_that_can_be_changed(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _consensus_task(make_task)
    settings = task.get_consensus_settings()
    assert isinstance(settings, ConsensusSettings)
    assert (settings.task_id, settings.iou_threshold) == (task.id, 0.4)
    settings.iou_threshold = 0.6
    settings.save()
    assert gt_client.consensus_settings.retrieve(settings.id).iou_threshold == 0.6
    assert make_task(frames=2).get_consensus_settings() is None


def test_bad_consensus_settings_are_refused_when_assigned() -> None:
    settings = ConsensusSettings._from_wire({"id": 1, "task_id": 1}, client=None)
    for value in (1.5, -0.1, "0.5", True):
        with pytest.raises(ValidationError, match="iou_threshold"):
            settings.iou_threshold = value


@pytest.mark.covers("POST /api/consensus/merges", call="task.merge_consensus_jobs()")
def test_merging_puts_the_replicas_agreement_into_the_annotation_job(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _consensus_task(make_task)
    car = label_ids(task)["car"]
    parent = jobs_by_start(task)[0]
    first, second = sorted(task.jobs.filter(parent_job_id=parent.id), key=lambda j: j.id)
    first.set_annotations(shapes(rect(0, car, [1, 1, 10, 10]), rect(1, car, [20, 20, 30, 30])))
    second.set_annotations(shapes(rect(0, car, [2, 2, 10, 10])))
    for replica in (first, second):
        replica.state = "in progress"
        replica.save()

    request = task.merge_consensus_jobs()
    assert request.status == "finished"

    merged = parent.get_annotations()["shapes"]
    assert sorted((s["frame"], s["score"], s["source"]) for s in merged) == [
        (0, 1.0, "consensus"), (1, 0.5, "consensus"),
    ]
    assert {s["label_id"] for s in merged} == {car}
    parent.refresh()
    assert parent.state == JobState.COMPLETED
    other = jobs_by_start(task)[2]
    assert other.state == JobState.NEW and other.get_annotations()["shapes"] == []


@pytest.mark.covers("POST /api/consensus/merges", call="job.merge_consensus_jobs()")
def test_one_job_is_merged_and_jobs_without_annotated_replicas_are_refused(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = _consensus_task(make_task)
    car = label_ids(task)["car"]
    parents = jobs_by_start(task)
    replica = task.jobs.filter(parent_job_id=parents[2].id).first()
    replica.set_annotations(shapes(rect(3, car, [5, 5, 15, 15])))
    replica.state = "completed"
    replica.save()

    with pytest.raises(BadRequestError, match=f"parent job {parents[0].id}"):
        parents[0].merge_consensus_jobs()
    with pytest.raises(BadRequestError, match="No annotated consensus jobs"):
        replica.merge_consensus_jobs()
    parents[2].merge_consensus_jobs()
    assert [s["frame"] for s in parents[2].get_annotations()["shapes"]] == [3]


def test_a_task_without_replicas_has_nothing_to_merge(
    make_task: TaskMaker  # noqa: F811
) -> None:
    with pytest.raises(BadRequestError, match="Consensus is not enabled"):
        make_task(frames=2).merge_consensus_jobs()


def test_merging_an_unsaved_task_is_refused_before_any_request(
    admin_client: Any, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match="not saved"):
        Task(name="x").merge_consensus_jobs()
    with pytest.raises(InvalidArgumentError, match="timeout"):
        admin_client.tasks.retrieve(2).merge_consensus_jobs(timeout=-1)
    assert traffic.calls() == [("GET", "/api/tasks/2")]
