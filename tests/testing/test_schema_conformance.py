"""Every implemented endpoint, driven once in a realistic order, answers with the status the
schema documents and a body that validates against CVAT's OpenAPI schema (schema.yml)."""

from __future__ import annotations

import time
from typing import Any

import requests
from support.openapi import validate_response

from cvatorm.testing import LocalCVAT

PASSWORD = "!Q@W#E$R"


class Driver:
    """Sends requests as a user and checks status + schema of every answer."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = (username, PASSWORD)
        self.seen: list[tuple[str, str, int]] = []

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self.url + path, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        validate_response(response)
        self.seen.append((method, path.split("?")[0], status))
        return response


def _wait_finished(driver: Driver, rq_id: str) -> dict[str, Any]:
    for _ in range(400):
        body: dict[str, Any] = driver.call("GET", f"/api/requests/{rq_id}", 200).json()
        if body["status"] in ("finished", "failed"):
            return body
        time.sleep(0.025)
    raise AssertionError("background request did not finish")


def test_every_endpoint_matches_the_schema(server: LocalCVAT) -> None:
    admin = Driver(server.url, "admin1")
    call = admin.call

    call("GET", "/api/server/about", 200)
    call("GET", "/api/server/plugins", 200)
    call("GET", "/api/schema/", 200)
    call("GET", "/api/schema/?format=json", 200)
    call("GET", "/api/users/self", 200)

    login = requests.post(
        f"{server.url}/api/auth/login", json={"username": "user2", "password": PASSWORD}
    )
    assert login.status_code == 200
    validate_response(login)
    token = login.json()["key"]
    logout = requests.post(
        f"{server.url}/api/auth/logout", headers={"Authorization": f"Token {token}"}
    )
    assert logout.status_code == 200
    validate_response(logout)

    created = call("POST", "/api/auth/access_tokens", 201, json={"name": "ci"}).json()
    call("GET", "/api/auth/access_tokens", 200)
    call("GET", f"/api/auth/access_tokens/{created['id']}", 200)
    call("PATCH", f"/api/auth/access_tokens/{created['id']}", 200, json={"name": "ci2"})
    bearer = requests.get(
        f"{server.url}/api/auth/access_tokens/self",
        headers={"Authorization": f"Bearer {created['value']}"},
    )
    assert bearer.status_code == 200
    validate_response(bearer)
    call("DELETE", f"/api/auth/access_tokens/{created['id']}", 204)

    for resource in (
        "users",
        "organizations",
        "memberships",
        "invitations",
        "projects",
        "tasks",
        "jobs",
        "labels",
        "issues",
        "comments",
    ):
        call("GET", f"/api/{resource}", 200)
        call("GET", f"/api/{resource}?page_size=2&page=2&sort=id", 200)
    call("GET", "/api/requests", 200)
    call("GET", "/api/users/2", 200)
    call("PATCH", "/api/users/21", 200, json={"first_name": "Lonelier"})

    org = call("POST", "/api/organizations", 201, json={"slug": "conf", "name": "Conf"}).json()
    call("GET", f"/api/organizations/{org['id']}", 200)
    call("PATCH", f"/api/organizations/{org['id']}", 200, json={"description": "d"})
    in_org = {"X-Organization": "conf"}
    invitation = call(
        "POST",
        "/api/invitations",
        201,
        json={"email": "user5@cvat.org", "role": "worker"},
        headers=in_org,
    ).json()
    key = invitation["key"]
    call("GET", f"/api/invitations/{key}", 200)
    call("PATCH", f"/api/invitations/{key}?accepted", 200, json={})  # the old way to accept
    # An existing user is in at once (ORG_INVITATION_CONFIRM="No", CVAT's default): there is
    # nothing to resend or accept.
    call("POST", f"/api/invitations/{key}/resend", 400)
    invitee = Driver(server.url, "user5")
    invitee.call("POST", f"/api/invitations/{key}/accept", 400)
    memberships = call("GET", "/api/memberships?org=conf", 200).json()["results"]
    member = next(m for m in memberships if m["user"]["username"] == "user5")
    call("GET", f"/api/memberships/{member['id']}", 200)
    call("PATCH", f"/api/memberships/{member['id']}", 200, json={"role": "maintainer"})
    call("DELETE", f"/api/memberships/{member['id']}", 204)
    declined = call(
        "POST",
        "/api/invitations",
        201,
        json={"email": "user6@cvat.org", "role": "worker"},
        headers=in_org,
    ).json()
    Driver(server.url, "user6").call("POST", f"/api/invitations/{declined['key']}/decline", 204)
    removed = call(
        "POST",
        "/api/invitations",
        201,
        json={"email": "worker1@cvat.org", "role": "worker"},
        headers=in_org,
    ).json()
    call("DELETE", f"/api/invitations/{removed['key']}", 204)

    project = call(
        "POST",
        "/api/projects",
        201,
        json={"name": "conformance", "labels": [{"name": "car"}, {"name": "person"}]},
        headers=in_org,
    ).json()
    call("GET", f"/api/projects/{project['id']}", 200)
    call("PATCH", f"/api/projects/{project['id']}", 200, json={"name": "conformance 2"})
    task = call(
        "POST", "/api/tasks", 201, json={"name": "t", "project_id": project["id"]}, headers=in_org
    ).json()
    call("GET", f"/api/tasks/{task['id']}", 200)
    call("PATCH", f"/api/tasks/{task['id']}", 200, json={"subset": "Train"})
    own = call("POST", "/api/tasks", 201, json={"name": "own", "labels": [{"name": "tree"}]}).json()
    labels = call("GET", f"/api/labels?task_id={own['id']}", 200).json()["results"]
    call("GET", f"/api/labels/{labels[0]['id']}", 200)
    call("PATCH", f"/api/labels/{labels[0]['id']}", 200, json={"color": "#ff0000"})
    call("DELETE", f"/api/labels/{labels[0]['id']}", 204)

    call("GET", "/api/jobs/63", 200)
    call("PATCH", "/api/jobs/63", 200, json={"state": "in progress"})
    gt = call(
        "POST",
        "/api/jobs",
        201,
        json={
            "type": "ground_truth",
            "task_id": 35,
            "frame_selection_method": "manual",
            "frames": [0],
        },
    ).json()
    issue = call(
        "POST",
        "/api/issues",
        201,
        json={"job": 63, "frame": 0, "position": [1.0, 2.0, 3.0, 4.0], "message": "look"},
    ).json()
    call("GET", f"/api/issues/{issue['id']}", 200)
    call("PATCH", f"/api/issues/{issue['id']}", 200, json={"resolved": True})
    comment = call("POST", "/api/comments", 201, json={"issue": issue["id"], "message": "ok"})
    comment_id = comment.json()["id"]
    call("GET", f"/api/comments/{comment_id}", 200)
    call("PATCH", f"/api/comments/{comment_id}", 200, json={"message": "fine"})
    call("DELETE", f"/api/comments/{comment_id}", 204)
    call("DELETE", f"/api/issues/{issue['id']}", 204)
    call("DELETE", f"/api/jobs/{gt['id']}", 204)

    for resource, obj in (("tasks", own), ("projects", project)):
        rq_id = call("POST", f"/api/{resource}/{obj['id']}/backup/export", 202).json()["rq_id"]
        done = _wait_finished(admin, rq_id)
        assert done["status"] == "finished"
        download = admin.session.get(done["result_url"])
        assert download.status_code == 200
        assert download.content[:2] == b"PK"
    server.background.pause()
    try:
        rq_id = call("POST", f"/api/tasks/{own['id']}/backup/export", 202).json()["rq_id"]
        call("POST", f"/api/requests/{rq_id}/cancel", 200)
    finally:
        server.background.resume()

    call("DELETE", f"/api/tasks/{own['id']}", 204)
    call("DELETE", f"/api/projects/{project['id']}", 204)
    call("DELETE", f"/api/organizations/{org['id']}", 204)
    call("DELETE", "/api/users/21", 204)

    methods = {(method, path) for method, path, _ in admin.seen}
    assert ("DELETE", "/api/users/21") in methods
    assert len(methods) > 60
