# ruff: noqa: F811 -- the shared fixtures (rig, cell) are imported and then named as parameters
"""The fault matrix, continued with the public model operations: ``retrieve``, a keyset
``walk``, ``create``, ``save``, ``delete``, annotations, a frame, a dataset export, a backup and
``Task.objects.create_from_data``, each through every fault of ``test_fault_matrix.py`` (the
same rig, faults and outcome rules: a correct result or a typed error, the server state
unchanged or as reported, no duplicated POST, nothing sent to another origin)."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cvatorm import Project, Task
from cvatorm.exceptions import NotFoundError

from .test_fault_matrix import (  # noqa: F401 -- fixtures used by name
    FAULTS,
    Fault,
    Rig,
    _delete_project,
    _make_project,
    _png,
    _print_tally,
    _projects_named,
    cell,
    ids,
    rig,
    run_cell,
)


@pytest.fixture(scope="module")
def data_task(rig: Rig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Task]:
    """One task with two frames and a box, made directly (not through the proxy)."""
    folder = tmp_path_factory.mktemp("fault-matrix-models")
    files = []
    for seed in range(2):
        path = folder / f"frame_{seed}.png"
        path.write_bytes(_png(seed))
        files.append(path)
    task = rig.direct.tasks.create_from_data(
        {"name": f"fault-matrix-{uuid.uuid4().hex[:8]}", "labels": [{"name": "car"}]}, files
    )
    car = next(label.id for label in task.labels)
    task.set_annotations(
        {"shapes": [{"frame": 0, "label_id": car, "type": "rectangle", "points": [1, 1, 9, 9]}]}
    )
    yield task
    task.delete()


def _through(cell: Rig, fault: Fault) -> Any:
    """The client that goes through the faulty proxy."""
    return cell.client_for(fault)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_retrieve(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        cell.arm(fault, "GET", f"/api/projects/{project}")
        got = run_cell("retrieve", fault, lambda: _through(cell, fault).projects.retrieve(project))
        if not isinstance(got, Exception):
            assert isinstance(got, Project) and got.id == project
    finally:
        _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_keyset_walk(cell: Rig, fault: Fault) -> None:
    projects = [_make_project(cell) for _ in range(3)]
    try:
        cell.arm(fault, "GET", "/api/projects")
        got = run_cell(
            "walk",
            fault,
            lambda: [
                p.id
                for p in _through(cell, fault)
                .projects.filter(id__in=projects)
                .iterator(chunk_size=2)
            ],
        )
        if not isinstance(got, Exception):
            assert got == sorted(projects, reverse=True), "every object exactly once"
    finally:
        for project in projects:
            _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_create(cell: Rig, fault: Fault) -> None:
    name = f"fault-matrix-{uuid.uuid4().hex[:10]}"
    cell.arm(fault, "POST", "/api/projects")
    got = run_cell("create", fault, lambda: _through(cell, fault).projects.create(name=name))
    made = _projects_named(cell, name)
    try:
        assert len(made) <= 1, "the POST was duplicated"
        if isinstance(got, Exception):
            if made:
                assert fault.applied and "may have" in str(got), got
            return
        assert [got.id] == [p["id"] for p in made]
    finally:
        for project in made:
            _delete_project(cell, project["id"])


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_save(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        obj = _through(cell, fault).projects.retrieve(project)
        new = f"renamed-{uuid.uuid4().hex[:10]}"
        obj.name = new
        cell.arm(fault, "PATCH", f"/api/projects/{project}")
        got = run_cell("save", fault, obj.save)
        now = cell.direct.request("GET", f"/api/projects/{project}").json()["name"]
        if isinstance(got, Exception):
            if now == new:
                assert fault.applied and "may have" in str(got), got
            assert obj.is_dirty, "a failed save keeps the change to send again"
            return
        assert now == new == obj.name and not obj.is_dirty
    finally:
        _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_delete(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        obj = _through(cell, fault).projects.retrieve(project)
        cell.arm(fault, "DELETE", f"/api/projects/{project}")
        got = run_cell("remove", fault, obj.delete)
        try:
            cell.direct.request("GET", f"/api/projects/{project}")
            gone = False
        except NotFoundError:
            gone = True
        if isinstance(got, Exception):
            if gone:
                assert fault.applied and "may have" in str(got), got
            return
        assert gone, "a reported delete must have happened"
    finally:
        _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_annotations(cell: Rig, fault: Fault, data_task: Task) -> None:
    expected = data_task.get_annotations()
    task = _through(cell, fault).tasks.retrieve(data_task.id)
    cell.arm(fault, "GET", f"/api/tasks/{data_task.id}/annotations/")
    got = run_cell("annotations", fault, task.get_annotations)
    if not isinstance(got, Exception):
        assert [s["points"] for s in got["shapes"]] == [s["points"] for s in expected["shapes"]]


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_frame(cell: Rig, fault: Fault, data_task: Task) -> None:
    expected = data_task.get_frame(1)
    task = _through(cell, fault).tasks.retrieve(data_task.id)
    cell.arm(fault, "GET", f"/api/tasks/{data_task.id}/data/")
    got = run_cell("frame", fault, lambda: task.get_frame(1))
    if not isinstance(got, Exception):
        assert got == expected


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_export(cell: Rig, fault: Fault, data_task: Task, tmp_path: Path) -> None:
    task = _through(cell, fault).tasks.retrieve(data_task.id)
    target = tmp_path / "dataset.zip"
    cell.arm(fault, "POST", f"/api/tasks/{data_task.id}/dataset/export")
    got = run_cell("export", fault, lambda: task.export_dataset("CVAT for images 1.1", target))
    if isinstance(got, Exception):
        assert not target.exists(), "a failed export leaves no file"
        return
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        assert archive.testzip() is None and archive.namelist()


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_backup(cell: Rig, fault: Fault, tmp_path: Path) -> None:
    project = _make_project(cell)
    try:
        obj = _through(cell, fault).projects.retrieve(project)
        target = tmp_path / "backup.zip"
        cell.arm(fault, "POST", f"/api/projects/{project}/backup/export")
        got = run_cell("backup", fault, lambda: obj.download_backup(target))
        if isinstance(got, Exception):
            assert not target.exists(), "a failed backup leaves no file"
            return
        with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
            assert archive.testzip() is None
    finally:
        _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_create_from_data(cell: Rig, fault: Fault, tmp_path: Path) -> None:
    name = f"fault-matrix-{uuid.uuid4().hex[:10]}"
    image = tmp_path / "only.png"
    image.write_bytes(_png(7))
    cell.arm(fault, "POST", "/api/tasks")
    got = run_cell(
        "from_data",
        fault,
        lambda: _through(cell, fault).tasks.create_from_data(
            {"name": name, "labels": [{"name": "car"}]}, [image]
        ),
    )
    found = cell.direct.request("GET", "/api/tasks", params={"name": name}).json()["results"]
    made = [t for t in found if t["name"] == name]
    try:
        assert len(made) <= 1, "the task was created twice"
        if isinstance(got, Exception):
            if made:
                assert fault.applied and "may have" in str(got), got
            return
        assert [got.id] == [t["id"] for t in made] and got.size == 1
    finally:
        for task in made:
            cell.direct.request("DELETE", f"/api/tasks/{task['id']}")
