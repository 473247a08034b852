"""Fault injection, latency, reset and the request log of LocalCVAT itself."""

from __future__ import annotations

import re

import pytest
import requests

from cvatorm.testing import LocalCVAT

pytestmark = pytest.mark.local_only


@pytest.fixture(autouse=True)
def _no_leftover_faults(server: LocalCVAT) -> None:
    server.faults.clear()


def test_status_fault_for_the_next_n_requests(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.faults.add(method="GET", path="/api/tasks", status=503, times=2)
    assert admin.get(f"{url}/api/tasks").status_code == 503
    assert admin.get(f"{url}/api/projects").status_code == 200
    assert admin.post(f"{url}/api/tasks", json={}).status_code == 400
    assert admin.get(f"{url}/api/tasks").status_code == 503
    assert admin.get(f"{url}/api/tasks").status_code == 200
    assert server.faults.pending == []


def test_status_fault_with_headers_and_body(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.faults.add(
        path="/api/jobs", status=429, headers={"Retry-After": "3"}, body={"detail": "slow down"}
    )
    response = admin.get(f"{url}/api/jobs")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json() == {"detail": "slow down"}


def test_pattern_matching(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.faults.add(pattern=r"/api/tasks/\d+", status=500, times=None)
    assert admin.get(f"{url}/api/tasks/2").status_code == 500
    assert admin.get(f"{url}/api/tasks/5").status_code == 500
    assert admin.get(f"{url}/api/tasks").status_code == 200
    server.faults.clear()
    assert admin.get(f"{url}/api/tasks/2").status_code == 200
    server.faults.add(path=re.compile(r"/api/(tasks|jobs)"), status=502)
    assert admin.get(f"{url}/api/jobs").status_code == 502


def test_connection_reset(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.faults.add(method="GET", path="/api/users/self", reset=True)
    with pytest.raises(requests.ConnectionError):
        admin.get(f"{url}/api/users/self")
    assert admin.get(f"{url}/api/users/self").status_code == 200
    assert server.requests[-2].status is None
    assert server.requests[-2].fault is True


def test_truncated_body(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.faults.add(path="/api/projects", truncate=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        admin.get(f"{url}/api/projects")
    assert admin.get(f"{url}/api/projects").status_code == 200


def test_malformed_body(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.faults.add(path="/api/projects", malformed=True)
    response = admin.get(f"{url}/api/projects")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_delay_still_answers(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    fault = server.faults.add(path="/api/server/about", delay=0.05)
    assert admin.get(f"{url}/api/server/about").status_code == 200
    assert fault.hits == 1


def test_a_delay_longer_than_the_client_timeout_times_out(
    server: LocalCVAT, url: str, admin: requests.Session
) -> None:
    server.faults.add(path="/api/server/about", delay=1.0)
    with pytest.raises(requests.Timeout):
        admin.get(f"{url}/api/server/about", timeout=0.2)


def test_invalid_fault_definitions_are_refused(server: LocalCVAT) -> None:
    with pytest.raises(ValueError):
        server.faults.add(path="/api/tasks")
    with pytest.raises(ValueError):
        server.faults.add(path="/api/tasks", status=42)
    with pytest.raises(ValueError):
        server.faults.add(path="/a", pattern="/b", status=500)
    with pytest.raises(ValueError):
        server.faults.add(path="/api/tasks", status=500, times=0)


def test_request_log(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    server.clear_requests()
    admin.post(f"{url}/api/projects", json={"name": "logged"}, params={"x": "1"})
    admin.get(f"{url}/api/projects/99999")
    first, second = server.requests
    assert (first.method, first.path, first.query, first.status) == (
        "POST",
        "/api/projects",
        {"x": "1"},
        201,
    )
    assert b'"logged"' in first.body
    assert "authorization" in first.headers
    assert (second.method, second.status) == ("GET", 404)


def test_reset_restores_seed_data(server: LocalCVAT, url: str, admin: requests.Session) -> None:
    admin.delete(f"{url}/api/tasks/2")
    server.faults.add(path="/api/jobs", status=500)
    server.reset()
    assert admin.get(f"{url}/api/tasks/2").status_code == 200
    assert admin.get(f"{url}/api/jobs").status_code == 200
    assert [r.path for r in server.requests] == ["/api/tasks/2", "/api/jobs"]


def test_sessions_do_not_survive_a_reset(server: LocalCVAT, url: str) -> None:
    key = requests.post(
        f"{url}/api/auth/login", json={"username": "user1", "password": "!Q@W#E$R"}
    ).json()["key"]
    server.reset()
    response = requests.get(f"{url}/api/users/self", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 401


def test_latency_is_applied_to_every_request() -> None:
    with LocalCVAT(data="empty", latency=1.0) as slow, pytest.raises(requests.Timeout):
        requests.get(f"{slow.url}/api/server/about", timeout=0.2)
