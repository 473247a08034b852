"""Transport: timeouts on every request, retries (which methods, which failures, how long),
rewinding bodies, and the ApiException details."""

from __future__ import annotations

import io
import logging
import random
import socket
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
import requests

from cvatorm.connection import Client, Config
from cvatorm.connection.retry import RetryPolicy, parse_retry_after
from cvatorm.connection.transport import Transport
from cvatorm.exceptions import (
    ApiException,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MethodNotAllowedError,
    NotFoundError,
    ServerError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
)

from .stub_server import Canned, StubCVAT

LOGGER = logging.getLogger("tests.transport")


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def transport(fast_config: Config, sleeps: Sleeps) -> Iterator[Transport]:
    t = Transport(fast_config, logger=LOGGER, sleep=sleeps)
    yield t
    t.close()


def _503(n: int) -> list[Canned]:
    return [Canned(503, {"detail": "unavailable"}) for _ in range(n)]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
def test_idempotent_methods_are_retried_on_503(
    transport: Transport, stub: StubCVAT, sleeps: Sleeps, method: str
) -> None:
    stub.queue(method, "/api/echo", *_503(2))
    response = transport.send(method, stub.url + "/api/echo")
    assert response.status_code == 200
    assert stub.paths() == [(method, "/api/echo")] * 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.002 for s in sleeps)


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_retried_statuses(transport: Transport, stub: StubCVAT, status: int) -> None:
    stub.queue("GET", "/api/echo", Canned(status, {"detail": "x"}))
    assert transport.send("GET", stub.url + "/api/echo").status_code == 200
    assert len(stub.received) == 2


@pytest.mark.parametrize("status", [500, 400, 401, 403, 404, 409])
def test_other_errors_are_not_retried(transport: Transport, stub: StubCVAT, status: int) -> None:
    stub.queue("GET", "/api/echo", Canned(status, {"detail": "x"}))
    with pytest.raises(ApiException) as info:
        transport.send("GET", stub.url + "/api/echo")
    assert info.value.status == status
    assert len(stub.received) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried(
    transport: Transport, stub: StubCVAT, sleeps: Sleeps, method: str
) -> None:
    stub.queue(method, "/api/echo", *_503(1))
    with pytest.raises(ServerError):
        transport.send(method, stub.url + "/api/echo", json={"name": "x"})
    assert stub.paths() == [(method, "/api/echo")]
    assert sleeps == []


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_sent_again_after_a_429_the_throttle_refused_them_first(
    transport: Transport, stub: StubCVAT, sleeps: Sleeps, method: str
) -> None:
    # CVAT throttles anonymous requests (POST /api/auth/login) at 100 a minute per address:
    # the 429 comes before the view runs, so sending the request again creates nothing twice.
    stub.queue(method, "/api/echo", Canned(429, {"detail": "throttled"}, {"Retry-After": "2"}))
    response = transport.send(method, stub.url + "/api/echo", json={"name": "x"})
    assert response.status_code == 200
    assert stub.paths() == [(method, "/api/echo")] * 2
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 3.0


def test_retries_are_bounded(transport: Transport, stub: StubCVAT, sleeps: Sleeps) -> None:
    stub.queue("GET", "/api/echo", *_503(5))
    with pytest.raises(ServerError) as info:
        transport.send("GET", stub.url + "/api/echo")
    assert info.value.status == 503
    assert len(stub.received) == 3  # the first attempt and max_retries=2 retries
    assert len(sleeps) == 2


def test_max_retries_zero_sends_once(stub: StubCVAT, sleeps: Sleeps) -> None:
    t = Transport(Config(max_retries=0), logger=LOGGER, sleep=sleeps)
    stub.queue("GET", "/api/echo", *_503(1))
    with pytest.raises(ServerError):
        t.send("GET", stub.url + "/api/echo")
    assert len(stub.received) == 1


def test_retry_after_seconds_is_honoured(
    transport: Transport, stub: StubCVAT, sleeps: Sleeps
) -> None:
    stub.queue("GET", "/api/echo", Canned(429, {"detail": "slow down"}, {"Retry-After": "7"}))
    transport.send("GET", stub.url + "/api/echo")
    # at least what the server asks, and less than a second more (the header truncates)
    assert len(sleeps) == 1 and 7.0 <= sleeps[0] <= 8.0


