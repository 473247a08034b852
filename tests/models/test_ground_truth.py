"""Ground-truth jobs: ``Job.objects.create(type="ground_truth", ...)`` with each frame selection
method, the server's refusals, and the rules checked before any request."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm.exceptions import BadRequestError, ValidationError
from cvatorm.models import JobType, ValidationMode

from .gt_tasks import TaskMaker, gt_client, make_task  # noqa: F401


@pytest.mark.covers("POST /api/jobs", call="Job.objects.create(type='ground_truth', ...)")
def test_a_manual_ground_truth_job_takes_the_frames_given(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = make_task(frames=4)
    gt = gt_client.jobs.create(
        task_id=task.id, type="ground_truth", frame_selection_method="manual", frames=[0, 2]
    )
    assert gt.type == JobType.GROUND_TRUTH
    assert (gt.frame_count, gt.start_frame, gt.stop_frame) == (2, 0, 3)
    task.refresh()
    assert task.validation_mode == ValidationMode.GT
    assert task.validation_layout().validation_frames == (0, 2)


@pytest.mark.parametrize(
    ("options", "expected_count"),
    [
        ({"frame_selection_method": "random_uniform", "frame_count": 3, "random_seed": 7}, 3),
        ({"frame_selection_method": "random_per_job", "frames_per_job_count": 1}, 2),
    ],
    ids=["random_uniform", "random_per_job"],
)
@pytest.mark.covers("POST /api/jobs", call="Job.objects.create(type='ground_truth', ...)")
def test_random_ground_truth_jobs_take_the_requested_number_of_frames(
    make_task: TaskMaker, gt_client: Any, options: dict[str, Any], expected_count: int  # noqa: F811
) -> None:
    task = make_task(frames=4)
    gt = gt_client.jobs.create(task_id=task.id, type="ground_truth", **options)
    assert gt.frame_count == expected_count
    layout = task.validation_layout()
    assert len(layout.validation_frames) == expected_count
    assert set(layout.validation_frames) <= {0, 1, 2, 3}
    if options["frame_selection_method"] == "random_per_job":
        assert {frame // 2 for frame in layout.validation_frames} == {0, 1}  # one per job


@pytest.mark.covers("DELETE /api/jobs/{id}", call="job.delete() (a ground-truth job)")
def test_a_second_ground_truth_job_is_refused_by_the_server(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = make_task(frames=4)
    spec = {"task_id": task.id, "type": "ground_truth", "frame_selection_method": "manual"}
    gt = gt_client.jobs.create(frames=[1], **spec)
    with pytest.raises(BadRequestError, match=r"1 (GT|ground truth) job"):
        gt_client.jobs.create(frames=[2], **spec)
    gt.delete()
    task.refresh()
    assert task.validation_mode is None
    assert task.validation_layout().mode is None


def test_frames_outside_the_task_are_refused_by_the_server(
    make_task: TaskMaker, gt_client: Any  # noqa: F811
) -> None:
    task = make_task(frames=4)
    with pytest.raises(BadRequestError, match="9"):
        gt_client.jobs.create(
            task_id=task.id, type="ground_truth", frame_selection_method="manual", frames=[0, 9]
        )


_BASE = {"task_id": 1, "type": "ground_truth"}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"task_id": 1, "type": "annotation", "frame_selection_method": "manual", "frames": [0]},
         "type"),
        ({"task_id": 1, "type": "consensus_replica", "frame_selection_method": "manual",
          "frames": [0]}, "type"),
        ({**_BASE}, "frame_selection_method"),
        ({**_BASE, "frame_selection_method": "manual"}, "frames"),
        ({**_BASE, "frame_selection_method": "manual", "frames": []}, "frames"),
        ({**_BASE, "frame_selection_method": "manual", "frames": [1, 1]}, "frames"),
        ({**_BASE, "frame_selection_method": "random_uniform", "frames": [1],
          "frame_count": 1}, "frames"),
        ({**_BASE, "frame_selection_method": "random_uniform"}, "frame_selection_method"),
        ({**_BASE, "frame_selection_method": "random_uniform", "frame_count": 2,
          "frame_share": 0.5}, "frame_selection_method"),
        ({**_BASE, "frame_selection_method": "random_uniform", "frame_share": 1.5},
         "frame_share"),
        ({**_BASE, "frame_selection_method": "random_per_job"}, "frame_selection_method"),
        ({**_BASE, "frame_selection_method": "random_per_job", "frames_per_job_share": -1},
         "frames_per_job_share"),
        ({**_BASE, "frame_selection_method": "every_other", "frame_count": 1},
         "frame_selection_method"),
        ({**_BASE, "frame_selection_method": "random_uniform", "frame_count": 0}, "frame_count"),
        ({**_BASE, "frame_selection_method": "manual", "frames": [-1]}, "frames"),
    ],
)
def test_bad_ground_truth_specs_are_refused_before_any_request(
    admin_client: Any, traffic: Any, spec: dict[str, Any], field: str
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError) as refused:
        admin_client.jobs.create(spec)
    assert field in str(refused.value)
    assert traffic.count("POST", "/api/jobs") == 0

