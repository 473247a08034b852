"""Validation layouts of tasks and jobs (typed), disabling validation frames, honeypots, and
the media meta update (deleted frames) of tasks and jobs."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import Job, Task
from cvatorm.exceptions import BadRequestError, InvalidArgumentError, ValidationError
from cvatorm.models import JobValidationLayout, TaskValidationLayout, ValidationMode

from .gt_tasks import TaskMaker, gt_client, jobs_by_start, make_task  # noqa: F401

#: Seed task 33 (CVAT's test assets) is in the ``gt_pool`` mode: 4 honeypots over 2 frames.
POOL_TASK, POOL_JOB = 33, 57


def _with_gt(maker: TaskMaker, client: Any) -> tuple[Task, Job]:
    task = maker(frames=4)
    gt = client.jobs.create(
        task_id=task.id, type="ground_truth", frame_selection_method="manual", frames=[0, 2]
    )
    return task, gt


@pytest.mark.covers(
    "GET /api/tasks/{id}/validation_layout", call="task.validation_layout()"
)
def test_a_task_without_validation_has_an_empty_layout(
    make_task: TaskMaker  # noqa: F811
) -> None:
    layout = make_task(frames=2).validation_layout()
    assert isinstance(layout, TaskValidationLayout)
    assert layout.mode is None
    assert (layout.validation_frames, layout.disabled_frames, layout.honeypot_count) == (
        (), (), 0,
    )


@pytest.mark.covers(
    "PATCH /api/tasks/{id}/validation_layout",
    call="task.disable_validation_frames(frames) / enable_validation_frames(frames)",
)
def test_validation_frames_are_disabled_and_enabled_again(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task, _ = _with_gt(make_task, gt_client)
    layout = task.validation_layout()
    assert layout.mode == ValidationMode.GT
    assert (layout.validation_frames, layout.active_frames) == ((0, 2), (0, 2))

    disabled = task.disable_validation_frames([2])
    assert (disabled.disabled_frames, disabled.active_frames) == ((2,), (0,))
    assert task.validation_layout().disabled_frames == (2,)

    enabled = task.enable_validation_frames([2])
    assert enabled.disabled_frames == ()


def test_the_server_refuses_to_disable_frames_that_are_not_validation_frames(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task, _ = _with_gt(make_task, gt_client)
    with pytest.raises(BadRequestError, match="Unknown frames requested for exclusion"):
        task.update_validation_layout(disabled_frames=[1])


def test_honeypots_cannot_change_outside_the_gt_pool_mode(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task, _ = _with_gt(make_task, gt_client)
    with pytest.raises(BadRequestError, match="gt_pool"):
        task.update_validation_layout(frame_selection_method="random_uniform")
    job = jobs_by_start(task)[0]
    with pytest.raises(BadRequestError, match="gt_pool"):
        job.update_validation_layout(frame_selection_method="random_uniform")


@pytest.mark.covers("GET /api/jobs/{id}/validation_layout", call="job.validation_layout()")
def test_jobs_of_a_gt_task_have_no_honeypots(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task, gt = _with_gt(make_task, gt_client)
    for job in (gt, jobs_by_start(task)[2]):
        layout = job.validation_layout()
        assert isinstance(layout, JobValidationLayout)
        assert (layout.honeypot_count, layout.honeypot_frames) == (0, ())


@pytest.mark.covers("GET /api/tasks/{id}/validation_layout", call="task.validation_layout()")
@pytest.mark.covers("GET /api/jobs/{id}/validation_layout", call="job.validation_layout()")
def test_a_gt_pool_task_lists_its_honeypots(gt_client: Any) -> None:  # noqa: F811
    layout = gt_client.tasks.retrieve(POOL_TASK).validation_layout()
    assert layout.mode == ValidationMode.GT_POOL
    assert layout.honeypot_count == len(layout.honeypot_frames) == 4
    assert set(layout.honeypot_real_frames) <= set(layout.validation_frames)
    job = gt_client.jobs.retrieve(POOL_JOB).validation_layout()
    assert job.honeypot_count == 2
    assert set(job.honeypot_frames) <= set(layout.honeypot_frames)


@pytest.mark.covers(
    "PATCH /api/jobs/{id}/validation_layout",
    call="job.update_validation_layout(frame_selection_method=...)",
)
def test_a_ground_truth_job_has_no_honeypots_to_change(gt_client: Any) -> None:  # noqa: F811
    gt = gt_client.jobs.filter(task_id=POOL_TASK, type="ground_truth").get()
    with pytest.raises(BadRequestError, match="ground_truth"):
        gt.update_validation_layout(
            frame_selection_method="manual", honeypot_real_frames=[8]
        )


@pytest.mark.parametrize(
    ("options", "error", "name"),
    [
        ({"frame_selection_method": "manual"}, ValidationError, "honeypot_real_frames"),
        ({"honeypot_real_frames": [1]}, ValidationError, "honeypot_real_frames"),
        ({"frame_selection_method": "random_per_job"}, ValidationError, "frame_selection"),
        ({"frame_selection_method": "sometimes"}, ValidationError, "frame_selection"),
        ({"disabled_frames": "12"}, InvalidArgumentError, "disabled_frames"),
        ({"disabled_frames": [1, -2]}, ValidationError, "disabled_frames"),
        ({"disabled_frames": [True]}, ValidationError, "disabled_frames"),
        ({}, ValidationError, "nothing"),
    ],
)
def test_bad_layout_updates_are_refused_before_any_request(
    admin_client: Any, traffic: Any, options: dict[str, Any], error: type, name: str
) -> None:
    task = admin_client.tasks.retrieve(POOL_TASK)
    traffic.clear()
    with pytest.raises(error, match=name):
        task.update_validation_layout(**options)
    assert len(traffic) == 0


def test_a_jobs_layout_update_needs_its_method(admin_client: Any, traffic: Any) -> None:
    job = admin_client.jobs.retrieve(POOL_JOB)
    traffic.clear()
    with pytest.raises(ValidationError, match="frame_selection_method"):
        job.update_validation_layout(frame_selection_method=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="honeypot_real_frames"):
        job.update_validation_layout(frame_selection_method="manual")
    assert len(traffic) == 0


@pytest.mark.covers(
    "PATCH /api/tasks/{id}/data/meta", call="task.set_deleted_frames(frames)"
)
@pytest.mark.covers("PATCH /api/jobs/{id}/data/meta", call="job.set_deleted_frames(frames)")
def test_deleted_frames_are_set_exactly_and_restored(
    make_task: TaskMaker  # noqa: F811
) -> None:
    task = make_task(frames=4)
    assert task.set_deleted_frames([1, 3])["deleted_frames"] == [1, 3]
    assert task.set_deleted_frames([3])["deleted_frames"] == [3]
    job = jobs_by_start(task)[2]
    meta = job.set_deleted_frames([])
    assert meta["deleted_frames"] == []
    assert task.get_meta()["deleted_frames"] == []
    assert task.update_meta(deleted_frames=[0])["deleted_frames"] == [0]


def test_the_server_refuses_to_delete_frames_the_task_does_not_have(
    make_task: TaskMaker  # noqa: F811
) -> None:
    task = make_task(frames=2)
    with pytest.raises(BadRequestError):
        task.set_deleted_frames([9])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda task: task.set_deleted_frames("12"), InvalidArgumentError),
        (lambda task: task.set_deleted_frames(5), InvalidArgumentError),
        (lambda task: task.set_deleted_frames([0.5]), ValidationError),
        (lambda task: task.update_meta(), ValidationError),
        (lambda task: task.update_meta(cloud_storage_id=0), ValidationError),
        (lambda task: task.update_meta(cloud_storage_id="1"), ValidationError),
        (lambda task: task.disable_validation_frames("0"), InvalidArgumentError),
    ],
)
def test_bad_meta_updates_are_refused_before_any_request(
    admin_client: Any, traffic: Any, call: Any, error: type
) -> None:
    task = admin_client.tasks.retrieve(POOL_TASK)
    traffic.clear()
    with pytest.raises(error):
        call(task)
    assert len(traffic) == 0


@pytest.mark.covers(
    "PATCH /api/jobs/{id}/validation_layout",
    call="job.update_validation_layout(frame_selection_method='manual', ...)",
)
@pytest.mark.covers(
    "PATCH /api/tasks/{id}/validation_layout",
    call="task.update_validation_layout(frame_selection_method=...)",
)
def test_honeypots_get_new_real_frames_and_are_put_back(gt_client: Any) -> None:  # noqa: F811
    task = gt_client.tasks.retrieve(POOL_TASK)
    before = task.validation_layout()
    job = gt_client.jobs.retrieve(POOL_JOB)
    mine = job.validation_layout()
    try:
        swapped = list(reversed(mine.honeypot_real_frames))
        changed = job.update_validation_layout(
            frame_selection_method="manual", honeypot_real_frames=swapped
        )
        assert (changed.honeypot_frames, changed.honeypot_real_frames) == (
            mine.honeypot_frames, tuple(swapped),
        )
        shuffled = task.update_validation_layout(frame_selection_method="random_uniform")
        assert shuffled.honeypot_frames == before.honeypot_frames
        assert set(shuffled.honeypot_real_frames) <= set(before.active_frames)
        with pytest.raises(BadRequestError, match="not from the validation pool"):
            job.update_validation_layout(
                frame_selection_method="manual", honeypot_real_frames=[0, 1]
            )
    finally:
        task.update_validation_layout(
            frame_selection_method="manual",
            honeypot_real_frames=list(before.honeypot_real_frames),
        )
    assert task.validation_layout().honeypot_real_frames == before.honeypot_real_frames
    assert job.validation_layout().honeypot_real_frames == mine.honeypot_real_frames
