"""LocalCVAT serves the real server's test database exactly: every list the admin gets with
``page_size=all`` equals the recorded response of the real CVAT (modulo the base URL)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import requests

RESOURCES = [
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
]


def _asset(name: str) -> Any:
    text = resources.files("cvatorm.testing").joinpath("data").joinpath(f"{name}.json")
    return json.loads(text.read_text("utf-8"))


def _rebased(value: Any, url: str) -> Any:
    return json.loads(json.dumps(value).replace("http://localhost:8080", url))


@pytest.mark.parametrize("resource", RESOURCES)
def test_admin_list_equals_the_real_servers_response(
    resource: str, url: str, admin: requests.Session
) -> None:
    response = admin.get(f"{url}/api/{resource}", params={"page_size": "all"})
    assert response.status_code == 200
    expected = _rebased(_asset(resource), url)
    assert response.json() == expected


@pytest.mark.parametrize("resource", ["tasks", "jobs", "projects", "users", "labels"])
def test_each_object_retrieves_as_listed(resource: str, url: str, admin: requests.Session) -> None:
    listed = _rebased(_asset(resource), url)["results"]
    for obj in listed[:8]:
        response = admin.get(f"{url}/api/{resource}/{obj['id']}")
        assert response.status_code == 200
        assert response.json() == obj


def test_sublabels_are_retrievable_but_not_listed(url: str, admin: requests.Session) -> None:
    skeleton = next(label for label in _asset("labels")["results"] if label["sublabels"])
    sub = skeleton["sublabels"][0]
    response = admin.get(f"{url}/api/labels/{sub['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["parent_id"] == skeleton["id"]
    assert body["has_parent"] is True
    assert body["name"] == sub["name"]
    listed = admin.get(f"{url}/api/labels", params={"page_size": "all"}).json()["results"]
    assert sub["id"] not in {label["id"] for label in listed}


def test_every_seed_user_logs_in_with_the_seed_password(url: str) -> None:
    for user in _asset("users")["results"]:
        response = requests.post(
            f"{url}/api/auth/login", json={"username": user["username"], "password": "!Q@W#E$R"}
        )
        assert response.status_code == 200, user["username"]
        assert len(response.json()["key"]) == 40
