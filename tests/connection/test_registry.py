"""cvatorm.connect(), cvatorm.connections and disconnecting; the public import surface."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import cvatorm
from cvatorm.connection import Client, Config, connect, connections, disconnect
from cvatorm.exceptions import ConfigurationError

from .conftest import PASSWORD
from .stub_server import StubCVAT

ENV = ("CVAT_URL", "CVAT_USERNAME", "CVAT_PASSWORD", "CVAT_ACCESS_TOKEN", "CVAT_ORG")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    saved = {alias: connections.get(alias) for alias in connections}
    yield
    for alias in list(connections):
        if alias not in saved:
            connections.disconnect(alias)


def test_public_names() -> None:
    import cvatorm.connection as connection
    from cvatorm import (
        AccessTokenCredentials,
        Client,
        Config,
        PasswordCredentials,
        connect,
        connections,
        make_client,
    )

    for name, value in {
        "AccessTokenCredentials": AccessTokenCredentials,
        "Client": Client,
        "Config": Config,
        "PasswordCredentials": PasswordCredentials,
        "connect": connect,
        "connections": connections,
        "make_client": make_client,
    }.items():
        assert getattr(connection, name) is value


def test_connect_registers_and_returns_the_client(stub: StubCVAT) -> None:
    client = cvatorm.connect(stub.url, credentials=("admin1", PASSWORD), alias="t1")
    assert isinstance(client, Client)
    assert cvatorm.connections["t1"] is client
    assert "t1" in connections
    assert client.has_credentials()
    assert stub.paths() == [("GET", "/api/server/about"), ("POST", "/api/auth/login")]


def test_a_missing_alias_says_to_call_connect() -> None:
    with pytest.raises(ConfigurationError, match=r"cvatorm\.connect\(") as info:
        connections["nope"]
    assert "nope" in str(info.value)


def test_connect_passes_config_options(stub: StubCVAT) -> None:
    client = connect(stub.url, alias="t2", max_retries=0, read_timeout=7, status_check_period=1)
    assert client.config.max_retries == 0
    assert client.config.timeout == (10.0, 7.0)
    assert client.config.status_check_period == 1


def test_connect_takes_a_whole_config(stub: StubCVAT) -> None:
    base = Config(max_retries=1, read_timeout=9)
    client = connect(stub.url, alias="t2b", config=base, connect_timeout=3)
    assert (client.config.max_retries, client.config.timeout) == (1, (3.0, 9.0))
    with pytest.raises(ConfigurationError):
        connect(stub.url, alias="t2c", config={"max_retries": 1})


def test_connect_rejects_unknown_options_before_any_request(stub: StubCVAT) -> None:
    with pytest.raises(ConfigurationError, match="retriez"):
        connect(stub.url, alias="t3", retriez=3)
    assert stub.received == []
    assert "t3" not in connections


def test_connect_refuses_credentials_and_token(stub: StubCVAT) -> None:
    with pytest.raises(ConfigurationError):
        connect(stub.url, credentials=("admin1", PASSWORD), access_token="x" * 10, alias="t4")
    assert stub.received == []


def test_connect_sets_the_default_organization(stub: StubCVAT) -> None:
    client = connect(stub.url, organization="org1", alias="t5")
    assert client.organization_slug == "org1"
    client.request("GET", "/api/echo")
    assert stub.received[-1].headers["X-Organization"] == "org1"


def test_connect_from_the_environment(stub: StubCVAT, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CVAT_URL", stub.url)
    monkeypatch.setenv("CVAT_USERNAME", "user1")
    monkeypatch.setenv("CVAT_PASSWORD", PASSWORD)
    monkeypatch.setenv("CVAT_ORG", "")
    client = connect()
    assert connections["default"] is client
    assert client.request("GET", "/api/echo").json()["user"] == "user1"
    assert stub.received[-1].headers["X-Organization"] == ""


def test_connect_from_the_environment_with_a_token(
    stub: StubCVAT, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CVAT_URL", stub.url)
    monkeypatch.setenv("CVAT_ACCESS_TOKEN", "pat-secret-0123456789")
    client = connect(alias="t6")
    assert client.organization_slug is None
    assert stub.received[-1].headers["Authorization"] == "Bearer pat-secret-0123456789"


def test_environment_credentials_never_go_to_another_url(
    stub: StubCVAT, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CVAT_URL", "http://elsewhere.invalid")
    monkeypatch.setenv("CVAT_USERNAME", "admin1")
    monkeypatch.setenv("CVAT_PASSWORD", PASSWORD)
    client = connect(stub.url, alias="t7")
    assert not client.has_credentials()
    assert ("POST", "/api/auth/login") not in stub.paths()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CVAT_URL": "http://h", "CVAT_USERNAME": "u"},
        {
            "CVAT_URL": "http://h",
            "CVAT_USERNAME": "u",
            "CVAT_PASSWORD": "p",
            "CVAT_ACCESS_TOKEN": "t",
        },
    ],
)
def test_incomplete_environments_are_configuration_errors(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError):
        connect(alias="t8")


def test_credentials_without_a_url_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CVAT_URL", "http://h")
    with pytest.raises(ConfigurationError, match="URL"):
        connect(credentials=("admin1", PASSWORD), alias="t9")


def test_disconnect_logs_out_closes_and_forgets(stub: StubCVAT) -> None:
    client = connect(stub.url, credentials=("admin1", PASSWORD), alias="t10")
    stub.received.clear()
    disconnect("t10")
    assert stub.paths() == [("POST", "/api/auth/logout")]
    assert not client.has_credentials()
    assert "t10" not in connections
    disconnect("t10")  # a missing alias is a no-op
    with pytest.raises(ConfigurationError):
        connections["t10"]


def test_connecting_again_replaces_the_alias(stub: StubCVAT) -> None:
    first = connect(stub.url, alias="t11")
    second = connect(stub.url, alias="t11")
    assert connections["t11"] is second and first is not second
    assert list(connections).count("t11") == 1


def test_close_all(stub: StubCVAT) -> None:
    connect(stub.url, credentials=("admin1", PASSWORD), alias="t12")
    connect(stub.url, alias="t13")
    connections.close_all()
    assert "t12" not in connections and "t13" not in connections