def _throttled(n: int, seconds: str) -> list[Canned]:
    return [Canned(429, {"detail": "throttled"}, {"Retry-After": seconds}) for _ in range(n)]


def test_a_throttle_is_waited_out_beyond_max_retries(stub: StubCVAT, sleeps: Sleeps) -> None:
    # Other clients of the same address (CVAT's OPA polls its rules anonymously) may take each
    # slot the throttle frees: waits the server names do not use up max_retries.
    t = Transport(Config(max_retries=2), logger=LOGGER, sleep=sleeps)
    stub.queue("POST", "/api/echo", *_throttled(5, "1"))
    assert t.send("POST", stub.url + "/api/echo", json={}).status_code == 200
    assert len(stub.received) == 6
    assert len(sleeps) == 5 and all(1.0 <= s <= 2.0 for s in sleeps)


def test_throttle_waits_are_bounded_by_max_retry_after(stub: StubCVAT, sleeps: Sleeps) -> None:
    # 2 s fits once in max_retry_after=3; then the counted retries (max_retries=2) remain.
    t = Transport(Config(max_retries=2, max_retry_after=3), logger=LOGGER, sleep=sleeps)
    stub.queue("GET", "/api/echo", *_throttled(10, "2"))
    with pytest.raises(TooManyRequestsError):
        t.send("GET", stub.url + "/api/echo")
    assert len(stub.received) == 4
    assert len(sleeps) == 3


def test_a_too_long_retry_after_fails_at_once(stub: StubCVAT, sleeps: Sleeps) -> None:
    t = Transport(Config(max_retry_after=60), logger=LOGGER, sleep=sleeps)
    stub.queue("GET", "/api/echo", Canned(429, {"detail": "later"}, {"Retry-After": "3600"}))
    with pytest.raises(TooManyRequestsError) as info:
        t.send("GET", stub.url + "/api/echo")
    assert info.value.retry_after == 3600.0
    assert sleeps == []
    assert len(stub.received) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    date = formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=lambda: 1_000_000.0) == pytest.approx(30.0)


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff_base=1.0, backoff_cap=8.0, rng=random.Random(1))
    for n in range(10):
        bound = min(8.0, 2.0**n)
        waits = [policy.backoff(n) for _ in range(50)]
        assert all(0.0 <= w <= bound for w in waits)
        assert len(set(waits)) > 1  # jitter: not one fixed value
    assert policy.wait_before(10) is None
    waits = [policy.wait_before(0, {"Retry-After": "2"}) for _ in range(20)]
    assert all(w is not None and 2.0 <= w <= 3.0 for w in waits) and len(set(waits)) > 1


def test_connection_drop_on_get_is_retried(transport: Transport, stub: StubCVAT) -> None:
    stub.queue("GET", "/api/echo", Canned(drop=True))
    assert transport.send("GET", stub.url + "/api/echo").status_code == 200
    assert len(stub.received) == 2


def test_connection_drop_on_post_is_not_retried(transport: Transport, stub: StubCVAT) -> None:
    stub.queue("POST", "/api/echo", Canned(drop=True))
    with pytest.raises(TransportError, match="1 attempt"):
        transport.send("POST", stub.url + "/api/echo", json={})
    assert len(stub.received) == 1


def test_unreachable_server_is_a_transport_error_after_retries(
    transport: Transport, sleeps: Sleeps
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError, match="3 attempt") as info:
        transport.send("GET", f"http://127.0.0.1:{port}/api/echo")
    assert isinstance(info.value, ConnectionError)
    assert len(sleeps) == 2


def test_tls_errors_are_not_retried(transport: Transport, stub: StubCVAT, sleeps: Sleeps) -> None:
    with pytest.raises(TransportError, match="verify_ssl"):
        transport.send("GET", f"https://{stub.hostport}/api/echo")
    assert sleeps == []


