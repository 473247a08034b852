"""Tasks with data for the quality, consensus and ground-truth tests (both servers).

``gt_client`` polls background requests every 0.1 s; ``make_task(frames=4, **spec)`` creates a
task of small PNG frames (2 frames per job unless ``segment_size`` says otherwise, labels
``car`` and ``dog``, or none with ``labels=None``) through ``create_from_data`` and deletes it
after the test (its jobs, reports and conflicts go with it on the real server).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cvatorm import Job, Task
from cvatorm.connection import Client, Config
from cvatorm.exceptions import NotFoundError

TaskMaker = Callable[..., Task]


@pytest.fixture
def gt_client(cvat_target: Any, traffic: Any) -> Iterator[Client]:
    client = traffic.new_client(cvat_target.url, config=Config(status_check_period=0.1))
    client.login(cvat_target.credentials)
    with client:
        yield client


@pytest.fixture
def make_task(gt_client: Client, tmp_path: Path) -> Iterator[TaskMaker]:
    made: list[int] = []

    def make(frames: int = 4, **spec: Any) -> Task:
        files = []
        for index in range(frames):
            path = tmp_path / f"frame_{len(made)}_{index}.png"
            buffer = io.BytesIO()
            Image.new("RGB", (40 + index, 30), (index * 20 % 256, 0, 0)).save(buffer, "PNG")
            path.write_bytes(buffer.getvalue())
            files.append(path)
        spec = {
            "name": f"cvatorm quality test {os.getpid()}",
            "labels": [{"name": "car"}, {"name": "dog"}],
            "segment_size": 2,
            **spec,
        }
        if spec["labels"] is None:  # a task of a project has the project's labels
            del spec["labels"]
        task: Task = gt_client.tasks.create_from_data(spec, files)
        made.append(task.id)
        return task

    yield make
    for task_id in made:
        with contextlib.suppress(NotFoundError):
            gt_client.request("DELETE", f"/api/tasks/{task_id}")


def label_ids(task: Task) -> dict[str, int]:
    return {label.name: label.id for label in task.labels.all()}


def rect(frame: int, label: int, points: list[float]) -> dict[str, Any]:
    return {
        "type": "rectangle", "frame": frame, "label_id": label, "points": points,
        "group": 0, "source": "manual", "attributes": [], "occluded": False, "z_order": 0,
    }


def shapes(*items: dict[str, Any]) -> dict[str, Any]:
    return {"version": 0, "tags": [], "tracks": [], "shapes": list(items)}


def jobs_by_start(task: Task, job_type: str = "annotation") -> dict[int, Job]:
    return {job.start_frame: job for job in task.jobs.filter(type=job_type)}
