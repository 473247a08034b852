"""Server version: parsing, the supported range, warning versus error."""

from __future__ import annotations

import logging

import pytest
from packaging.version import Version

from cvatorm.connection import Client, Config
from cvatorm.connection.versions import is_supported, parse_server_version
from cvatorm.exceptions import IncompatibleVersionException

from .stub_server import Canned, StubCVAT


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("2.64.0", True),
        ("2.64.1", True),
        ("2.64.0.dev0", True),
        ("2.64.0rc1", True),
        ("2.70.3", True),
        ("2.99.0", True),
        ("2.63.9", False),
        ("2.10.0", False),
        ("1.7.0", False),
        ("3.0.0", False),
        ("3.0.0.dev1", False),
        ("1!2.64.0", False),
    ],
)
def test_supported_range(version: str, supported: bool) -> None:
    assert is_supported(Version(version)) is supported


def test_get_server_version(client: Client, stub: StubCVAT) -> None:
    assert client.get_server_version() == Version("2.64.1")
    assert stub.paths() == [("GET", "/api/server/about")]
    assert "X-Organization" not in stub.received[0].headers


def test_get_server_version_ignores_the_organization_context(
    client: Client, stub: StubCVAT
) -> None:
    with client.organization_context("org1"):
        client.get_server_version()
    assert "X-Organization" not in stub.received[0].headers


def test_an_unsupported_server_is_a_warning_by_default(
    stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    stub.version = "2.10.0"
    with caplog.at_level(logging.WARNING, logger="cvatorm"):
        client = Client(stub.url)
    assert "2.10.0" in caplog.text and "not supported" in caplog.text
    with pytest.raises(IncompatibleVersionException, match=r"2\.10\.0"):
        client.check_server_version(fail_if_unsupported=True)


def test_an_unsupported_server_is_an_error_when_not_allowed(stub: StubCVAT) -> None:
    stub.version = "3.1.0"
    with pytest.raises(IncompatibleVersionException, match=r"3\.1\.0"):
        Client(stub.url, config=Config(allow_unsupported_server=False))


def test_a_supported_server_passes_silently(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cvatorm"):
        client.check_server_version(fail_if_unsupported=True)
    assert caplog.text == ""


def test_version_check_can_be_skipped(stub: StubCVAT) -> None:
    stub.version = "1.0.0"
    Client(stub.url, check_server_version=False)
    assert stub.received == []


def test_an_about_that_needs_login_is_a_warning_or_error(stub: StubCVAT) -> None:
    stub.queue("GET", "/api/server/about", Canned(401, {"detail": "login"}))
    client = Client(stub.url)  # warns, as the official SDK does
    stub.queue("GET", "/api/server/about", Canned(401, {"detail": "login"}))
    with pytest.raises(IncompatibleVersionException, match="Failed to retrieve"):
        client.check_server_version(fail_if_unsupported=True)


@pytest.mark.parametrize("bad", [None, 264, "", "not a version"])
def test_unparseable_versions(bad: object) -> None:
    with pytest.raises(IncompatibleVersionException):
        parse_server_version(bad)


def test_a_garbage_version_is_handled_like_an_unknown_one(stub: StubCVAT) -> None:
    stub.version = "banana"
    Client(stub.url)  # warns
    with pytest.raises(IncompatibleVersionException, match="banana"):
        Client(stub.url, config=Config(allow_unsupported_server=False))
