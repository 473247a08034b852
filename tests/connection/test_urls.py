"""Server URLs: validation, scheme detection, ApiMap, server_id, make_client's checks."""

from __future__ import annotations

import logging
import socket

import pytest

from cvatorm.connection import ApiMap, Client, Config, make_client
from cvatorm.connection.api_map import split_server_url
from cvatorm.exceptions import ConfigurationError, InvalidHostException

from .conftest import PASSWORD
from .stub_server import Canned, StubCVAT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "scheme", "netloc", "path"),
    [
        ("cvat.example.com", "", "cvat.example.com", ""),
        ("cvat.example.com:8080/", "", "cvat.example.com:8080", ""),
        ("https://cvat.example.com", "https", "cvat.example.com", ""),
        ("HTTP://localhost:8080", "http", "localhost:8080", ""),
        ("https://example.com/cvat/", "https", "example.com", "/cvat"),
        ("http://[::1]:8080", "http", "[::1]:8080", ""),
    ],
)
def test_accepted_urls(url: str, scheme: str, netloc: str, path: str) -> None:
    split = split_server_url(url)
    assert (split.scheme, split.netloc, split.path) == (scheme, netloc, path)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://cvat.example.com",
        "invalid://url",
        "http://",
        "http://host:notaport",
        "http://host:99999",
        "http://host:0",
        "http://host?x=1",
        "http://host#frag",
        "http://host name",
    ],
)
def test_malformed_urls_are_invalid_host(url: str) -> None:
    with pytest.raises(InvalidHostException):
        Client(url, check_server_version=False)


def test_user_info_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(InvalidHostException) as info:
        Client("https://admin1:hunter2secret@cvat.example.com", check_server_version=False)
    assert "hunter2secret" not in str(info.value)
    assert "hunter2secret" not in repr(info.value)


def test_explicit_scheme_sends_only_the_version_check(stub: StubCVAT) -> None:
    client = Client(stub.url)
    assert stub.paths() == [("GET", "/api/server/about")]
    assert "X-Organization" not in stub.received[0].headers
    assert client.api_map.host == stub.url


def test_no_request_when_version_check_is_disabled(stub: StubCVAT) -> None:
    Client(stub.url, check_server_version=False)
    assert stub.received == []


