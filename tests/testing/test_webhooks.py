"""``/api/webhooks`` at the HTTP level, against LocalCVAT or the real server of ``CVAT_URL``.

Every test means the same on both: it talks plain ``requests`` (basic auth) to
``cvat_target.url``, creates its own projects and webhooks and deletes them, and points
webhooks at a receiver of its own on 127.0.0.1, to which both servers really deliver. Every
answer is checked against CVAT's OpenAPI schema when the test ends, except two fields the real
server answers differently from its schema (``tests/support/openapi.py`` corrects the schema
to the answers both servers give), which tests assert.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from support.openapi import SchemaMismatch, validate_exchange

PASSWORD = "!Q@W#E$R"
DENIED = {"detail": "You do not have permission to perform this action."}
SEED_IDS = [6, 3, 2, 1]
SEED_ONLY = json.dumps({"<=": [{"var": "id"}, 6]})

PROJECT_EVENTS = [
    "create:comment", "create:issue", "create:job", "create:task", "delete:comment",
    "delete:issue", "delete:job", "delete:project", "delete:task", "update:comment",
    "update:issue", "update:job", "update:project", "update:task",
]  # fmt: skip
ALL_EVENTS = [
    "create:comment", "create:invitation", "create:issue", "create:job", "create:membership",
    "create:project", "create:task", "delete:comment", "delete:invitation", "delete:issue",
    "delete:job", "delete:membership", "delete:organization", "delete:project", "delete:task",
    "update:comment", "update:issue", "update:job", "update:membership", "update:organization",
    "update:project", "update:task",
]  # fmt: skip
READ_FIELDS = [
    "id", "url", "target_url", "description", "type", "content_type", "is_active",
    "enable_ssl", "created_date", "updated_date", "owner", "project_id", "organization",
    "events",
]  # fmt: skip
DELIVERY_FIELDS = [
    "id", "webhook_id", "event", "status_code", "redelivery", "created_date", "updated_date",
    "changed_fields", "request", "response",
]  # fmt: skip

_DELIVERY_PATH = re.compile(r"^/api/webhooks/\d+/(ping|deliveries(/\d+)?)$")


# --------------------------------------------------------------------------- schema check


@dataclass
class SchemaChecker:
    """Collects every answer of the sessions it hooks and validates them at the end."""

    failures: list[str] = field(default_factory=list)

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = response.content
        try:
            validate_exchange(
                request.method or "",
                request.url or "",
                response.status_code,
                body,
                response.headers.get("Content-Type"),
            )
        except SchemaMismatch as error:
            self.failures.append(str(error))


Api = Callable[..., requests.Session]


@pytest.fixture
def base(cvat_target: Any) -> str:
    return str(cvat_target.url).rstrip("/")


@pytest.fixture
def api(cvat_target: Any) -> Iterator[Api]:
    """``api("user2")``: a session of that seed user (``api()``: the administrator)."""
    checker = SchemaChecker()
    made: list[requests.Session] = []

    def make(username: str | None = None) -> requests.Session:
        session = requests.Session()
        if username is None:
            credentials = cvat_target.credentials
            token = getattr(credentials, "token", None)
            if token:
                session.headers["Authorization"] = f"Bearer {token}"
            else:
                session.auth = (credentials.user, credentials.password)
        else:
            session.auth = (username, PASSWORD)
        session.hooks["response"].append(checker.hook)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()
    assert not checker.failures, checker.failures


# --------------------------------------------------------------------------- receiver


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook target on 127.0.0.1: records every POST; ``/status/<code>`` answers that
    status, anything else 200; the body is ``reply``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reply = b'{"received": true}'
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = 200
                if self.path.startswith("/status/"):
                    status = int(self.path.split("/")[2])
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)
                with receiver.arrived:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    receiver.arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    yield target
    target.close()


# --------------------------------------------------------------------------- own objects


@pytest.fixture
def project(api: Api, base: str) -> Iterator[dict[str, Any]]:
    """A project of the administrator, outside any organization, deleted after the test."""
    admin = api()
    name = f"webhooks test {uuid.uuid4().hex[:10]}"
    created = admin.post(f"{base}/api/projects", json={"name": name})
    assert created.status_code == 201, created.text
    yield created.json()
    admin.delete(f"{base}/api/projects/{created.json()['id']}")


@pytest.fixture
def make_webhook(
    api: Api, base: str, project: dict[str, Any], receiver: Receiver
) -> Iterator[Callable[..., dict[str, Any]]]:
    """``make_webhook(**fields)``: a project webhook to the receiver, deleted after."""
    admin = api()
    made: list[int] = []

    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "target_url": f"{receiver.url}/hook",
            "type": "project",
            "project_id": project["id"],
            "events": ["create:task"],
            **fields,
        }
        response = admin.post(f"{base}/api/webhooks", json=body)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return dict(response.json())

    yield make
    for webhook_id in made:
        admin.delete(f"{base}/api/webhooks/{webhook_id}")


def _deliveries(session: requests.Session, base: str, webhook_id: int) -> list[dict[str, Any]]:
    answer = session.get(f"{base}/api/webhooks/{webhook_id}/deliveries")
    assert answer.status_code == 200
    return list(answer.json()["results"])


def _signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- events


def test_events_by_type(api: Api, base: str) -> None:
    anonymous = requests.get(f"{base}/api/webhooks/events")
    assert anonymous.status_code == 200  # permission_classes=[]
    assert anonymous.json() == {"webhook_type": "all", "events": ALL_EVENTS}
    session = api()
    project = session.get(f"{base}/api/webhooks/events", params={"type": "project"})
    assert project.json() == {"webhook_type": "project", "events": PROJECT_EVENTS}
    org = session.get(f"{base}/api/webhooks/events", params={"type": "organization"})
    assert org.json() == {"webhook_type": "organization", "events": ALL_EVENTS}
    for wrong in ("bad", ""):
        answer = session.get(f"{base}/api/webhooks/events", params={"type": wrong})
        assert answer.status_code == 400
        assert answer.json() == "Incorrect value of type parameter"


# --------------------------------------------------------------------------- lists


def test_seed_webhooks_as_the_admin_lists_them(api: Api, base: str) -> None:
    answer = api().get(f"{base}/api/webhooks", params={"filter": SEED_ONLY, "page_size": "all"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["id"] for row in rows] == SEED_IDS
    by_id = {row["id"]: row for row in rows}
    assert list(by_id[3])[: len(READ_FIELDS)] == READ_FIELDS
    assert by_id[3]["url"] == f"{base}/api/webhooks/3"
    assert by_id[3]["owner"]["username"] == "user2"
    assert (by_id[3]["type"], by_id[3]["project_id"], by_id[3]["organization"]) == (
        "project",
        3,
        2,
    )
    assert (by_id[6]["type"], by_id[6]["project_id"], by_id[6]["organization"]) == (
        "organization",
        None,
        1,
    )
    assert "last_status" not in by_id[3]  # no deliveries: the fields are left out
    assert by_id[6]["last_status"] in (200, 502)  # the seed's delivery, or a newer event's
    assert "secret" not in by_id[6]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "organization"}, [6]),
        ({"owner": "user2"}, [3]),
        ({"project_id": "6"}, [1]),
        ({"target_url": "http://webhooks.internal"}, [3]),
        ({"search": "user7"}, [2]),
        ({"search": "organization"}, [6]),
        ({"sort": "owner,-id"}, [6, 1, 3, 2]),
        ({"sort": "project_id"}, [2, 3, 1, 6]),
        ({"filter": json.dumps({"==": [{"var": "owner"}, "user7"]})}, [2]),
    ],
)
def test_list_filters(api: Api, base: str, query: dict[str, str], expected: list[int]) -> None:
    params = {"page_size": "all", **query}
    if "filter" not in params:
        params["filter"] = SEED_ONLY
    answer = api().get(f"{base}/api/webhooks", params=params)
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == expected


def test_list_errors_and_pages(api: Api, base: str) -> None:
    session = api()
    wrong = session.get(f"{base}/api/webhooks", params={"project_id": "x"})
    assert (wrong.status_code, wrong.json()) == (400, {"project_id": ["Enter a number."]})
    wrong = session.get(f"{base}/api/webhooks", params={"type": "bad"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "type": ["Select a valid choice. bad is not one of the available choices."]
    }
    paged: dict[str, str | int] = {"filter": SEED_ONLY, "page_size": 3, "page": 2}
    page = session.get(f"{base}/api/webhooks", params=paged)
    assert page.json()["count"] == 4
    assert [row["id"] for row in page.json()["results"]] == [1]


@pytest.mark.parametrize(
    ("user", "org", "expected"),
    [
        ("user1", None, [1]),
        ("user1", "org1", [6]),
        ("user2", None, [3]),
        ("user2", "org2", [3]),
        ("user7", None, [2]),
        ("user7", "org1", [6]),  # a maintainer sees the organization's webhooks
        ("user7", "", [2]),  # the personal workspace: webhooks outside organizations
        ("worker1", "org1", []),
        ("lonely_user", None, []),
    ],
)
def test_who_lists_what(
    api: Api, base: str, user: str, org: str | None, expected: list[int]
) -> None:
    params = {"page_size": "all", "filter": SEED_ONLY}
    if org is not None:
        params["org"] = org
    answer = api(user).get(f"{base}/api/webhooks", params=params)
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == expected


def test_listing_an_organization_one_is_not_a_member_of(api: Api, base: str) -> None:
    answer = api("user1").get(f"{base}/api/webhooks", params={"org": "org2"})
    assert (answer.status_code, answer.json()) == (403, DENIED)


@pytest.mark.parametrize(
    ("user", "allowed", "denied"),
    [
        ("user1", [1, 6], [2, 3]),  # owner of 1; owner of org1 (6)
        ("user2", [3], [1, 2, 6]),  # owner of 3 (a supervisor in org2)
        ("user7", [2, 3, 6], [1]),  # owner of 2; owner of org2, maintainer of org1
        ("worker1", [], [1, 2, 3, 6]),
    ],
)
def test_who_sees_which_webhook(
    api: Api, base: str, user: str, allowed: list[int], denied: list[int]
) -> None:
    session = api(user)
    for webhook_id in allowed:
        assert session.get(f"{base}/api/webhooks/{webhook_id}").status_code == 200
        deliveries = session.get(f"{base}/api/webhooks/{webhook_id}/deliveries")
        assert deliveries.status_code == 200
    for webhook_id in denied:
        answer = session.get(f"{base}/api/webhooks/{webhook_id}")
        assert (answer.status_code, answer.json()) == (403, DENIED)
    missing = session.get(f"{base}/api/webhooks/999999")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No Webhook matches the given query."},
    )


def test_the_seed_deliveries(api: Api, base: str) -> None:
    session = api()
    rows = session.get(f"{base}/api/webhooks/6/deliveries", params={"page_size": "all"}).json()
    seed = [row for row in rows["results"] if row["id"] <= 4]
    assert [row["id"] for row in seed] == [4, 3, 2, 1]
    assert list(seed[0]) == DELIVERY_FIELDS
    assert seed[0]["event"] == "update:membership"
    assert seed[0]["changed_fields"] == "is_active,joined_date"
    assert seed[0]["request"]["before_update"] == {"is_active": False, "joined_date": None}
    one = session.get(f"{base}/api/webhooks/6/deliveries/1")
    assert one.status_code == 200
    assert one.json() == seed[3]


# --------------------------------------------------------------------------- create


def test_create_answers_the_read_serializer(
    api: Api, base: str, project: dict[str, Any], make_webhook: Callable[..., dict[str, Any]]
) -> None:
    created = make_webhook(
        secret="s3cret", description="  mine  ", events=["update:task", "create:task"]
    )
    assert list(created) == READ_FIELDS  # no last_status/last_delivery_date yet, no secret
    assert created["url"] == f"{base}/api/webhooks/{created['id']}"
    assert created["description"] == "mine"  # CharField trims
    assert created["events"] == ["create:task", "update:task"]
    assert (created["type"], created["project_id"], created["organization"]) == (
        "project",
        project["id"],
        None,
    )
    assert (created["is_active"], created["enable_ssl"]) == (True, True)
    assert created["content_type"] == "application/json"
    assert created["owner"] == project["owner"]
    retrieved = api().get(f"{base}/api/webhooks/{created['id']}")
    assert retrieved.json() == created


def test_a_project_webhook_takes_the_projects_organization(api: Api, base: str) -> None:
    # user2 owns project 3 (in org2) and creates a webhook for it from the personal workspace
    session = api("user2")
    body = {
        "target_url": "http://127.0.0.1:9/hook",
        "type": "project",
        "project_id": 3,
        "events": ["update:project"],
    }
    created = session.post(f"{base}/api/webhooks", json=body)
    assert created.status_code == 201, created.text
    try:
        assert created.json()["organization"] == 2
        assert created.json()["owner"]["username"] == "user2"
    finally:
        assert session.delete(f"{base}/api/webhooks/{created.json()['id']}").status_code == 204


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        (
            {},
            400,
            {
                "target_url": ["This field is required."],
                "type": ["This field is required."],
                "events": ["This field is required."],
            },
        ),
        (
            {"events": ["create:invitation"]},
            400,
            {"non_field_errors": ["Invalid events list for project webhook"]},
        ),
        ({"events": []}, 400, {"non_field_errors": ["Invalid events list for project webhook"]}),
        ({"events": ["bogus", "zzz"]}, 400, {"events": ['"bogus" is not a valid choice.']}),
        (
            {"events": "create:task"},
            400,
            {"events": ['Expected a list of items but got type "str".']},
        ),
        ({"type": "nope"}, 400, {"type": ['"nope" is not a valid choice.']}),
        ({"target_url": "not a url"}, 400, {"target_url": ["Enter a valid URL."]}),
        ({"target_url": "ftp://x.y/"}, 400, {"target_url": ["Enter a valid URL."]}),
        ({"target_url": ""}, 400, {"target_url": ["This field may not be blank."]}),
        (
            {"content_type": "text/plain"},
            400,
            {"content_type": ['"text/plain" is not a valid choice.']},
        ),
        (
            {"secret": "x" * 65, "description": "d" * 129},
            400,
            {
                "description": ["Ensure this field has no more than 128 characters."],
                "secret": ["Ensure this field has no more than 64 characters."],
            },
        ),
        ({"is_active": "maybe"}, 400, {"is_active": ["Must be a valid boolean."]}),
        ({"project_id": 999999}, 400, ["Project matching query does not exist."]),
        ({"project_id": "999999"}, 400, ["Could not find project with provided id: 999999"]),
        ({"project_id": None}, 500, None),  # the webhooks_project_or_organization constraint
        ({"project_id": "abc"}, 500, None),
        ({"type": "organization", "project_id": None}, 500, None),  # no organization here
    ],
)
def test_create_errors(
    api: Api,
    base: str,
    project: dict[str, Any],
    body: dict[str, Any],
    status: int,
    answer: Any,
) -> None:
    full = {
        "target_url": "http://127.0.0.1:9/hook",
        "type": "project",
        "project_id": project["id"],
        "events": ["create:task"],
    }
    sent = {} if not body else {**full, **body}
    response = api().post(f"{base}/api/webhooks", json=sent)
    assert response.status_code == status, response.text
    if answer is not None:
        assert response.json() == answer
    else:
        assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("user", "org", "body", "status"),
    [
        ("user1", None, {"type": "organization"}, 403),  # not in an organization
        ("user1", "org1", {"type": "organization"}, 400),  # org1's owner: allowed
        ("user7", "org1", {"type": "organization"}, 400),  # a maintainer: allowed
        ("user2", "org2", {"type": "organization"}, 403),  # a supervisor: no
        ("user1", None, {"type": "project", "project_id": 6}, 400),  # the project's owner
        ("user2", None, {"type": "project", "project_id": 6}, 403),
        ("user1", "org1", {"type": "project", "project_id": 6}, 403),  # 6 is not in org1
        ("user1", None, {}, 403),  # no valid type: the plain "create" scope, admins only
    ],
)
def test_who_may_create(
    api: Api, base: str, user: str, org: str | None, body: dict[str, Any], status: int
) -> None:
    """Permission first, then validation: an allowed request with a bad URL is a 400."""
    params = {} if org is None else {"org": org}
    sent = {"target_url": "bad", "events": ["create:task"], **body}
    answer = api(user).post(f"{base}/api/webhooks", params=params, json=sent)
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.json() == DENIED
    else:
        assert answer.json() == {"target_url": ["Enter a valid URL."]}


# --------------------------------------------------------------------------- update, delete


def test_update_keeps_type_and_project(
    api: Api, base: str, project: dict[str, Any], make_webhook: Callable[..., dict[str, Any]]
) -> None:
    session = api()
    webhook = make_webhook()
    url = f"{base}/api/webhooks/{webhook['id']}"
    changed = session.patch(
        url, json={"type": "organization", "project_id": 1, "description": "x", "is_active": False}
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["type"], body["project_id"]) == ("project", project["id"])  # write-once
    assert (body["description"], body["is_active"]) == ("x", False)
    assert body["updated_date"] > webhook["updated_date"]
    wrong = session.patch(url, json={"events": ["create:invitation"]})
    assert wrong.json() == {"non_field_errors": ["Invalid events list for project webhook"]}
    wrong = session.patch(url, json={"events": None})
    assert wrong.json() == {"events": ["This field may not be null."]}
    wrong = session.patch(url, json={"project_id": 999999})
    assert wrong.json() == ["Project matching query does not exist."]
    put = session.put(url, json={"target_url": webhook["target_url"]})
    assert (put.status_code, put.json()) == (400, {"events": ["This field is required."]})
    put = session.put(url, json={"target_url": webhook["target_url"], "events": ["update:task"]})
    assert put.status_code == 200
    assert put.json()["events"] == ["update:task"]
    assert put.json()["description"] == "x"  # PUT leaves fields it does not name


def test_delete_and_the_projects_cascade(
    api: Api, base: str, project: dict[str, Any], make_webhook: Callable[..., dict[str, Any]]
) -> None:
    session = api()
    first, second = make_webhook(), make_webhook()
    assert session.delete(f"{base}/api/webhooks/{first['id']}").status_code == 204
    assert session.get(f"{base}/api/webhooks/{first['id']}").status_code == 404
    assert session.delete(f"{base}/api/projects/{project['id']}").status_code == 204
    assert session.get(f"{base}/api/webhooks/{second['id']}").status_code == 404


def test_only_the_owner_or_staff_may_change(api: Api, base: str) -> None:
    bad = {"target_url": "bad"}
    assert api("worker1").patch(f"{base}/api/webhooks/1", json=bad).status_code == 403
    assert api("user2").delete(f"{base}/api/webhooks/1").status_code == 403
    assert api("user2").post(f"{base}/api/webhooks/1/ping").status_code == 403
    assert api("user1").patch(f"{base}/api/webhooks/1", json=bad).status_code == 400


# --------------------------------------------------------------------------- deliveries


def test_ping_delivers_a_signed_payload(
    api: Api, base: str, receiver: Receiver, make_webhook: Callable[..., dict[str, Any]]
) -> None:
    webhook = make_webhook(secret="s3cret")
    answer = api().post(f"{base}/api/webhooks/{webhook['id']}/ping")
    assert answer.status_code == 200
    delivery = answer.json()
    assert list(delivery) == DELIVERY_FIELDS
    assert (delivery["webhook_id"], delivery["event"], delivery["status_code"]) == (
        webhook["id"],
        "ping",
        200,
    )
    assert (delivery["redelivery"], delivery["changed_fields"]) == (False, "")
    payload = delivery["request"]
    assert list(payload) == ["event", "webhook", "sender"]
    assert payload["webhook"] == webhook  # as served before this delivery: no last_status
    assert payload["sender"]["username"] == webhook["owner"]["username"]
    [sent] = receiver.wait_for(1)  # sent inside the request: already there
    assert sent.path == "/hook"
    assert json.loads(sent.body) == payload
    assert sent.body == json.dumps(payload).encode()
    assert sent.headers["X-Signature-256"] == _signature("s3cret", sent.body)
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["User-Agent"].startswith("CVAT/")
    retrieved = api().get(f"{base}/api/webhooks/{webhook['id']}").json()
    assert retrieved["last_status"] == 200
    assert retrieved["last_delivery_date"] == delivery["updated_date"]


def test_delivery_response_is_the_targets_text(
    api: Api, base: str, receiver: Receiver, make_webhook: Callable[..., dict[str, Any]]
) -> None:
    receiver.reply = b"teapot says no"
    webhook = make_webhook(target_url=f"{receiver.url}/status/418")
    delivery = api().post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    assert (delivery["status_code"], delivery["response"]) == (418, "teapot says no")
    [sent] = receiver.wait_for(1)
    assert "X-Signature-256" not in sent.headers  # no secret, no signature


def test_an_unreachable_target_is_a_502(
    api: Api, base: str, make_webhook: Callable[..., dict[str, Any]]
) -> None:
    closed = Receiver()
    closed.close()  # nothing listens there any more
    webhook = make_webhook(target_url=f"{closed.url}/hook")
    delivery = api().post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    assert (delivery["status_code"], delivery["response"]) == (502, "")
    listed = api().get(f"{base}/api/webhooks/{webhook['id']}").json()
    assert listed["last_status"] == 502


def test_deliveries_newest_first_and_one_by_id(
    api: Api, base: str, receiver: Receiver, make_webhook: Callable[..., dict[str, Any]]
) -> None:
    session = api()
    webhook = make_webhook()
    first = session.post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    second = session.post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    # the second ping's payload shows the first delivery as the webhook's last
    assert second["request"]["webhook"]["last_status"] == 200
    assert second["request"]["webhook"]["last_delivery_date"] == first["updated_date"]
    rows = _deliveries(session, base, webhook["id"])
    assert [row["id"] for row in rows] == [second["id"], first["id"]]
    assert rows[1]["request"] == first["request"]
    page = session.get(f"{base}/api/webhooks/{webhook['id']}/deliveries", params={"page_size": 1})
    assert page.json()["count"] == 2
    assert page.json()["next"] == (
        f"{base}/api/webhooks/{webhook['id']}/deliveries?page=2&page_size=1"
    )
    one = session.get(f"{base}/api/webhooks/{webhook['id']}/deliveries/{first['id']}")
    assert one.json() == rows[1]
    # WebhookDelivery.objects.get() is not caught: another webhook's or no delivery is a 500
    for wrong in (1, 99999999):
        answer = session.get(f"{base}/api/webhooks/{webhook['id']}/deliveries/{wrong}")
        assert answer.status_code == 500
        redelivery = f"{base}/api/webhooks/{webhook['id']}/deliveries/{wrong}/redelivery"
        assert session.post(redelivery).status_code == 500


def test_redelivery_is_queued(
    api: Api, base: str, receiver: Receiver, make_webhook: Callable[..., dict[str, Any]]
) -> None:
    session = api()
    webhook = make_webhook(secret="again")
    first = session.post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    path = f"{base}/api/webhooks/{webhook['id']}/deliveries/{first['id']}/redelivery"
    answer = session.post(path)
    assert (answer.status_code, answer.json()) == (200, {})
    deadline = time.monotonic() + 15
    rows = _deliveries(session, base, webhook["id"])
    while len(rows) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        rows = _deliveries(session, base, webhook["id"])
    newest = rows[0]
    assert (newest["event"], newest["redelivery"], newest["status_code"]) == ("ping", True, 200)
    assert newest["request"] == first["request"]
    _, again = receiver.wait_for(2)
    assert json.loads(again.body) == first["request"]
    assert again.headers["X-Signature-256"] == _signature("again", again.body)


# --------------------------------------------------------------------------- LocalCVAT only


@pytest.mark.local_only
def test_local_cvat_never_sends_beyond_loopback(
    api: Api, base: str, make_webhook: Callable[..., dict[str, Any]], local_cvat: Any
) -> None:
    """A target outside 127.0.0.0/8 and localhost is recorded as unreachable, unsent."""
    from cvatorm.testing import webhook_delivery

    webhook = make_webhook(target_url="http://webhooks.example.com/hook")
    started = time.monotonic()
    delivery = api().post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    assert time.monotonic() - started < 2
    assert (delivery["status_code"], delivery["response"]) == (502, "")
    assert webhook_delivery.is_loopback("http://localhost:8000/x")
    assert webhook_delivery.is_loopback("http://127.5.0.1/")
    assert not webhook_delivery.is_loopback("http://10.0.0.1/")
    assert not webhook_delivery.is_loopback("http://127.0.0.1.example.com/")
    assert not webhook_delivery.is_loopback("http://[::ffff:8.8.8.8]/")


@pytest.mark.local_only
def test_a_ping_target_may_call_local_cvat_back(
    api: Api, base: str, make_webhook: Callable[..., dict[str, Any]], local_cvat: Any
) -> None:
    """The store is not locked while the target answers a ping."""
    seen: list[int] = []

    class CallBack(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(
                requests.get(f"{base}/api/webhooks/3", auth=("admin1", PASSWORD)).status_code
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), CallBack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        webhook = make_webhook(target_url=f"http://127.0.0.1:{server.server_address[1]}/")
        delivery = api().post(f"{base}/api/webhooks/{webhook['id']}/ping").json()
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [200]
    assert delivery["status_code"] == 204


def test_the_viewsets_own_methods_and_filters(api: Api, base: str) -> None:
    """``http_method_names`` has no HEAD or OPTIONS; ``/events`` resolves before ``{id}``;
    every ``get_object`` but the deliveries list applies the list's filters."""
    session = api()
    item = session.get(f"{base}/api/webhooks/6")
    assert item.headers["Allow"] == "GET, DELETE, PATCH, PUT"
    assert session.get(f"{base}/api/webhooks").headers["Allow"] == "GET, POST"
    for method, path, allow in [
        ("HEAD", "/api/webhooks/6", "GET, DELETE, PATCH, PUT"),
        ("OPTIONS", "/api/webhooks/6", "GET, DELETE, PATCH, PUT"),
        ("PATCH", "/api/webhooks/events", "GET"),
        ("GET", "/api/webhooks/6/ping", "POST"),
    ]:
        answer = session.request(method, f"{base}{path}")
        assert (answer.status_code, answer.headers["Allow"]) == (405, allow), (method, path)
    unresolved = session.get(f"{base}/api/webhooks/6/deliveries/abc")
    assert unresolved.status_code == 404
    assert unresolved.headers["Content-Type"].startswith("text/html")
    project_only = {"type": "project"}
    assert session.get(f"{base}/api/webhooks/6", params=project_only).status_code == 404
    assert session.post(f"{base}/api/webhooks/6/ping", params=project_only).status_code == 404
    path = f"{base}/api/webhooks/6/deliveries/1"
    assert session.get(path, params=project_only).status_code == 404
    deliveries = session.get(f"{base}/api/webhooks/6/deliveries", params=project_only)
    assert deliveries.status_code == 200