def test_read_timeout_is_a_transport_error(stub: StubCVAT, sleeps: Sleeps) -> None:
    t = Transport(Config(max_retries=0, read_timeout=0.2), logger=LOGGER, sleep=sleeps)
    stub.queue("GET", "/api/echo", Canned(200, {}, delay=1.5))
    with pytest.raises(TransportError, match="Timeout"):
        t.send("GET", stub.url + "/api/echo")


def test_every_request_gets_the_default_timeout(
    transport: Transport, stub: StubCVAT, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    original = transport.session.request

    def spy(*args: Any, **kwargs: Any) -> requests.Response:
        seen.append(kwargs["timeout"])
        return original(*args, **kwargs)

    monkeypatch.setattr(transport.session, "request", spy)
    transport.send("GET", stub.url + "/api/echo")
    transport.send("GET", stub.url + "/api/echo", timeout=3.0)
    transport.send("POST", stub.url + "/api/echo", timeout=(1.0, 2.0))
    assert seen == [(5.0, 10.0), 3.0, (1.0, 2.0)]


def test_seekable_bodies_are_rewound_for_a_retry(transport: Transport, stub: StubCVAT) -> None:
    stub.queue("PUT", "/api/echo", *_503(1))
    body = io.BytesIO(b"0123456789")
    transport.send("PUT", stub.url + "/api/echo", data=body)
    assert [r.body for r in stub.received] == [b"0123456789", b"0123456789"]


def test_uploaded_files_are_rewound_for_a_retry(transport: Transport, stub: StubCVAT) -> None:
    stub.queue("PUT", "/api/echo", *_503(1))
    image = io.BytesIO(b"\x89PNG-bytes")
    transport.send("PUT", stub.url + "/api/echo", files={"client_files[0]": ("a.png", image)})
    first, second = stub.received
    assert b"\x89PNG-bytes" in first.body and first.body == second.body.replace(
        second.body.split(b"\r\n", 1)[0], first.body.split(b"\r\n", 1)[0]
    )


def test_streams_that_cannot_rewind_are_not_retried(transport: Transport, stub: StubCVAT) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"abc"

    stub.queue("PUT", "/api/echo", *_503(1))
    with pytest.raises(ServerError):
        transport.send("PUT", stub.url + "/api/echo", data=chunks())
    assert len(stub.received) == 1


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (405, MethodNotAllowedError),
        (409, ConflictError),
        (500, ServerError),
        (418, ApiException),
    ],
)
def test_error_statuses_raise_the_matching_exception(
    client: Client, stub: StubCVAT, status: int, cls: type[ApiException]
) -> None:
    stub.queue("GET", "/api/tasks/7", Canned(status, {"name": ["bad"]}, {"X-Trace": "t1"}))
    with pytest.raises(cls) as info:
        client.request("GET", "/api/tasks/7", params={"org": "x"})
    error = info.value
    assert type(error) is cls
    assert error.status == status
    assert error.body == {"name": ["bad"]}
    assert error.headers["X-Trace"] == "t1"
    assert error.method == "GET"
    assert error.url == stub.url + "/api/tasks/7?org=x"
    assert error.reason  # the reason phrase, e.g. "Not Found"
    assert f"{status}" in str(error) and "bad" in str(error)


def test_non_json_error_bodies_are_kept_as_text(stub: StubCVAT) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    stub.queue("POST", "/api/x", Canned(502, raw=page, headers={"Content-Type": "text/html"}))
    client = Client(stub.url, check_server_version=False)
    with pytest.raises(ServerError) as info:
        client.request("POST", "/api/x")
    assert info.value.body == page.decode()
    assert info.value.status == 502


@pytest.mark.parametrize(
    ("verify", "expected"), [(None, True), (False, False), ("/etc/ca.pem", "/etc/ca.pem")]
)
def test_verify_ssl_is_respected(verify: bool | str | None, expected: bool | str) -> None:
    t = Transport(Config(verify_ssl=verify), logger=LOGGER)
    assert t.session.verify == expected


def test_one_session_per_client(client: Client, stub: StubCVAT) -> None:
    session = client.session
    client.request("GET", "/api/server/about")
    client.request("GET", "/api/server/about")
    assert client.session is session
    assert isinstance(session, requests.Session)
