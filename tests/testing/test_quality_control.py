"""LocalCVAT's quality control and consensus, judged with plain requests: what only the test
server can show (a request joined while queued, settings made on first use, the cascade when a
task goes, the low-overlap warning, the job filter), beside the cross-server tests in
``tests/models/``."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
import requests
from PIL import Image

from cvatorm.testing import LocalCVAT


def _png(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40 + index, 30), (index * 20, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def _wait(admin: requests.Session, url: str, rq_id: str) -> dict[str, Any]:
    for _ in range(200):
        answer = admin.get(f"{url}/api/requests/{rq_id}").json()
        if answer["status"] in ("finished", "failed"):
            return dict(answer)
        time.sleep(0.05)
    raise AssertionError(f"request {rq_id} never finished")


def _task(admin: requests.Session, url: str, **spec: Any) -> dict[str, Any]:
    task = admin.post(
        f"{url}/api/tasks",
        json={"name": "quality", "labels": [{"name": "car"}], "segment_size": 2, **spec},
    ).json()
    files = {f"client_files[{i}]": (f"f{i}.png", _png(i), "image/png") for i in range(4)}
    started = admin.post(f"{url}/api/tasks/{task['id']}/data/", data={"image_quality": 70},
                         files=files)
    assert _wait(admin, url, started.json()["rq_id"])["status"] == "finished"
    return dict(admin.get(f"{url}/api/tasks/{task['id']}").json())


def _jobs(admin: requests.Session, url: str, task_id: int) -> dict[int, dict[str, Any]]:
    rows = admin.get(f"{url}/api/jobs", params={"task_id": task_id, "type": "annotation"})
    return {job["start_frame"]: job for job in rows.json()["results"]}


def _rect(frame: int, label: int, points: list[float]) -> dict[str, Any]:
    return {"type": "rectangle", "frame": frame, "label_id": label, "points": points}


def _gt_task(admin: requests.Session, url: str, gt_shapes: list[Any]) -> dict[str, Any]:
    task = _task(admin, url)
    gt = admin.post(f"{url}/api/jobs", json={
        "task_id": task["id"], "type": "ground_truth", "frame_selection_method": "manual",
        "frames": [0, 2],
    }).json()
    admin.put(f"{url}/api/jobs/{gt['id']}/annotations",
              json={"version": 0, "shapes": gt_shapes, "tags": [], "tracks": []})
    admin.patch(f"{url}/api/jobs/{gt['id']}", json={"stage": "acceptance", "state": "completed"})
    return task


def _car(admin: requests.Session, url: str, task_id: int) -> int:
    labels = admin.get(f"{url}/api/labels", params={"task_id": task_id}).json()
    return int(labels["results"][0]["id"])


@pytest.mark.local_only
def test_a_report_requested_while_one_is_queued_is_the_same_request(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    task = _gt_task(admin, url, [])
    server.background.pause()
    try:
        first = admin.post(f"{url}/api/quality/reports", json={"task_id": task["id"]})
        again = admin.post(f"{url}/api/quality/reports", json={"task_id": task["id"]})
    finally:
        server.background.resume()
    assert (first.status_code, again.status_code) == (202, 409)
    assert first.json() == again.json() == {
        "rq_id": f"action=calculate&target=task&target_id={task['id']}&subresource=quality"
    }
    finished = _wait(admin, url, first.json()["rq_id"])
    assert finished["operation"]["type"] == "calculate:quality"
    report = admin.get(f"{url}/api/quality/reports/{finished['result_id']}").json()
    assert report["target"] == "task" and report["task_id"] == task["id"]


@pytest.mark.local_only
def test_settings_exist_for_new_tasks_and_go_with_them_as_reports_do(
    url: str, admin: requests.Session
) -> None:
    project = admin.post(f"{url}/api/projects", json={"name": "q", "labels": [{"name": "car"}]})
    task = _gt_task(admin, url, [])
    settings = admin.get(f"{url}/api/quality/settings", params={"task_id": task["id"]}).json()
    assert settings["count"] == 1 and settings["results"][0]["inherit"] is True
    mine = admin.get(f"{url}/api/quality/settings",
                     params={"project_id": project.json()["id"]}).json()
    assert [row["project_id"] for row in mine["results"]] == [project.json()["id"]]
    started = admin.post(f"{url}/api/quality/reports", json={"task_id": task["id"]}).json()
    report_id = _wait(admin, url, started["rq_id"])["result_id"]
    assert admin.get(f"{url}/api/quality/reports/{report_id}").status_code == 200

    assert admin.delete(f"{url}/api/tasks/{task['id']}").status_code == 204
    assert admin.get(f"{url}/api/quality/reports/{report_id}").status_code == 404
    gone = admin.get(f"{url}/api/quality/settings", params={"task_id": task["id"]})
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"Task {task['id']} does not exist"}


@pytest.mark.local_only
def test_a_weak_match_is_valid_with_a_low_overlap_warning(
    url: str, admin: requests.Session
) -> None:
    task = _task(admin, url)
    car = _car(admin, url, task["id"])
    gt = admin.post(f"{url}/api/jobs", json={
        "task_id": task["id"], "type": "ground_truth", "frame_selection_method": "manual",
        "frames": [0],
    }).json()
    admin.put(f"{url}/api/jobs/{gt['id']}/annotations",
              json={"shapes": [_rect(0, car, [0, 0, 10, 10])]})
    admin.patch(f"{url}/api/jobs/{gt['id']}", json={"stage": "acceptance", "state": "completed"})
    job = _jobs(admin, url, task["id"])[0]
    admin.put(f"{url}/api/jobs/{job['id']}/annotations",
              json={"shapes": [_rect(0, car, [0, 0, 10, 6])]})  # IoU 0.6
    started = admin.post(f"{url}/api/quality/reports", json={"task_id": task["id"]}).json()
    report_id = _wait(admin, url, started["rq_id"])["result_id"]
    summary = admin.get(f"{url}/api/quality/reports/{report_id}").json()["summary"]
    assert summary["conflicts_by_type"] == {"low_overlap": 1}
    assert (summary["warning_count"], summary["error_count"], summary["valid_count"]) == (1, 0, 1)
    assert summary["accuracy"] == 1.0


@pytest.mark.local_only
def test_the_job_filter_excludes_jobs_from_the_task_report(
    url: str, admin: requests.Session
) -> None:
    task = _gt_task(admin, url, [])
    keep = _jobs(admin, url, task["id"])[0]["id"]
    settings = admin.get(f"{url}/api/quality/settings", params={"task_id": task["id"]}).json()
    changed = admin.patch(
        f"{url}/api/quality/settings/{settings['results'][0]['id']}",
        json={"job_filter": f'{{"==": [{{"var": "id"}}, {keep}]}}'},
    )
    assert changed.status_code == 200
    bad = admin.patch(f"{url}/api/quality/settings/{settings['results'][0]['id']}",
                      json={"job_filter": '{"==": [{"var": "colour"}, 1]}'})
    assert bad.status_code == 400
    started = admin.post(f"{url}/api/quality/reports", json={"task_id": task["id"]}).json()
    report_id = _wait(admin, url, started["rq_id"])["result_id"]
    summary = admin.get(f"{url}/api/quality/reports/{report_id}").json()["summary"]
    assert summary["jobs"] == {"total": 2, "excluded": 1, "not_checkable": 0, "included": 1}
    children = admin.get(f"{url}/api/quality/reports", params={"parent_id": report_id}).json()
    assert [row["job_id"] for row in children["results"]] == [keep]


@pytest.mark.local_only
def test_a_task_merge_that_is_already_queued_answers_409(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    task = _task(admin, url, consensus_replicas=2)
    car = _car(admin, url, task["id"])
    replica = admin.get(f"{url}/api/jobs", params={
        "task_id": task["id"], "type": "consensus_replica"}).json()["results"][0]
    admin.put(f"{url}/api/jobs/{replica['id']}/annotations",
              json={"shapes": [_rect(replica["start_frame"], car, [1, 1, 5, 5])]})
    admin.patch(f"{url}/api/jobs/{replica['id']}", json={"state": "in progress"})
    server.background.pause()
    try:
        first = admin.post(f"{url}/api/consensus/merges", json={"task_id": task["id"]})
        again = admin.post(f"{url}/api/consensus/merges", json={"task_id": task["id"]})
    finally:
        server.background.resume()
    assert (first.status_code, again.status_code) == (202, 409)
    assert _wait(admin, url, first.json()["rq_id"])["operation"]["type"] == "merge:task"
    parent = admin.get(f"{url}/api/jobs/{replica['parent_job_id']}").json()
    assert parent["state"] == "completed"
    none = admin.post(f"{url}/api/consensus/merges", json={})
    assert (none.status_code, none.json()) == (
        403, {"detail": "Either task_id or job_id must be specified"},
    )
