"""The client against a CVAT server: LocalCVAT, or the real one of ``CVAT_URL``.

Requests are checked client-side (``traffic``), so these tests mean the same thing against
both. Tests that change data create their own objects and delete them. Tests that need fault
injection are ``local_only``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from packaging.version import Version

import cvatorm
from cvatorm._sentinels import INHERIT
from cvatorm.connection import AccessTokenCredentials, Client, Config, connections
from cvatorm.exceptions import (
    AuthenticationError,
    BackgroundRequestException,
    ForbiddenError,
    NotFoundError,
    ServerError,
    TransportError,
    UnauthorizedError,
)

ClientAs = Callable[..., Client]
PASSWORD = "!Q@W#E$R"


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


@pytest.fixture
def own_project(admin_client: Client) -> Iterator[dict[str, Any]]:
    """A project created for the test (in the admin's personal workspace), deleted after."""
    project = admin_client.request(
        "POST",
        "/api/projects",
        json={"name": _unique("cvatorm connection test")},
        organization=None,
    ).json()
    yield project
    admin_client.request("DELETE", f"/api/projects/{project['id']}", organization=None)


# --------------------------------------------------------------------------- login / logout


def test_password_login_sends_exactly_one_login(client_as: ClientAs, traffic: Any) -> None:
    client = client_as("user2")
    assert traffic.calls() == [("GET", "/api/server/about"), ("POST", "/api/auth/login")]
    login = traffic.last
    assert login.json == {"username": "user2", "password": PASSWORD}
    assert "X-Organization" not in login.request_headers
    assert login.status == 200
    assert client.has_credentials()
    assert client.request("GET", "/api/users/self").json()["username"] == "user2"
    assert "sessionid=" in traffic.last.request_headers["Cookie"]


def test_unsafe_requests_carry_csrf_and_the_server_requires_it(
    client_as: ClientAs, traffic: Any
) -> None:
    client = client_as("user2")
    name = _unique("csrf check")
    project = client.request("POST", "/api/projects", json={"name": name}).json()
    try:
        create = traffic.last
        assert create.status == 201
        assert create.request_headers["X-CSRFToken"] == client.session.cookies["csrftoken"]
        assert create.request_headers["Origin"] == client.api_map.origin
        # Without the header the server refuses a session-authenticated unsafe request.
        auth, client.session.auth = client.session.auth, None
        try:
            with pytest.raises(ForbiddenError):
                client.request("PATCH", f"/api/projects/{project['id']}", json={"name": "x"})
        finally:
            client.session.auth = auth
        assert "X-CSRFToken" not in traffic.last.request_headers
    finally:
        client.request("DELETE", f"/api/projects/{project['id']}")
    assert traffic.last.status == 204
    assert "X-CSRFToken" in traffic.last.request_headers


def test_wrong_password_is_an_authentication_error(client_as: ClientAs, traffic: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        client_as("user2", "not-the-password")
    assert "not-the-password" not in str(info.value)
    assert "user2" in str(info.value)
    assert traffic.last.path == "/api/auth/login"
    assert traffic.last.status in (400, 401)


def test_logout_ends_the_session(client_as: ClientAs, traffic: Any) -> None:
    client = client_as("user2")
    old_cookies = dict(client.session.cookies)
    client.logout()
    assert traffic.calls()[-1] == ("POST", "/api/auth/logout")
    assert "X-CSRFToken" in traffic.last.request_headers
    assert not client.has_credentials()
    with pytest.raises(UnauthorizedError):
        client.request("GET", "/api/users/self")
    # The old session is dead on the server, not only forgotten by the client.
    client.session.cookies.update(old_cookies)
    with pytest.raises(UnauthorizedError):
        client.request("GET", "/api/users/self")
    client.session.cookies.clear()


def test_context_manager_logs_out(cvat_target: Any, traffic: Any) -> None:
    with traffic.new_client(cvat_target.url) as client:
        client.login(("user2", PASSWORD))
    assert traffic.calls()[-1] == ("POST", "/api/auth/logout")
    assert not client.has_credentials()


def test_personal_access_token(client_as: ClientAs, cvat_target: Any, traffic: Any) -> None:
    owner = client_as("user2")
    created = owner.request(
        "POST", "/api/auth/access_tokens", json={"name": _unique("cvatorm"), "read_only": True}
    ).json()
    try:
        traffic.clear()
        with traffic.new_client(cvat_target.url) as client:
            client.login(AccessTokenCredentials(created["value"]))
            assert traffic.calls() == [("GET", "/api/server/about"), ("GET", "/api/users/self")]
            assert traffic.last.request_headers["Authorization"] == f"Bearer {created['value']}"
            assert traffic.last.response_json["username"] == "user2"
            assert "Cookie" not in traffic.last.request_headers
    finally:
        owner.request("DELETE", f"/api/auth/access_tokens/{created['id']}")
    with pytest.raises(AuthenticationError):
        traffic.new_client(cvat_target.url).login(AccessTokenCredentials(created["value"]))


# --------------------------------------------------------------------------- organizations


def _task_count(client: Client, organization: Any = INHERIT) -> int:
    response = client.request(
        "GET", "/api/tasks", params={"page_size": 1}, organization=organization
    )
    count: int = response.json()["count"]
    return count


def test_the_three_meanings_of_the_organization(admin_client: Client, traffic: Any) -> None:
    everything = _task_count(admin_client)
    assert "X-Organization" not in traffic.last.request_headers
    with admin_client.organization_context(""):
        personal = _task_count(admin_client)
    assert traffic.last.request_headers["X-Organization"] == ""
    per_org = {}
    for slug in ("org1", "org2", "org3"):
        admin_client.organization_slug = slug
        per_org[slug] = _task_count(admin_client)
        assert traffic.last.request_headers["X-Organization"] == slug
    admin_client.organization_slug = None
    # The admin sees every task; each lives in the personal workspace or one organization.
    assert personal + sum(per_org.values()) == everything
    assert per_org["org2"] > 0


def test_unknown_and_forbidden_organizations(client_as: ClientAs) -> None:
    client = client_as("user2")  # a member of org2 only
    with pytest.raises(NotFoundError):
        _task_count(client, "no-such-org-x")
    with pytest.raises(ForbiddenError):
        _task_count(client, "org1")
    assert _task_count(client, "org2") >= 0


def test_two_threads_share_a_client_with_different_organizations(
    admin_client: Client, traffic: Any
) -> None:
    expected = {slug: _task_count(admin_client, slug) for slug in ("org1", "org2")}
    traffic.clear()
    barrier = threading.Barrier(2, timeout=60)
    seen: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(slug: str) -> None:
        try:
            with admin_client.organization_context(slug):
                barrier.wait()
                seen[slug] = _task_count(admin_client)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(slug,)) for slug in expected]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen == expected
    assert sorted(e.request_headers["X-Organization"] for e in traffic) == ["org1", "org2"]
    assert admin_client.organization_slug is None


