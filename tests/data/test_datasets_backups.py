"""Dataset export/import, backups, and downloads that land whole or not at all: the model
methods ``task.export_dataset``, ``project.import_dataset``, ``task.download_backup`` and the
managers' ``create_from_backup`` (``data_client.tasks``, ``data_client.projects``)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import (
    BackgroundRequestException,
    TransportError,
    UnknownFormatError,
)
from cvatorm.models import Task

from .conftest import RecordingProgress, image_bytes

SPEC = {"name": "cvatorm datasets", "labels": [{"name": "car"}, {"name": "dog"}]}
EXPORT = "CVAT for images 1.1"


@pytest.fixture
def task(make_task: Callable[..., Task], images: Callable[..., list[Path]]) -> Task:
    made = make_task(images((64, 48), (32, 40), (50, 50)), spec=SPEC)
    car = next(label.id for label in made.labels if label.name == "car")
    made.set_annotations(
        {"shapes": [{"frame": 1, "label_id": car, "type": "rectangle", "points": [1, 2, 3, 4]}]}
    )
    return made


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_export_dataset_with_and_without_images(task: Task, tmp_path: Path) -> None:
    progress = RecordingProgress()
    bare = task.export_dataset(EXPORT, tmp_path / "bare.zip", progress=progress)
    assert bare == tmp_path / "bare.zip"
    assert "annotations.xml" in _names(bare)
    assert not any(name.startswith("images/") for name in _names(bare))
    with zipfile.ZipFile(bare) as archive:
        xml = archive.read("annotations.xml").decode()
    assert 'label="car"' in xml and 'xtl="1.00"' in xml
    assert [op[2] for op in progress.operations()] == ["%", "B"]

    full = task.export_dataset(EXPORT, tmp_path / "full.zip", include_images=True)
    images = sorted(name.rsplit("/", 1)[-1] for name in _names(full) if name.startswith("images/"))
    assert images == ["img_000.png", "img_001.png", "img_002.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bare.zip",
        "full.zip",
        *sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("img_")),
    ]


def test_export_into_a_folder_uses_the_servers_file_name(task: Task, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = task.export_dataset(EXPORT, folder)
    assert path.parent == folder and path.suffix == ".zip"
    assert [p.name for p in folder.iterdir()] == [path.name]


@pytest.mark.covers(
    "POST /api/jobs/{id}/dataset/export", call="job.export_dataset(format_name, path)"
)
def test_job_export_holds_the_jobs_frames(task: Task, tmp_path: Path) -> None:
    job = next(iter(task.jobs))
    path = job.export_dataset(EXPORT, tmp_path / "job.zip")
    assert "annotations.xml" in _names(path)


@pytest.mark.covers("PUT /api/tasks/{id}/annotations/", call="task.set_annotations(data)")
def test_existing_file_is_refused_before_any_request(
    task: Task, tmp_path: Path, traffic: Any
) -> None:
    target = tmp_path / "taken.zip"
    target.write_bytes(b"keep me")
    traffic.clear()
    with pytest.raises(FileExistsError):
        task.export_dataset(EXPORT, target)
    assert len(traffic) == 0 and target.read_bytes() == b"keep me"


def test_an_unknown_export_format_is_refused_before_the_export_starts(
    task: Task, tmp_path: Path, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(UnknownFormatError, match=r"did you mean 'CVAT for images 1\.1'"):
        task.export_dataset("CVAT for image 1.1", tmp_path / "x")
    with pytest.raises(UnknownFormatError):
        task.export_dataset("No Such Format 9.9", tmp_path / "x")
    assert list(tmp_path.glob("x*")) == []
    # The server's catalogue is asked once per client; no export was started.
    assert traffic.calls() == [("GET", "/api/server/annotation/formats")]


@pytest.mark.local_only
def test_a_failed_export_raises_and_leaves_no_file(
    local_cvat: Any, task: Task, tmp_path: Path
) -> None:
    local_cvat.background.fail_next(message="Export worker crashed", operation="export:annotations")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BackgroundRequestException, match="Export worker crashed"):
        task.export_dataset(EXPORT, out / "ds.zip")
    assert list(out.iterdir()) == []


@pytest.mark.local_only
def test_a_broken_download_is_retried_and_lands_whole(
    local_cvat: Any, task: Task, tmp_path: Path
) -> None:
    local_cvat.faults.add(
        method="GET", pattern=r"/api/tasks/\d+/dataset/download", truncate=True, times=1
    )
    path = task.export_dataset(EXPORT, tmp_path / "ds.zip", include_images=True)
    assert zipfile.ZipFile(path).testzip() is None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.local_only
def test_a_download_that_keeps_breaking_leaves_nothing(
    local_cvat: Any, data_client: Any, task: Task, tmp_path: Path
) -> None:
    fault = local_cvat.faults.add(
        method="GET", pattern=r"/api/tasks/\d+/dataset/download", truncate=True, times=None
    )
    out = tmp_path / "out"
    out.mkdir()
    try:
        with pytest.raises(TransportError):
            task.export_dataset(EXPORT, out / "ds.zip")
    finally:
        fault.remaining = 0  # a rule without a limit would break the next tests
    assert list(out.iterdir()) == []
    assert fault.hits == 1 + data_client.config.max_retries


@pytest.mark.covers(
    "POST /api/projects/{id}/dataset/", call="project.import_dataset(format_name, path)"
)
@pytest.mark.covers(
    "POST /api/projects/{id}/dataset/export", call="project.export_dataset(format_name, path)"
)
def test_project_dataset_import_creates_tasks_with_annotations(
    data_client: Any, task: Task, tmp_path: Path, cleanup: Any
) -> None:
    dataset = task.export_dataset(EXPORT, tmp_path / "ds.zip", include_images=True)
    project = data_client.projects.create({"name": "cvatorm import", "labels": SPEC["labels"]})
    cleanup("projects", project.id)
    request = project.import_dataset("CVAT 1.1", dataset)
    assert request.status == "finished"
    created = list(project.tasks)
    assert sum(t.size for t in created) == 3
    shapes = [shape for t in created for shape in t.get_annotations()["shapes"]]
    assert [(s["type"], s["points"]) for s in shapes] == [("rectangle", [1.0, 2.0, 3.0, 4.0])]

    exported = project.export_dataset(EXPORT, tmp_path / "project.zip")
    assert "annotations.xml" in _names(exported)


@pytest.mark.covers("POST /api/tasks/{id}/backup/export", call="task.download_backup(path)")
def test_task_backup_round_trip(data_client: Any, task: Task, tmp_path: Path, cleanup: Any) -> None:
    backup = task.download_backup(tmp_path / "task.zip")
    assert "task.json" in _names(backup)
    restored = data_client.tasks.create_from_backup(backup)
    cleanup("tasks", restored.id)
    assert restored.id != task.id and restored.name == task.name
    assert sorted(label.name for label in restored.labels) == ["car", "dog"]
    if any(name.startswith("data/") for name in _names(backup)):  # a backup with media
        assert restored.size == task.size


def test_project_backup_round_trip(data_client: Any, tmp_path: Path, cleanup: Any) -> None:
    project = data_client.projects.create({"name": "cvatorm backup", "labels": SPEC["labels"]})
    cleanup("projects", project.id)
    backup = project.download_backup(tmp_path)
    restored = data_client.projects.create_from_backup(backup)
    cleanup("projects", restored.id)
    assert restored.name == "cvatorm backup" and restored.id != project.id
    assert sorted(label.name for label in restored.labels) == ["car", "dog"]


@pytest.mark.covers("GET /api/tasks/{id}/annotations/", call="task.get_annotations()")
@pytest.mark.local_only
def test_a_backup_with_media_restores_frames_and_annotations(
    data_client: Any, tmp_path: Path, cleanup: Any
) -> None:
    backup = tmp_path / "handmade.zip"
    manifest = {
        "name": "restored with media",
        "labels": [{"name": "car", "attributes": []}],
        "segment_size": 1,
        "data": {"chunk_size": 2, "image_quality": 90},
        "version": "1.0",
    }
    shape = {"frame": 1, "label": "car", "type": "rectangle", "points": [1, 1, 5, 5]}
    with zipfile.ZipFile(backup, "w") as archive:
        archive.writestr("task.json", json.dumps(manifest))
        archive.writestr(
            "annotations.json",
            json.dumps([{"version": 0, "shapes": [shape], "tags": [], "tracks": []}]),
        )
        archive.writestr("data/a.png", image_bytes(20, 10))
        archive.writestr("data/b.png", image_bytes(30, 15))
    restored = data_client.tasks.create_from_backup(backup)
    cleanup("tasks", restored.id)
    assert (restored.size, restored.image_quality, restored.data_chunk_size) == (2, 90, 2)
    assert restored.jobs.count() == 2
    shapes = restored.get_annotations()["shapes"]
    assert [(s["frame"], s["points"]) for s in shapes] == [(1, [1.0, 1.0, 5.0, 5.0])]


@pytest.mark.covers("POST /api/tasks/backup/", call="Task.objects.create_from_backup(path)")
def test_a_broken_backup_raises_the_servers_message(data_client: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a backup")
    bad.write_bytes(buffer.getvalue())
    with pytest.raises(BackgroundRequestException) as caught:
        data_client.tasks.create_from_backup(bad)
    assert caught.value.message


@pytest.mark.local_only
def test_backup_entries_of_live_data_round_trip(
    local_cvat: Any, data_client: Any, task: Task, tmp_path: Path, cleanup: Any
) -> None:
    """``backup_content.task_entries`` (what a backup export should add) restores exactly."""
    from cvatorm.testing import backup_content

    exported = task.download_backup(tmp_path / "plain.zip")
    raw = local_cvat.store.get("tasks", task.id)
    full = tmp_path / "full.zip"
    with zipfile.ZipFile(exported) as source, zipfile.ZipFile(full, "w") as target:
        manifest = json.loads(source.read("task.json"))
        manifest["data"] = backup_content.data_section(local_cvat.store, task.id)
        target.writestr("task.json", json.dumps(manifest))
        for name, content in backup_content.task_entries(local_cvat.store, raw).items():
            target.writestr(name, content)
    restored = data_client.tasks.create_from_backup(full)
    cleanup("tasks", restored.id)
    assert restored.size == task.size == 3
    assert [f["name"] for f in restored.get_frames_info()] == [
        "img_000.png",
        "img_001.png",
        "img_002.png",
    ]
    shapes = restored.get_annotations()["shapes"]
    assert [(s["frame"], s["points"]) for s in shapes] == [(1, [1.0, 2.0, 3.0, 4.0])]
