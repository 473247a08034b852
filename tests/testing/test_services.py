"""LocalCVAT's background requests, serverless functions, event log and access tokens, judged
with plain ``requests`` against what CVAT 2.64 answers (asked of the real server where it can
answer; its ``lambda_manager`` and ``events`` code where it has no nuclio or ClickHouse)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from cvatorm.testing import LocalCVAT

DETECTOR = "openvino-omz-public-yolo-v3-tf"


def _wait(session: requests.Session, url: str, rq_id: str) -> dict[str, Any]:
    for _ in range(600):
        body: dict[str, Any] = session.get(f"{url}/api/requests/{quote(rq_id, safe='')}").json()
        if body["status"] in ("finished", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"{rq_id} never finished")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


# -- request ids and /api/requests ----------------------------------------------------------------


def test_request_ids_are_readable_and_filters_read_them(url: str, admin: requests.Session) -> None:
    rq_id = admin.post(f"{url}/api/tasks/2/backup/export").json()["rq_id"]
    assert rq_id == "action=export&target=task&target_id=2&user_id=1&subresource=backup"
    done = _wait(admin, url, rq_id)
    assert done["progress"] == 0.0 and done["result_url"].endswith(quote(rq_id, safe=""))
    listed = admin.get(
        f"{url}/api/requests", params={"action": "export", "subresource": "backup", "task_id": 2}
    ).json()
    assert [r["id"] for r in listed["results"]] == [rq_id]
    assert admin.get(f"{url}/api/requests", params={"target": "project", "task_id": 2}).json()[
        "count"
    ] == 0


def test_only_a_queued_request_is_cancelled(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.background.pause()
    try:
        rq_id = admin.post(f"{url}/api/projects/1/backup/export").json()["rq_id"]
        path = f"{url}/api/requests/{quote(rq_id, safe='')}"
        assert admin.get(path).json()["status"] == "queued"
        assert admin.post(f"{path}/cancel").status_code == 200
        assert admin.get(path).status_code == 404
    finally:
        server.background.resume()
    rq_id = admin.post(f"{url}/api/projects/1/backup/export").json()["rq_id"]
    _wait(admin, url, rq_id)
    refused = admin.post(f"{url}/api/requests/{quote(rq_id, safe='')}/cancel")
    assert refused.status_code == 400
    assert refused.text == "Only requests that have not yet been started can be cancelled"


# -- lambda ---------------------------------------------------------------------------------------


def test_functions_are_served_as_the_lambda_manager_serializes_them(
    url: str, admin: requests.Session
) -> None:
    functions = admin.get(f"{url}/api/lambda/functions").json()
    assert {f["kind"] for f in functions} == {"detector", "interactor"}
    detector = admin.get(f"{url}/api/lambda/functions/{DETECTOR}").json()
    assert set(detector) == {"id", "kind", "labels_v2", "description", "name", "version"}
    missing = admin.get(f"{url}/api/lambda/functions/no-such")
    assert missing.status_code == 404 and "Not Found" in missing.json()


def test_an_interactor_answers_a_polygon_around_the_clicks(
    url: str, admin: requests.Session
) -> None:
    interactor = next(
        f for f in admin.get(f"{url}/api/lambda/functions").json() if f["kind"] == "interactor"
    )
    answer = admin.post(
        f"{url}/api/lambda/functions/{interactor['id']}",
        json={"task": 2, "frame": 0, "pos_points": [[10, 10], [30, 20]], "neg_points": []},
    )
    assert answer.status_code == 200
    assert answer.json()["points"] == [[5.0, 5.0], [35.0, 5.0], [35.0, 25.0], [5.0, 25.0]]
    wrong = admin.post(f"{url}/api/lambda/functions/{interactor['id']}", json={"frame": 0})
    assert wrong.status_code == 400 and "wrong arguments" in wrong.json()


def test_one_auto_annotation_per_task_at_a_time(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.background.pause()
    try:
        first = admin.post(f"{url}/api/lambda/requests", json={"function": DETECTOR, "task": 2})
        assert first.status_code == 200 and first.json()["status"] == "queued"
        assert first.json()["id"] == "action=autoannotate&target=task&target_id=2"
        second = admin.post(f"{url}/api/lambda/requests", json={"function": DETECTOR, "task": 2})
        assert second.status_code == 409
        assert second.json() == "Only one running request is allowed for the same task #2"
        listed = admin.get(f"{url}/api/requests", params={"action": "autoannotate"}).json()
        assert listed["results"][0]["operation"]["function_id"] == DETECTOR
        path = f"{url}/api/lambda/requests/{quote(first.json()['id'], safe='')}"
        assert admin.delete(path).status_code == 204
        assert admin.get(path).status_code == 404
    finally:
        server.background.resume()
    invalid = admin.post(f"{url}/api/lambda/requests", json={"task": 2})
    assert invalid.status_code == 400 and invalid.json() == {
        "function": ["This field is required."]
    }


# -- events ---------------------------------------------------------------------------------------


def test_events_are_corrected_by_the_clocks_difference(url: str, admin: requests.Session) -> None:
    hour_ahead = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    answer = admin.post(
        f"{url}/api/events",
        json={
            "events": [{"scope": "debug:info", "timestamp": hour_ahead.isoformat()}],
            "timestamp": hour_ahead.isoformat(),
        },
    )
    assert answer.status_code == 201
    stamp = answer.json()["events"][0]["timestamp"]
    recorded = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(recorded - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    refused = admin.post(
        f"{url}/api/events",
        json={"events": [{"scope": "create:task", "timestamp": _now()}], "timestamp": _now()},
    )
    assert refused.status_code == 400
    assert refused.json() == {"scope": "Event scope **create:task** is not allowed from client"}


def test_a_user_exports_only_their_own_events(
    url: str, admin: requests.Session, as_user: Callable[[str], requests.Session]
) -> None:
    user = as_user("user1")
    for session, value in ((admin, "by admin"), (user, "by user1")):
        session.post(
            f"{url}/api/events",
            json={"events": [{"scope": "debug:info", "obj_val": value, "timestamp": _now()}],
                  "timestamp": _now()},
        )  # fmt: skip
    rq_id = user.post(f"{url}/api/events/export").json()["rq_id"]
    assert re.fullmatch(r"action=export&target=events&id=[0-9a-f-]{36}&user_id=2", rq_id)
    done = _wait(user, url, rq_id)
    assert done["operation"]["type"] == "export:events"
    rows = list(csv.DictReader(io.StringIO(user.get(done["result_url"]).text)))
    assert {row["obj_val"] for row in rows} == {"by user1"}
    assert admin.get(done["result_url"]).status_code == 200  # the admin may download it too


def test_the_deprecated_get_polls_by_query_id(url: str, admin: requests.Session) -> None:
    started = admin.get(f"{url}/api/events")
    assert started.status_code == 202 and started.headers["Deprecation"] == "@1742169600"
    query_id = started.json()["query_id"]
    for _ in range(300):
        polled = admin.get(f"{url}/api/events", params={"query_id": query_id})
        if polled.status_code != 202:
            break
        time.sleep(0.02)
    assert polled.status_code == 201
    downloaded = admin.get(
        f"{url}/api/events", params={"query_id": query_id, "action": "download"}
    )
    assert downloaded.status_code == 200
    assert downloaded.text.splitlines()[0].startswith("scope,obj_name,obj_id")


def test_an_export_without_clickhouse_fails_like_the_real_server(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.background.fail_next(
        message="clickhouse_connect.driver.exceptions.OperationalError: Error "
        "HTTPConnectionPool(host='localhost', port=8123)",
        operation="export:events",
    )
    done = _wait(admin, url, admin.post(f"{url}/api/events/export").json()["rq_id"])
    assert done["status"] == "failed" and "clickhouse" in done["message"]
    assert done["result_url"] is None


# -- access tokens --------------------------------------------------------------------------------


def test_a_token_secret_looks_like_the_real_ones(url: str, as_user: Callable[[str], Any]) -> None:
    user = as_user("user1")
    created = user.post(f"{url}/api/auth/access_tokens", json={"name": "probe"}).json()
    assert re.fullmatch(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}", created["value"])
    assert list(created) == [
        "id", "name", "created_date", "updated_date", "expiry_date", "last_used_date",
        "read_only", "owner", "value",
    ]  # fmt: skip
    assert created["read_only"] is True
    bearer = requests.get(
        f"{url}/api/auth/access_tokens/self",
        headers={"Authorization": f"Bearer {created['value']}"},
        timeout=10,
    )
    assert bearer.json()["id"] == created["id"] and "value" not in bearer.json()
    assert user.delete(f"{url}/api/auth/access_tokens/{created['id']}").status_code == 204


def test_a_user_has_at_most_fifty_usable_tokens(
    url: str, as_user: Callable[[str], requests.Session]
) -> None:
    user = as_user("user3")
    have = user.get(f"{url}/api/auth/access_tokens").json()["count"]
    made = [
        user.post(f"{url}/api/auth/access_tokens", json={"name": f"t{i}"}).json()["id"]
        for i in range(50 - have)
    ]
    refused = user.post(f"{url}/api/auth/access_tokens", json={"name": "one too many"})
    assert refused.status_code == 400
    assert refused.json() == [
        "You have reached the maximum allowed number of Personal Access Tokens for a user"
    ]
    for token_id in made:
        user.delete(f"{url}/api/auth/access_tokens/{token_id}")