# --------------------------------------------------------------------------- versions


def test_repositories_are_bound_to_the_client(
    admin_client: Client, own_project: dict[str, Any], traffic: Any
) -> None:
    assert admin_client.projects is admin_client.projects
    traffic.clear()
    project = admin_client.projects.retrieve(own_project["id"])
    assert project.id == own_project["id"]
    assert traffic.calls() == [("GET", f"/api/projects/{own_project['id']}")]
    for name in (
        "tasks",
        "projects",
        "jobs",
        "users",
        "organizations",
        "issues",
        "comments",
        "labels",
        "memberships",
        "invitations",
        "webhooks",
    ):
        assert getattr(admin_client, name).model._meta.resource == name


def test_server_version(admin_client: Client, traffic: Any) -> None:
    traffic.clear()
    with admin_client.organization_context("org1"):
        version = admin_client.get_server_version()
    assert isinstance(version, Version)
    assert traffic.calls() == [("GET", "/api/server/about")]
    assert "X-Organization" not in traffic.last.request_headers
    assert Version(traffic.last.response_json["version"]) == version
    admin_client.check_server_version(fail_if_unsupported=True)


# --------------------------------------------------------------------------- background


def test_wait_for_a_backup(admin_client: Client, own_project: dict[str, Any], traffic: Any) -> None:
    response = admin_client.request(
        "POST", f"/api/projects/{own_project['id']}/backup/export", organization=None
    )
    assert response.status_code == 202
    rq_id = response.json()["rq_id"]
    traffic.clear()
    request, poll = admin_client.wait_for_completion(rq_id, status_check_period=0.05, timeout=120)
    assert request.status == "finished"
    assert request.id == rq_id
    assert request.result_url
    assert poll.json()["status"] == "finished"
    assert {e.path for e in traffic} == {f"/api/requests/{quote(rq_id, safe='')}"}


