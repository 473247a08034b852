"""Testing your own CVAT pipeline against LocalCVAT, with the ``cvat_server`` pytest fixture.

Install cvatorm (its pytest plugin is registered automatically) and run::

    pytest examples/test_my_pipeline.py

The pipeline below talks to CVAT over plain HTTP (any client works: requests, cvat_sdk,
cvatorm); the tests point it at ``cvat_server.url``. Every test starts from the same seed data
(CVAT's own test database: 21 users, 17 projects, 30 tasks, ...; every password ``!Q@W#E$R``).
"""

from __future__ import annotations

import time

import requests

from cvatorm.testing import LocalCVAT

PASSWORD = "!Q@W#E$R"


# --------------------------------------------------------------------------- the code under test


def archive_finished_tasks(base_url: str, username: str, password: str) -> list[int]:
    """A toy pipeline: back up every task whose jobs are all completed, then delete it.

    Returns the ids of the archived tasks. Retries a few times on 5xx answers.
    """
    session = requests.Session()
    session.auth = (username, password)

    def call(method: str, path: str, params: dict[str, str] | None = None) -> requests.Response:
        url = path if path.startswith("http") else base_url + path
        for attempt in range(4):
            response = session.request(method, url, params=params, timeout=10)
            if response.status_code < 500:
                response.raise_for_status()
                return response
            time.sleep(0.05 * (attempt + 1))
        response.raise_for_status()
        return response

    tasks = call("GET", "/api/tasks", params={"page_size": "all"}).json()["results"]
    archived = []
    for task in tasks:
        jobs = task["jobs"]
        if not jobs["count"] or jobs["completed"] != jobs["count"]:
            continue
        rq_id = call("POST", f"/api/tasks/{task['id']}/backup/export").json()["rq_id"]
        while True:
            status = call("GET", f"/api/requests/{rq_id}").json()
            if status["status"] in ("finished", "failed"):
                break
            time.sleep(0.05)
        if status["status"] == "failed":
            raise RuntimeError(f"backup of task {task['id']} failed: {status['message']}")
        backup = call("GET", status["result_url"]).content
        assert backup.startswith(b"PK")  # a zip; a real pipeline would store it somewhere
        call("DELETE", f"/api/tasks/{task['id']}")
        archived.append(task["id"])
    return archived


# --------------------------------------------------------------------------- its tests


def test_archives_only_completed_tasks(cvat_server: LocalCVAT) -> None:
    archived = archive_finished_tasks(cvat_server.url, "admin1", PASSWORD)
    assert archived == [23]  # the seed data has one task whose jobs are all completed
    gone = requests.get(f"{cvat_server.url}/api/tasks/23", auth=("admin1", PASSWORD))
    assert gone.status_code == 404


def test_survives_a_flaky_server(cvat_server: LocalCVAT) -> None:
    cvat_server.faults.add(method="GET", path="/api/tasks", status=503, times=2)
    assert archive_finished_tasks(cvat_server.url, "admin1", PASSWORD) == [23]
    statuses = [r.status for r in cvat_server.requests if r.path == "/api/tasks"]
    assert statuses == [503, 503, 200]


def test_reports_a_failed_backup(cvat_server: LocalCVAT) -> None:
    cvat_server.background.fail_next(message="disk full")
    try:
        archive_finished_tasks(cvat_server.url, "admin1", PASSWORD)
    except RuntimeError as error:
        assert "disk full" in str(error)
    else:
        raise AssertionError("the failure was not reported")
    # nothing was deleted
    still_there = requests.get(f"{cvat_server.url}/api/tasks/23", auth=("admin1", PASSWORD))
    assert still_there.status_code == 200


def test_seed_is_fresh_in_every_test(cvat_server: LocalCVAT) -> None:
    task = requests.get(f"{cvat_server.url}/api/tasks/23", auth=("admin1", PASSWORD))
    assert task.status_code == 200
