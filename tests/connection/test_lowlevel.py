"""client.api_client: the official SDK's low-level API shape, over the client's transport."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cvatorm.connection import Client
from cvatorm.connection.lowlevel import ApiObject
from cvatorm.exceptions import NotFoundError
from cvatorm.wire._generate_operations import render
from cvatorm.wire._operations import OPERATIONS

from .conftest import PASSWORD
from .stub_server import StubCVAT

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_table_is_what_the_generator_makes() -> None:
    schema = json.loads((ROOT / "cvatorm/testing/data/schema.json").read_text("utf-8"))
    generated = render(schema)
    assert (ROOT / "cvatorm" / "wire" / "_operations.py").read_text("utf-8") == generated
    assert sum(len(ops) for ops in OPERATIONS.values()) == 154


def test_retrieve_about_like_the_sdk(client: Client, stub: StubCVAT) -> None:
    about, response = client.api_client.server_api.retrieve_about()
    assert isinstance(about, ApiObject)
    assert about.version == "2.64.1" and about["name"] == "CVAT"
    assert response.status_code == 200
    assert stub.paths() == [("GET", "/api/server/about")]
    assert client.api_client.configuration.host == stub.url
    assert client.api_client.configuration.verify_ssl is None


def test_path_query_and_header_parameters(logged_in: Client, stub: StubCVAT) -> None:
    api = logged_in.api_client
    with pytest.raises(NotFoundError):
        api.tasks_api.retrieve(7)
    assert stub.received[-1].path == "/api/tasks/7"
    with pytest.raises(NotFoundError):
        api.tasks_api.list(page_size=5, filter='{"==":[{"var":"id"},1]}', x_organization="org1")
    sent = stub.received[-1]
    assert sent.path == "/api/tasks"
    assert sent.query == {"page_size": ["5"], "filter": ['{"==":[{"var":"id"},1]}']}
    assert sent.headers["X-Organization"] == "org1"


def test_the_organization_context_applies_unless_the_query_names_one(
    logged_in: Client, stub: StubCVAT
) -> None:
    api = logged_in.api_client
    with logged_in.organization_context("org2"):
        api.users_api.retrieve_self()
        assert stub.received[-1].headers["X-Organization"] == "org2"
        api.tasks_api.list(org="org1", _check_status=False)
        assert "X-Organization" not in stub.received[-1].headers
        assert stub.received[-1].query["org"] == ["org1"]


def test_bodies_are_positional_or_named(logged_in: Client, stub: StubCVAT) -> None:
    api = logged_in.api_client
    api.projects_api.create({"name": "p"}, _check_status=False)
    assert stub.received[-1].method == "POST"
    assert json.loads(stub.received[-1].body) == {"name": "p"}
    api.projects_api.partial_update(
        3, patched_project_write_request={"name": "q"}, _check_status=False
    )
    assert stub.paths()[-1] == ("PATCH", "/api/projects/3")
    assert json.loads(stub.received[-1].body) == {"name": "q"}
    assert "X-CSRFToken" in stub.received[-1].headers


def test_check_status_false_returns_the_error_response(logged_in: Client) -> None:
    data, response = logged_in.api_client.tasks_api.retrieve(99, _check_status=False)
    assert response.status_code == 404
    assert data == {"detail": "Not found."}
    raw, response = logged_in.api_client.users_api.retrieve_self(_parse_response=False)
    assert raw is None and response.json()["username"] == "admin1"


def test_argument_errors(client: Client) -> None:
    api = client.api_client
    with pytest.raises(TypeError, match="missing: id"):
        api.tasks_api.retrieve()
    with pytest.raises(TypeError, match="unexpected"):
        api.tasks_api.retrieve(1, colour="red")
    with pytest.raises(TypeError, match="positional"):
        api.tasks_api.retrieve(1, 2)
    with pytest.raises(AttributeError):
        api.tasks_api.no_such_operation  # noqa: B018
    with pytest.raises(AttributeError):
        api.no_such_api  # noqa: B018
    assert "server_api" in dir(api) and "retrieve_about" in dir(api.server_api)


def test_login_through_the_low_level_api(client: Client, stub: StubCVAT) -> None:
    token, _ = client.api_client.auth_api.create_login(
        login_serializer_ex_request={"username": "admin1", "password": PASSWORD}
    )
    assert isinstance(token.key, str)
    assert stub.paths() == [("POST", "/api/auth/login")]