@pytest.mark.local_only
def test_a_failed_background_request(
    admin_client: Client, own_project: dict[str, Any], local_cvat: Any
) -> None:
    local_cvat.background.fail_next(message="disk full", operation="export:backup")
    rq_id = admin_client.request(
        "POST", f"/api/projects/{own_project['id']}/backup/export", organization=None
    ).json()["rq_id"]
    with pytest.raises(BackgroundRequestException) as info:
        admin_client.wait_for_completion(rq_id, status_check_period=0.05, timeout=120)
    assert "disk full" in info.value.message
    assert info.value.rq_id == rq_id


def test_unknown_background_request(admin_client: Client) -> None:
    with pytest.raises(NotFoundError):
        admin_client.wait_for_completion("cvatorm-no-such-request", status_check_period=0.05)


# --------------------------------------------------------------------------- retries (local)


def _fast(client: Client) -> Client:
    client.transport.retry = client.transport.retry.__class__(
        max_retries=2, backoff_base=0.001, backoff_cap=0.002
    )
    return client


@pytest.mark.local_only
def test_get_is_retried_through_injected_503s(
    admin_client: Client, local_cvat: Any, traffic: Any
) -> None:
    _fast(admin_client)
    local_cvat.faults.add(method="GET", path="/api/users/self", status=503, times=2)
    traffic.clear()
    assert admin_client.request("GET", "/api/users/self").json()["username"] == "admin1"
    assert [e.status for e in traffic] == [503, 503, 200]


@pytest.mark.local_only
def test_429_retry_after_is_honoured(admin_client: Client, local_cvat: Any, traffic: Any) -> None:
    _fast(admin_client)
    waits: list[float] = []
    admin_client.transport._sleep = waits.append  # record instead of sleeping
    local_cvat.faults.add(
        method="GET", path="/api/users/self", status=429, headers={"Retry-After": "4"}
    )
    traffic.clear()
    admin_client.request("GET", "/api/users/self")
    assert [e.status for e in traffic] == [429, 200]
    assert len(waits) == 1 and 4.0 <= waits[0] <= 5.0


@pytest.mark.local_only
def test_post_is_not_retried(admin_client: Client, local_cvat: Any, traffic: Any) -> None:
    _fast(admin_client)
    local_cvat.faults.add(method="POST", path="/api/projects", status=503, times=1)
    traffic.clear()
    with pytest.raises(ServerError):
        admin_client.request("POST", "/api/projects", json={"name": _unique("never")})
    assert traffic.calls() == [("POST", "/api/projects")]


@pytest.mark.local_only
def test_connection_resets_are_retried_for_get_only(admin_client: Client, local_cvat: Any) -> None:
    _fast(admin_client)
    local_cvat.faults.add(method="GET", path="/api/users/self", reset=True, times=1)
    assert admin_client.request("GET", "/api/users/self").status_code == 200
    local_cvat.faults.add(method="POST", path="/api/projects", reset=True, times=1)
    with pytest.raises(TransportError, match="1 attempt"):
        admin_client.request("POST", "/api/projects", json={"name": _unique("never")})


