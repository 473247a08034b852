"""cvatorm.connect_or_embedded(): the server of CVAT_URL, else an embedded LocalCVAT."""

from __future__ import annotations

from typing import Any

import pytest
import requests

import cvatorm
from cvatorm.connection import AccessTokenCredentials, connections

ENV = ("CVAT_URL", "CVAT_USERNAME", "CVAT_PASSWORD", "CVAT_ACCESS_TOKEN", "CVAT_ORG")


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_without_cvat_url_an_embedded_server_runs_for_the_block() -> None:
    with cvatorm.connect_or_embedded(alias="embedded-test") as client:
        assert connections["embedded-test"] is client
        assert client.api_map.host.startswith("http://127.0.0.1:")
        me = client.request("GET", "/api/users/self").json()
        assert me["username"] == "admin1" and me["is_superuser"]
        url = client.api_map.host
    assert "embedded-test" not in connections
    with pytest.raises(requests.ConnectionError):  # the server stopped with the block
        requests.get(f"{url}/api/server/about", timeout=5)


def test_with_cvat_url_it_connects_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, cvat_target: Any
) -> None:
    target = cvat_target
    monkeypatch.setenv("CVAT_URL", target.url)
    credentials = target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        monkeypatch.setenv("CVAT_ACCESS_TOKEN", credentials.token)
    else:
        monkeypatch.setenv("CVAT_USERNAME", credentials.user)
        monkeypatch.setenv("CVAT_PASSWORD", credentials.password)
    with cvatorm.connect_or_embedded(alias="env-test") as client:
        assert client.api_map.host == target.url.rstrip("/")
        assert connections["env-test"] is client
    assert "env-test" not in connections
