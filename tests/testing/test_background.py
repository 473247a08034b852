"""Background requests: backup exports answer 202 {"rq_id"}, move through queued/started/
finished, and finish with a downloadable zip; failures can be injected; queued requests can be
held and cancelled; requests are listed per user."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
import requests

from cvatorm.testing import LocalCVAT


def _wait(session: requests.Session, url: str, rq_id: str) -> dict[str, Any]:
    for _ in range(600):
        body: dict[str, Any] = session.get(f"{url}/api/requests/{rq_id}").json()
        if body["status"] in ("finished", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"{rq_id} never finished")


def test_task_backup_export_finishes_with_a_zip(url: str, admin: requests.Session) -> None:
    started = admin.post(f"{url}/api/tasks/2/backup/export")
    assert started.status_code == 202
    rq_id = started.json()["rq_id"]
    # CVAT 2.64's RequestId.render(): readable key=value pairs, no queue, the object's target_id
    assert rq_id == "action=export&target=task&target_id=2&user_id=1&subresource=backup"
    done = _wait(admin, url, rq_id)
    assert done["status"] == "finished"
    assert done["progress"] == 0.0  # CVAT 2.64: exports record no progress
    assert done["operation"]["type"] == "export:backup"
    assert done["operation"]["task_id"] == 2
    assert done["owner"] == {"id": 1, "username": "admin1"}
    assert done["result_url"].startswith(f"{url}/api/tasks/2/backup/download?rq_id=")
    download = admin.get(done["result_url"])
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert set(archive.namelist()) == {"task.json", "annotations.json"}
    manifest = json.loads(archive.read("task.json"))
    assert manifest["name"] == admin.get(f"{url}/api/tasks/2").json()["name"]


def test_project_backup_contains_its_tasks(url: str, admin: requests.Session) -> None:
    rq_id = admin.post(f"{url}/api/projects/1/backup/export").json()["rq_id"]
    done = _wait(admin, url, rq_id)
    archive = zipfile.ZipFile(io.BytesIO(admin.get(done["result_url"]).content))
    names = archive.namelist()
    assert "project.json" in names
    tasks = admin.get(f"{url}/api/tasks", params={"project_id": 1}).json()["count"]
    assert sum(1 for name in names if name.endswith("/task.json")) == tasks


def test_export_to_the_objects_cloud_storage_has_no_result_url(
    url: str, admin: requests.Session
) -> None:
    project = admin.get(f"{url}/api/projects/2").json()
    assert project["target_storage"]["location"] == "cloud_storage"
    done = _wait(admin, url, admin.post(f"{url}/api/projects/2/backup/export").json()["rq_id"])
    assert done["status"] == "finished"
    assert done["result_url"] is None
    local = admin.post(f"{url}/api/projects/2/backup/export", params={"location": "local"})
    assert _wait(admin, url, local.json()["rq_id"])["result_url"].startswith(url)


def test_export_filename_parameter(url: str, admin: requests.Session) -> None:
    rq_id = admin.post(f"{url}/api/tasks/2/backup/export", params={"filename": "mine.zip"}).json()[
        "rq_id"
    ]
    done = _wait(admin, url, rq_id)
    disposition = admin.get(done["result_url"]).headers["Content-Disposition"]
    assert 'filename="mine.zip"' in disposition


def test_export_of_unknown_or_invisible_objects(url: str, admin: requests.Session) -> None:
    assert admin.post(f"{url}/api/tasks/99999/backup/export").status_code == 404
    outsider = requests.Session()
    outsider.auth = ("lonely_user", "!Q@W#E$R")
    assert outsider.post(f"{url}/api/tasks/2/backup/export").status_code == 403


def test_requests_are_listed_for_their_owner_only(url: str, admin: requests.Session) -> None:
    rq_id = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
    _wait(admin, url, rq_id)
    listed = admin.get(f"{url}/api/requests").json()
    assert rq_id in [item["id"] for item in listed["results"]]
    by_task = admin.get(f"{url}/api/requests", params={"task_id": 2, "status": "finished"})
    assert {item["operation"]["task_id"] for item in by_task.json()["results"]} == {2}
    other = requests.Session()
    other.auth = ("user1", "!Q@W#E$R")
    assert other.get(f"{url}/api/requests").json()["count"] == 0
    foreign = other.get(f"{url}/api/requests/{rq_id}")
    assert foreign.status_code == 403
    assert foreign.json() == {"detail": "You do not have permission to perform this action."}
    task = other.post(f"{url}/api/tasks", json={"name": "own", "labels": [{"name": "a"}]}).json()
    mine = other.post(f"{url}/api/tasks/{task['id']}/backup/export")
    assert mine.status_code == 202, mine.text
    _wait(other, url, mine.json()["rq_id"])
    by_admin = admin.get(f"{url}/api/requests/{mine.json()['rq_id']}")
    assert by_admin.status_code == 403  # is_rq_job_owner: admins get no bypass
    rules = '{"and":[{"==":[{"var":"task_id"},2]},{"in":[{"var":"status"},["finished"]]}]}'
    logic = admin.get(f"{url}/api/requests", params={"filter": rules}).json()["results"]
    assert logic and {item["operation"]["task_id"] for item in logic} == {2}
    none = admin.get(f"{url}/api/requests", params={"filter": '{"==":[{"var":"task_id"},-1]}'})
    assert none.json()["count"] == 0
    unsupported = admin.get(f"{url}/api/requests", params={"filter": '{"max":[1,2]}'})
    assert unsupported.json() == ["filter: max operation with [1, 2] arguments is not implemented"]
    missing = admin.get(f"{url}/api/requests/bm90LWEtcmVxdWVzdA==")
    assert missing.status_code == 404
    assert missing.text == "There is no request with specified id"
    assert "no-store" in missing.headers["Cache-Control"]


@pytest.mark.local_only
def test_injected_failure_is_reported(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.background.fail_next(message="disk full", operation="export:backup")
    rq_id = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
    failed = _wait(admin, url, rq_id)
    assert failed["status"] == "failed"
    assert failed["message"] == "disk full"
    assert failed["result_url"] is None and failed["result_id"] is None  # CVAT 2.64.1
    retried = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
    assert _wait(admin, url, retried)["status"] == "finished"


@pytest.mark.local_only
def test_paused_requests_stay_queued_conflict_and_can_be_cancelled(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.background.pause()
    try:
        rq_id = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
        assert admin.get(f"{url}/api/requests/{rq_id}").json()["status"] == "queued"
        again = admin.post(f"{url}/api/tasks/2/backup/export")
        assert again.status_code == 409
        not_ready = admin.get(f"{url}/api/tasks/2/backup/download", params={"rq_id": rq_id})
        assert not_ready.status_code == 400
        assert admin.post(f"{url}/api/requests/{rq_id}/cancel").status_code == 200
        assert admin.get(f"{url}/api/requests/{rq_id}").status_code == 404
    finally:
        server.background.resume()
    done = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
    _wait(admin, url, done)
    late = admin.post(f"{url}/api/requests/{done}/cancel")
    assert late.status_code == 400
    assert late.text == "Only requests that have not yet been started can be cancelled"


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (width % 256, 10, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_task_backup_round_trip_keeps_frames_and_annotations(
    url: str, admin: requests.Session
) -> None:
    task = admin.post(f"{url}/api/tasks", json={"name": "trip", "labels": [{"name": "car"}]})
    task_id = task.json()["id"]
    files = {f"client_files[{i}]": (f"f{i}.png", _png(30 + i, 20)) for i in range(2)}
    uploaded = admin.post(
        f"{url}/api/tasks/{task_id}/data", data={"image_quality": "70"}, files=files
    )
    assert _wait(admin, url, uploaded.json()["rq_id"])["status"] == "finished"
    label_id = admin.get(f"{url}/api/labels", params={"task_id": task_id}).json()["results"][0]
    shape = {
        "type": "rectangle",
        "frame": 1,
        "label_id": label_id["id"],
        "points": [1.0, 2.0, 10.0, 12.0],
    }
    put = admin.put(
        f"{url}/api/tasks/{task_id}/annotations",
        json={"version": 0, "tags": [], "shapes": [shape], "tracks": []},
    )
    assert put.status_code == 200, put.text
    exported = _wait(
        admin, url, admin.post(f"{url}/api/tasks/{task_id}/backup/export").json()["rq_id"]
    )
    backup = admin.get(exported["result_url"]).content
    names = set(zipfile.ZipFile(io.BytesIO(backup)).namelist())
    assert {"task.json", "annotations.json", "data/f0.png", "data/f1.png"} <= names
    restored = admin.post(f"{url}/api/tasks/backup", files={"task_file": ("b.zip", backup)})
    done = _wait(admin, url, restored.json()["rq_id"])
    assert done["status"] == "finished", done
    new_id = done["result_id"]

    def meta(tid: int) -> list[tuple[str, int, int]]:
        frames = admin.get(f"{url}/api/tasks/{tid}/data/meta").json()["frames"]
        return [(f["name"], f["width"], f["height"]) for f in frames]

    assert meta(new_id) == meta(task_id) == [("f0.png", 30, 20), ("f1.png", 31, 20)]
    shapes = admin.get(f"{url}/api/tasks/{new_id}/annotations").json()["shapes"]
    assert [(s["frame"], s["points"]) for s in shapes] == [(1, [1.0, 2.0, 10.0, 12.0])]


@pytest.mark.local_only
def test_deleting_a_task_frees_its_media(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    from cvatorm.testing import media

    created = admin.post(f"{url}/api/tasks", json={"name": "gone", "labels": [{"name": "a"}]})
    task_id = created.json()["id"]
    files = {"client_files[0]": ("a.png", _png(8, 8))}
    uploaded = admin.post(
        f"{url}/api/tasks/{task_id}/data", data={"image_quality": "70"}, files=files
    )
    assert _wait(admin, url, uploaded.json()["rq_id"])["status"] == "finished"
    assert media.media_of(server.store, task_id) is not None
    assert admin.delete(f"{url}/api/tasks/{task_id}").status_code == 204
    assert media.media_of(server.store, task_id) is None


def test_the_old_project_dataset_api_is_gone(url: str, admin: requests.Session) -> None:
    """GET /api/projects/<id>/dataset: 410 plain text pointing at the requests API."""
    project = admin.post(f"{url}/api/projects", json={"name": "legacy"}).json()
    for params in ({"format": "CVAT for images 1.1"}, {"action": "import_status"}):
        gone = admin.get(f"{url}/api/projects/{project['id']}/dataset", params=params)
        assert gone.status_code == 410
        assert gone.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "GET /api/requests/rq_id" in gone.text
    assert admin.get(f"{url}/api/projects/999999/dataset/").status_code == 404


def test_annotation_exports_of_seed_tasks_finish(url: str, admin: requests.Session) -> None:
    """Seed tasks have no media here; an annotations-only export still works (placeholder
    frame names), a dataset export with images fails saying why."""
    params = {"format": "CVAT for images 1.1", "save_images": "false"}
    started = admin.post(f"{url}/api/tasks/2/dataset/export", params=params)
    done = _wait(admin, url, started.json()["rq_id"])
    assert done["status"] == "finished", done
    archive = zipfile.ZipFile(io.BytesIO(admin.get(done["result_url"]).content))
    xml = archive.read("annotations.xml").decode()
    size = admin.get(f"{url}/api/tasks/2").json()["size"]
    assert xml.count("<image ") == size
    with_images = admin.post(
        f"{url}/api/tasks/2/dataset/export", params={**params, "save_images": "true"}
    )
    failed = _wait(admin, url, with_images.json()["rq_id"])
    assert failed["status"] == "failed"