@pytest.mark.local_only
def test_a_slow_server_hits_the_read_timeout(cvat_target: Any, local_cvat: Any) -> None:
    client = Client(
        cvat_target.url,
        config=Config(read_timeout=0.2, max_retries=0),
        check_server_version=False,
    )
    local_cvat.faults.add(method="GET", path="/api/server/about", delay=2.0, times=1)
    with pytest.raises(TransportError, match="Timeout"):
        client.get_server_version()


# --------------------------------------------------------------------------- connect()


@pytest.mark.covers("GET /api/users/{id}", call="User.objects.get(id=...)")
@pytest.mark.covers(
    "GET /api/users/self", call="User.objects.current() / client.login(access token)"
)
def test_orm_connection_is_the_default(orm_connection: Client, traffic: Any) -> None:
    assert connections["default"] is orm_connection
    assert cvatorm.connections["default"] is orm_connection
    traffic.clear()
    me = orm_connection.request("GET", "/api/users/self").json()
    assert me["is_superuser"] is True
    assert traffic.calls() == [("GET", "/api/users/self")]


# --------------------------------------------------------------------------- redaction


def test_no_secret_in_debug_logs_of_a_real_session(
    cvat_target: Any, traffic: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = traffic.new_client(cvat_target.url)
    client.login(("user2", PASSWORD))
    secrets = [PASSWORD, client.session.cookies["sessionid"], client.session.cookies["csrftoken"]]
    client.request("GET", "/api/users/self")
    with pytest.raises(NotFoundError) as info:
        client.request("GET", "/api/projects/999999999")
    text = caplog.text + repr(client) + str(info.value)
    client.logout()
    text += caplog.text
    assert "/api/auth/login" in text
    for secret in secrets:
        assert secret not in text


# --------------------------------------------------------------------------- the fixtures


def test_traffic_validation_rejects_what_the_schema_forbids(traffic: Any) -> None:
    """The schema check the ``traffic`` fixture runs at teardown does catch bad answers."""
    from support.openapi import SchemaMismatch

    recorder = type(traffic)()
    recorder.exchanges.append(
        traffic.exchange_type(
            method="GET",
            url="http://cvat.invalid/api/users/self",
            request_headers={},
            body=None,
            status=200,
            response_headers={"Content-Type": "application/vnd.cvat+json"},
            response_body=b'{"id": "not a number"}',
            streamed=False,
        )
    )
    with pytest.raises(SchemaMismatch):
        recorder.validate()


# --------------------------------------------------------------------------- low-level API


def test_the_low_level_api(admin_client: Client, traffic: Any) -> None:
    api = admin_client.api_client
    traffic.clear()
    about, _ = api.server_api.retrieve_about()
    assert Version(about.version) == admin_client.get_server_version()
    page, _ = api.tasks_api.list(page_size=1, x_organization="org2")
    assert page.count == _task_count(admin_client, "org2")
    assert traffic.select("GET", "/api/tasks")[0].request_headers["X-Organization"] == "org2"
    project, response = api.projects_api.create({"name": _unique("low-level")})
    assert response.status_code == 201
    try:
        assert project.name.startswith("low-level")
    finally:
        _, deleted = api.projects_api.destroy(project.id)
    assert deleted.status_code == 204
    assert traffic.calls()[-2:] == [
        ("POST", "/api/projects"),
        ("DELETE", f"/api/projects/{project.id}"),
    ]


def test_traffic_validates_exchanges_a_test_cleared(traffic: Any) -> None:
    import requests
    from support.openapi import SchemaMismatch

    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/vnd.cvat+json"
    response._content = b'{"id": "not a number"}'
    response.request = requests.Request("GET", "http://cvat.invalid/api/users/self").prepare()
    recorder = type(traffic)()
    recorder._hook(response)
    assert recorder.calls() == [("GET", "/api/users/self")]
    recorder.clear()
    with pytest.raises(SchemaMismatch):
        recorder.validate()
