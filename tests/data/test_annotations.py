"""Annotations of tasks and jobs as model methods: ``task.get_annotations()``,
``set_annotations``, ``update_annotations`` (create/update/delete), ``remove_annotations``,
``import_annotations``; the same on ``job``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import BackgroundRequestException, BadRequestError
from cvatorm.models import Task

SPEC = {"name": "cvatorm annotations", "labels": [{"name": "car"}, {"name": "dog"}]}


@pytest.fixture
def task(make_task: Callable[..., Task], images: Callable[..., list[Path]]) -> Task:
    return make_task(images((64, 48), (64, 48), (64, 48)), spec={**SPEC, "segment_size": 2})


def _labels(task: Task) -> dict[str, int]:
    return {label.name: label.id for label in task.labels}


def _box(frame: int, label: int, points: list[float]) -> dict[str, Any]:
    return {"frame": frame, "label_id": label, "type": "rectangle", "points": points}


def test_set_then_get_round_trips(task: Task) -> None:
    labels = _labels(task)
    task.set_annotations(
        {
            "shapes": [
                _box(0, labels["car"], [1, 2, 30, 40]),
                {
                    "frame": 2,
                    "label_id": labels["dog"],
                    "type": "polygon",
                    "points": [1, 1, 10, 1, 10, 10],
                },
            ],
            "tags": [{"frame": 1, "label_id": labels["dog"]}],
        },
    )
    data = task.get_annotations()
    shapes = sorted(data["shapes"], key=lambda s: s["frame"])
    assert [(s["frame"], s["type"], s["points"]) for s in shapes] == [
        (0, "rectangle", [1.0, 2.0, 30.0, 40.0]),
        (2, "polygon", [1.0, 1.0, 10.0, 1.0, 10.0, 10.0]),
    ]
    assert all(isinstance(s["id"], int) for s in shapes)
    assert [(t["frame"], t["label_id"]) for t in data["tags"]] == [(1, labels["dog"])]

    task.set_annotations({"shapes": [_box(1, labels["car"], [0, 0, 5, 5])]})
    replaced = task.get_annotations()
    assert [s["frame"] for s in replaced["shapes"]] == [1] and replaced["tags"] == []


@pytest.mark.covers("PATCH /api/tasks/{id}/annotations/", call="task.update_annotations(data)")
def test_patch_create_update_delete(task: Task) -> None:
    car = _labels(task)["car"]
    created = task.update_annotations(
        {"shapes": [_box(0, car, [1, 1, 2, 2]), _box(2, car, [3, 3, 4, 4])]},
        action="create",
    )
    ids = sorted(shape["id"] for shape in created["shapes"])
    assert len(ids) == 2

    first = next(s for s in task.get_annotations()["shapes"] if s["id"] == ids[0])
    task.update_annotations(
        {"shapes": [{**first, "points": [5, 5, 9, 9]}]},
        action="update",
    )
    task.update_annotations(
        {"shapes": [{**first, "id": ids[1], "frame": 2}]},
        action="delete",
    )
    shapes = task.get_annotations()["shapes"]
    assert [(s["id"], s["points"]) for s in shapes] == [(ids[0], [5.0, 5.0, 9.0, 9.0])]


@pytest.mark.covers("DELETE /api/tasks/{id}/annotations/", call="task.remove_annotations()")
def test_remove_some_by_id_then_all(task: Task, traffic: Any) -> None:
    car = _labels(task)["car"]
    created = task.update_annotations(
        {
            "shapes": [_box(0, car, [1, 1, 2, 2]), _box(1, car, [1, 1, 2, 2])],
            "tags": [{"frame": 2, "label_id": car}],
        },
        action="create",
    )
    doomed = created["shapes"][0]["id"]
    traffic.clear()
    task.remove_annotations(ids=[doomed])
    assert [(e.method, e.query.get("action")) for e in traffic] == [
        ("GET", None),
        ("PATCH", ["delete"]),
    ]
    left = task.get_annotations()
    assert [s["id"] for s in left["shapes"]] == [created["shapes"][1]["id"]]
    assert len(left["tags"]) == 1

    task.remove_annotations()
    empty = task.get_annotations()
    assert (empty["shapes"], empty["tags"], empty["tracks"]) == ([], [], [])


@pytest.mark.covers("GET /api/jobs/{id}/annotations/", call="job.get_annotations()")
@pytest.mark.covers("PUT /api/jobs/{id}/annotations/", call="job.set_annotations(data)")
def test_job_annotations_are_the_jobs_share_of_the_task(task: Task) -> None:
    car = _labels(task)["car"]
    jobs = sorted(task.jobs, key=lambda job: job.start_frame)
    assert [(j.start_frame, j.stop_frame) for j in jobs] == [(0, 1), (2, 2)]
    jobs[1].set_annotations({"shapes": [_box(2, car, [1, 1, 3, 3])]})
    jobs[0].set_annotations({"shapes": [_box(1, car, [2, 2, 4, 4])]})

    assert [s["frame"] for s in jobs[1].get_annotations()["shapes"]] == [2]
    frames = sorted(s["frame"] for s in task.get_annotations()["shapes"])
    assert frames == [1, 2]


def test_an_unknown_label_is_refused_and_changes_nothing(task: Task) -> None:
    car = _labels(task)["car"]
    task.set_annotations({"shapes": [_box(0, car, [1, 1, 2, 2])]})
    with pytest.raises(BadRequestError):
        task.set_annotations({"shapes": [_box(0, 987654321, [1, 1, 2, 2])]})
    assert len(task.get_annotations()["shapes"]) == 1


def _cvat_xml(images: list[tuple[int, str]], boxes: list[tuple[int, str, str]]) -> str:
    rows = ['<?xml version="1.0" encoding="utf-8"?>', "<annotations>", "<version>1.1</version>"]
    for frame, name in images:
        rows.append(f'<image id="{frame}" name="{name}" width="64" height="48">')
        for box_frame, label, coords in boxes:
            if box_frame == frame:
                xtl, ytl, xbr, ybr = coords.split()
                rows.append(
                    f'<box label="{label}" occluded="0" source="manual" xtl="{xtl}" '
                    f'ytl="{ytl}" xbr="{xbr}" ybr="{ybr}" z_order="0"></box>'
                )
        rows.append("</image>")
    rows.append("</annotations>")
    return "\n".join(rows)


@pytest.mark.covers(
    "POST /api/tasks/{id}/annotations/", call="task.import_annotations(format_name, path)"
)
def test_import_annotations_from_cvat_xml(task: Task, tmp_path: Path) -> None:
    names = [frame["name"] for frame in task.get_frames_info()]
    xml = tmp_path / "annotations.xml"
    xml.write_text(
        _cvat_xml(list(enumerate(names)), [(0, "car", "1 2 11 12"), (2, "dog", "5 6 15 16")])
    )
    request = task.import_annotations("CVAT 1.1", xml)
    assert request.status == "finished"
    labels = {v: k for k, v in _labels(task).items()}
    shapes = sorted(task.get_annotations()["shapes"], key=lambda s: s["frame"])
    assert [(s["frame"], labels[s["label_id"]], s["points"]) for s in shapes] == [
        (0, "car", [1.0, 2.0, 11.0, 12.0]),
        (2, "dog", [5.0, 6.0, 15.0, 16.0]),
    ]


def test_a_failed_import_raises_the_servers_message(
    task: Task, tmp_path: Path, traffic: Any
) -> None:
    first = task.get_frames_info()[0]["name"]
    xml = tmp_path / "bad.xml"
    xml.write_text(_cvat_xml([(0, first)], [(0, "unicorn", "1 1 2 2")]))
    with pytest.raises(BackgroundRequestException) as caught:
        task.import_annotations("CVAT 1.1", xml)
    polled = [e for e in traffic.exchanges if e.path.startswith("/api/requests/")][-1]
    assert caught.value.message == polled.response_json["message"]
    assert "unicorn" in caught.value.message


@pytest.mark.covers(
    "POST /api/jobs/{id}/annotations/", call="job.import_annotations(format_name, path)"
)
@pytest.mark.covers("PATCH /api/jobs/{id}/annotations/", call="job.update_annotations(data)")
@pytest.mark.covers("DELETE /api/jobs/{id}/annotations/", call="job.remove_annotations()")
def test_a_jobs_annotations_are_imported_patched_and_removed_alone(
    task: Task, tmp_path: Path, traffic: Any
) -> None:
    car = _labels(task)["car"]
    first, second = sorted(task.jobs, key=lambda job: job.start_frame)
    second.set_annotations({"shapes": [_box(2, car, [1, 1, 3, 3])]})
    names = [frame["name"] for frame in task.get_frames_info()]
    xml = tmp_path / "job.xml"
    xml.write_text(_cvat_xml([(0, names[0]), (1, names[1])], [(1, "car", "1 2 11 12")]))

    assert first.import_annotations("CVAT 1.1", xml).status == "finished"
    (shape,) = first.get_annotations()["shapes"]
    assert (shape["frame"], shape["points"]) == (1, [1.0, 2.0, 11.0, 12.0])
    first.update_annotations({"shapes": [{**shape, "points": [2.0, 2.0, 12.0, 12.0]}]})
    assert first.get_annotations()["shapes"][0]["points"] == [2.0, 2.0, 12.0, 12.0]
    first.remove_annotations()
    assert first.get_annotations()["shapes"] == []
    # the other job's annotations were not touched
    assert [s["frame"] for s in task.get_annotations()["shapes"]] == [2]