def test_without_scheme_https_first_then_http_with_a_warning(
    stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cvatorm"):
        client = Client(stub.hostport, check_server_version=False)
    assert client.api_map.host == stub.url  # http://127.0.0.1:<port>
    assert "HTTPS" in caplog.text and "HTTP" in caplog.text
    # The https probe is a TLS handshake the stub cannot understand: only the http probe
    # reaches it as a request.
    assert stub.paths() == [("GET", "/api/server/about")]


def test_without_scheme_and_no_server_is_invalid_host() -> None:
    with pytest.raises(InvalidHostException, match="https or http"):
        Client(f"127.0.0.1:{_free_port()}", check_server_version=False)


def test_explicit_scheme_and_no_server_is_invalid_host() -> None:
    with pytest.raises(InvalidHostException, match="no CVAT server"):
        Client(f"http://127.0.0.1:{_free_port()}", config=Config(max_retries=0))


def test_a_server_without_the_about_endpoint_is_not_cvat(stub: StubCVAT) -> None:
    stub.queue("GET", "/api/server/about", Canned(404, {"detail": "Not found."}))
    with pytest.raises(InvalidHostException, match="no CVAT server"):
        Client(stub.url)


def test_a_probe_answer_that_is_not_cvat_fails_detection(stub: StubCVAT) -> None:
    stub.queue("GET", "/api/server/about", Canned(404, {"detail": "Not found."}))
    with pytest.raises(InvalidHostException):
        Client(stub.hostport, check_server_version=False)


def test_api_map_builds_urls() -> None:
    api = ApiMap("https://cvat.example.com/")
    assert api.host == "https://cvat.example.com"
    assert api.base == "https://cvat.example.com/api/"
    assert (
        api.make_endpoint_url(
            "/api/tasks/{id}/data", kwsub={"id": 123}, query_params={"quality": "compressed"}
        )
        == "https://cvat.example.com/api/tasks/123/data?quality=compressed"
    )
    assert api.make_endpoint_url("/api/requests/{}", psub=("a/b c",)) == (
        "https://cvat.example.com/api/requests/a%2Fb%20c"
    )
    assert api.make_endpoint_url("/api/tasks", query_params={"ids": [1, 2], "x": None}) == (
        "https://cvat.example.com/api/tasks?ids=1&ids=2"
    )


def test_api_map_url_for_paths_and_next_links() -> None:
    api = ApiMap("https://cvat.example.com")
    assert api.url_for("/api/tasks") == "https://cvat.example.com/api/tasks"
    assert (
        api.url_for("https://cvat.example.com/api/tasks?page=2")
        == "https://cvat.example.com/api/tasks?page=2"
    )
    # A next link built behind a TLS-terminating proxy says http://: it is rebased.
    assert (
        api.url_for("http://cvat.example.com/api/tasks?page=2")
        == "https://cvat.example.com/api/tasks?page=2"
    )
    with pytest.raises(InvalidHostException, match="another host"):
        api.url_for("https://evil.example.org/api/tasks")
    with pytest.raises(InvalidHostException):
        api.url_for("api/tasks")


def test_api_map_with_a_path_prefix() -> None:
    api = ApiMap("https://example.com/cvat")
    assert api.base == "https://example.com/cvat/api/"
    assert api.url_for("/api/tasks") == "https://example.com/cvat/api/tasks"
    assert (
        api.url_for("https://example.com/cvat/api/tasks?page=3")
        == "https://example.com/cvat/api/tasks?page=3"
    )


@pytest.mark.parametrize(
    ("host", "server_id"),
    [
        ("http://LocalHost:80", "http://localhost"),
        ("https://CVAT.example.com:443/", "https://cvat.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://example.com/cvat/", "https://example.com/cvat"),
    ],
)
def test_server_id_is_normalized(host: str, server_id: str) -> None:
    assert ApiMap(host).server_id == server_id


def test_client_server_id(stub: StubCVAT) -> None:
    client = Client(stub.url.replace("127.0.0.1", "127.0.0.1"), check_server_version=False)
    assert client.server_id == stub.url


def test_make_client_refuses_credentials_and_token_before_any_request(stub: StubCVAT) -> None:
    with pytest.raises(ConfigurationError, match="together"):
        make_client(stub.url, credentials=("admin1", PASSWORD), access_token="abcd1234")
    assert stub.received == []


def test_make_client_refuses_a_port_given_twice_before_any_request(stub: StubCVAT) -> None:
    with pytest.raises(ConfigurationError, match="port"):
        make_client(stub.url, port=8080)
    assert stub.received == []


def test_make_client_joins_the_port(stub: StubCVAT) -> None:
    host, port = stub.hostport.split(":")
    client = make_client(f"http://{host}", port=int(port), credentials=("admin1", PASSWORD))
    assert client.api_map.host == stub.url
    assert client.has_credentials()
    assert stub.paths() == [("GET", "/api/server/about"), ("POST", "/api/auth/login")]


def test_make_client_accepts_the_port_as_a_string(stub: StubCVAT) -> None:
    host, port = stub.hostport.split(":")
    assert make_client(host=f"http://{host}", port=port).api_map.host == stub.url
    with pytest.raises(ConfigurationError, match="port"):
        make_client(f"http://{host}", port="eighty")
    with pytest.raises(ConfigurationError, match="port"):
        make_client(f"http://{host}", port=70000)


def test_make_client_with_a_token(stub: StubCVAT) -> None:
    client = make_client(stub.url, access_token="pat-secret-0123456789")
    assert client.has_credentials()
    assert stub.received[-1].headers["Authorization"] == "Bearer pat-secret-0123456789"
