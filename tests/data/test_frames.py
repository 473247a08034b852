"""Frames as model methods: one frame, chunks, preview, meta, bounded concurrent downloads,
deleting frames (``task.get_frame(n)``, ``job.get_meta()``, ``task.download_frames(...)``...)."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cvatorm.exceptions import BadRequestError, ValidationError
from cvatorm.models import Task

from .conftest import RecordingProgress


@pytest.fixture
def files(images: Callable[..., list[Path]]) -> list[Path]:
    return images((64, 48), (32, 40), (50, 50), (20, 10), (31, 17))


@pytest.fixture
def task(make_task: Callable[..., Task], files: list[Path]) -> Task:
    return make_task(
        files, spec={"name": "cvatorm frames", "labels": [{"name": "car"}], "segment_size": 3}
    )


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_get_frame_is_the_frame_image(task: Task, files: list[Path]) -> None:
    for number, path in enumerate(files):
        data = task.get_frame(number)
        assert _size(data) == _size(path.read_bytes())
    compressed = task.get_frame(2, quality="compressed")
    assert _size(compressed) == (50, 50)


@pytest.mark.local_only
def test_original_frames_are_the_uploaded_bytes(task: Task, files: list[Path]) -> None:
    for number, path in enumerate(files):
        assert task.get_frame(number) == path.read_bytes()


@pytest.mark.covers("GET /api/tasks/{id}/data/", call="task.get_frame(n) / task.download_chunk(n)")
def test_a_frame_out_of_range_is_a_bad_request(task: Task, traffic: Any) -> None:
    with pytest.raises(BadRequestError):
        task.get_frame(99)
    traffic.clear()
    with pytest.raises(ValidationError, match="quality"):
        task.get_frame(0, quality="best")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="frame_id"):
        task.get_frame(-1)
    assert len(traffic) == 0  # refused before any request


def test_meta_lists_every_frame(task: Task) -> None:
    meta = task.get_meta()
    assert meta["size"] == 5
    assert [(f["width"], f["height"]) for f in meta["frames"]] == [
        (64, 48),
        (32, 40),
        (50, 50),
        (20, 10),
        (31, 17),
    ]


@pytest.mark.covers("GET /api/jobs/{id}/data", call="job.get_frame(n) / job.download_chunk(n)")
@pytest.mark.covers("GET /api/jobs/{id}/data/meta", call="job.get_meta()")
def test_job_frames_and_meta_cover_the_jobs_range(task: Task) -> None:
    jobs = sorted(task.jobs, key=lambda job: job.start_frame)
    second = jobs[1]
    assert (second.start_frame, second.stop_frame) == (3, 4)
    meta = second.get_meta()
    assert (meta["start_frame"], meta["stop_frame"]) == (3, 4)
    assert [(f["width"], f["height"]) for f in meta["frames"]] == [(20, 10), (31, 17)]
    assert _size(second.get_frame(4)) == (31, 17)


@pytest.mark.covers("GET /api/tasks/{id}/preview", call="task.get_preview()")
def test_preview_is_an_image(task: Task) -> None:
    assert _size(task.get_preview())[0] > 0


def test_chunk_is_a_zip_of_frames(task: Task) -> None:
    chunk = task.download_chunk(0)
    with zipfile.ZipFile(io.BytesIO(chunk)) as archive:
        assert len(archive.namelist()) == min(task.data_chunk_size, task.size)


def test_download_frames_with_bounded_concurrency(
    data_client: Any, task: Task, tmp_path: Path
) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    original = data_client.request

    def counting(method: str, path: str, **kwargs: Any) -> Any:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            return original(method, path, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    data_client.request = counting
    progress = RecordingProgress()
    try:
        paths = task.download_frames(
            [4, 0, 2, 1, 3],
            outdir=tmp_path / "frames",
            max_workers=2,
            progress=progress,
        )
    finally:
        del data_client.request
    assert [p.name for p in paths] == [f"frame_{n:06d}.png" for n in (4, 0, 2, 1, 3)]
    assert [_size(p.read_bytes()) for p in paths] == [
        (31, 17),
        (64, 48),
        (50, 50),
        (32, 40),
        (20, 10),
    ]
    assert 1 <= peak <= 2
    assert progress.operations() == [(5, "Downloading frames", "frame")]
    assert progress.advanced() == 5
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == sorted(p.name for p in paths)


def test_download_frames_failure_leaves_no_partial_files(task: Task, tmp_path: Path) -> None:
    out = tmp_path / "frames"
    with pytest.raises(BadRequestError):
        task.download_frames([0, 99], outdir=out, max_workers=1)
    assert not any(p.name.endswith(".part") for p in out.iterdir())


@pytest.mark.covers("PATCH /api/tasks/{id}/data/meta", call="task.remove_frames_by_ids(ids)")
def test_remove_frames_by_ids(task: Task) -> None:
    assert task.remove_frames_by_ids([1, 3])["deleted_frames"] == [
        1,
        3,
    ]
    meta = task.remove_frames_by_ids([4])
    assert meta["deleted_frames"] == [1, 3, 4]
    assert task.get_meta()["deleted_frames"] == [1, 3, 4]


@pytest.mark.covers("PATCH /api/jobs/{id}/data/meta", call="job.remove_frames_by_ids(ids)")
def test_a_job_removes_its_own_frames(task: Task) -> None:
    job = min(task.jobs, key=lambda j: j.start_frame)  # frames 0-2
    meta = job.remove_frames_by_ids([1])
    assert meta["deleted_frames"] == [1]
    assert task.get_meta()["deleted_frames"] == [1]


@pytest.mark.covers("GET /api/projects/{id}/preview", call="project.get_preview()")
def test_a_projects_preview_is_its_first_tasks(
    data_client: Any, make_task: Callable[..., Task], files: list[Path], cleanup: Any
) -> None:
    project = data_client.projects.create(
        {"name": "cvatorm preview project", "labels": [{"name": "car"}]}
    )
    cleanup("projects", project.id)
    make_task(files, spec={"name": "cvatorm preview task", "project_id": project.id})
    width, height = _size(project.get_preview())
    assert width > 0 and height > 0
