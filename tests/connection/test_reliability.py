"""Issue 11, connection and transfer layers: each failure mode, one spec each.

The fault matrix (``test_fault_matrix.py``) walks every operation through every fault; these are
the focused cases: the redirect policy's downgrade rule, secrets (a token with a newline, a
truncated error body, header values, a rotated CSRF token), ``verify_ssl`` against
``REQUESTS_CA_BUNDLE``, non-JSON answers, the whole-request deadline, environment credentials,
constructor validation before any request, background polling answers, ``Retry-After`` dates,
organization propagation to threads, ``AuthenticationError`` as an ``ApiException``, and
downloads that never replace a good file with a bad one.
"""

from __future__ import annotations

import email.utils
import io
import json
import logging
import math
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from cvatorm.connection import Client, Config, PasswordCredentials, make_client
from cvatorm.connection.background import wait_for_request
from cvatorm.connection.credentials import AccessTokenCredentials
from cvatorm.connection.deadline import DeadlineAdapter
from cvatorm.connection.organization import propagate
from cvatorm.connection.registry import connect
from cvatorm.connection.transport import Transport
from cvatorm.exceptions import (
    ApiException,
    AuthenticationError,
    ConfigurationError,
    CvatOrmError,
    DeadlineExceededError,
    InvalidArgumentError,
    MalformedResponseError,
    OperationTimeoutError,
    RedirectError,
    TooManyRequestsError,
)
from cvatorm.progress import NullProgress
from cvatorm.transfer import download

from .faulty_proxy import FaultyProxy
from .stub_server import Canned, StubCVAT

TOKEN = "pat-secret-0123456789"


# --------------------------------------------------------------------------- redirects


class _FakeHttps(BaseAdapter):
    """An https origin that answers every request with a redirect to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 302
        response.reason = "Found"
        response.headers["Location"] = self.location
        response.url = request.url or ""
        response.request = request
        response._content = b""
        return response

    def close(self) -> None:
        pass


class _Recorder(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        raise AssertionError("a request followed the redirect")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_from_https_to_http_is_never_followed(method: str) -> None:
    transport = Transport(Config(max_retries=0), logger=logging.getLogger("test"))
    https = _FakeHttps("http://cvat.test/api/users/self")
    plain = _Recorder()
    transport.session.mount("https://cvat.test", https)
    transport.session.mount("http://cvat.test", plain)
    transport.session.cookies.set("sessionid", "s3cr3t-session", domain="cvat.test")
    with pytest.raises(RedirectError, match=r"downgrade|unsafe method") as info:
        transport.send(method, "https://cvat.test/api/users/self", json={"a": 1})
    assert plain.sent == [], "the session cookie would have gone out in clear"
    assert len(https.sent) == 1
    assert info.value.status == 302 and info.value.location == "http://cvat.test/api/users/self"
    assert isinstance(info.value, ApiException) and isinstance(info.value, CvatOrmError)


# --------------------------------------------------------------------------- secrets


def test_a_token_read_from_a_file_with_its_newline_logs_in(stub: StubCVAT) -> None:
    client = make_client(stub.url, access_token=TOKEN + "\n", config=Config(max_retries=0))
    with client:
        assert client.request("GET", "/api/users/self").json()["username"] == "admin1"
        sent = stub.received[-1].headers["Authorization"]
        assert sent == f"Bearer {TOKEN}"


@pytest.mark.parametrize("token", ["pat-\nsecret-0123", "pat secret 0123", "", "   \n", 42])
def test_a_malformed_token_is_refused_without_showing_it(stub: StubCVAT, token: Any) -> None:
    stub.received.clear()
    with pytest.raises(InvalidArgumentError) as info:
        make_client(stub.url, access_token=token, check_server_version=False)
    text = str(info.value) + repr(info.value)
    assert "secret" not in text and "0123" not in text
    assert info.value.argument and info.value.value is None
    assert stub.received == [], "the problem was knowable before any request"


def test_a_secret_cut_by_the_error_body_limit_leaves_no_prefix(
    logged_in: Client, stub: StubCVAT
) -> None:
    session = logged_in.session.cookies.get("sessionid")
    assert session
    text = ("x" * 1995 + session + " trailing").encode()
    stub.queue(
        "GET", "/api/echo", Canned(status=400, raw=text, headers={"Content-Type": "text/plain"})
    )
    with pytest.raises(ApiException) as info:
        logged_in.request("GET", "/api/echo")
    shown = str(info.value) + repr(info.value.body)
    assert session[:6] not in shown


def test_header_values_are_masked_by_value_not_only_by_name(
    logged_in: Client, stub: StubCVAT
) -> None:
    session = logged_in.session.cookies.get("sessionid")
    stub.queue(
        "GET",
        "/api/echo",
        Canned(status=500, body={"detail": "boom"}, headers={"X-Debug": f"sid={session}"}),
    )
    with pytest.raises(ApiException) as info:
        logged_in.request("GET", "/api/echo")
    assert session not in str(info.value.headers)
    assert info.value.headers["X-Debug"] == "sid=***"


def test_a_csrf_token_rotated_by_a_later_set_cookie_is_learned(
    logged_in: Client, stub: StubCVAT
) -> None:
    rotated = "rotated-csrf-value-0123456789"
    stub.queue(
        "GET",
        "/api/echo",
        Canned(
            status=200, body={"ok": True}, headers={"Set-Cookie": f"csrftoken={rotated}; Path=/"}
        ),
    )
    logged_in.request("GET", "/api/echo")
    stub.queue("GET", "/api/echo", Canned(status=400, body={"detail": f"bad token {rotated}"}))
    with pytest.raises(ApiException) as info:
        logged_in.request("GET", "/api/echo")
    assert rotated not in str(info.value)


# --------------------------------------------------------------------------- TLS settings


class _VerifyRecorder(DeadlineAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.verify: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.verify.append(kwargs.get("verify"))
        return super().send(request, **kwargs)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
@pytest.mark.parametrize("verify", [False, "/etc/ssl/my-ca.pem"])
def test_verify_ssl_wins_over_the_ca_bundle_variables(
    stub: StubCVAT, monkeypatch: pytest.MonkeyPatch, variable: str, verify: Any
) -> None:
    monkeypatch.setenv(variable, "/nonexistent/bundle.pem")
    client = Client(stub.url, config=Config(verify_ssl=verify), check_server_version=False)
    recorder = _VerifyRecorder()
    client.session.mount("http://", recorder)
    client.request("GET", "/api/echo")
    assert recorder.verify == [verify]


# --------------------------------------------------------------------------- answers


def test_a_200_that_is_not_json_raises_a_cvatorm_error_from_json(
    client: Client, stub: StubCVAT
) -> None:
    stub.queue(
        "GET", "/api/echo", Canned(status=200, raw=b"OK", headers={"Content-Type": "text/plain"})
    )
    response = client.request("GET", "/api/echo")
    with pytest.raises(MalformedResponseError) as info:
        response.json()
    assert isinstance(info.value, ValueError)


def test_an_idempotent_get_is_retried_on_a_cut_json_body(client: Client, stub: StubCVAT) -> None:
    stub.queue("GET", "/api/echo", Canned(status=200, raw=b'{"method": "GE'))
    assert client.request("GET", "/api/echo").json() == {"method": "GET", "user": None}
    assert len(stub.received) == 2


def test_an_html_200_answering_a_delete_is_not_success(client: Client, stub: StubCVAT) -> None:
    page = Canned(status=200, raw=b"<html>Sign in</html>", headers={"Content-Type": "text/html"})
    stub.queue("DELETE", "/api/echo", page, page, page)
    with pytest.raises(MalformedResponseError, match="HTML"):
        client.request("DELETE", "/api/echo")


def test_a_dripping_server_is_cut_by_the_request_deadline(cvat_target: Any) -> None:
    with FaultyProxy(cvat_target.url) as proxy:
        client = Client(
            proxy.url,
            config=Config(read_timeout=5.0, request_deadline=0.4),
            check_server_version=False,
        )
        proxy.add("drip", path="/api/server/about", delay=0.05, times=None)
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError, match="request_deadline") as info:
            client.request("GET", "/api/server/about")
        elapsed = time.monotonic() - started
        client.close()
    assert elapsed < 1.5, f"the call lasted {elapsed:.2f}s past a 0.4s deadline"
    assert isinstance(info.value, TimeoutError)


def test_the_deadline_defaults_are_documented_values() -> None:
    config = Config()
    assert (config.request_deadline, config.download_deadline, config.background_timeout) == (
        600.0,
        3600.0,
        3600.0,
    )


# --------------------------------------------------------------------------- environment


def test_cvat_password_without_cvat_username_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CVAT_URL", "http://127.0.0.1:9")  # nothing listens: no request may go
    monkeypatch.setenv("CVAT_PASSWORD", "hunter2-password")
    monkeypatch.delenv("CVAT_USERNAME", raising=False)
    monkeypatch.delenv("CVAT_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="CVAT_USERNAME") as info:
        connect()
    assert "hunter2" not in str(info.value)


# --------------------------------------------------------------------------- constructors


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: make_client(None), "host"),  # type: ignore[arg-type]
        (lambda: make_client(""), "host"),
        (lambda: PasswordCredentials(123, 456), "PasswordCredentials.user"),  # type: ignore[arg-type]
        (lambda: PasswordCredentials("admin1", 456), "PasswordCredentials.password"),  # type: ignore[arg-type]
        (lambda: PasswordCredentials("  ", "pw"), "PasswordCredentials.user"),
        (lambda: Config(read_timeout=math.inf), "Config.read_timeout"),
        (lambda: Config(read_timeout=math.nan), "Config.read_timeout"),
        (lambda: Config(connect_timeout=-1), "Config.connect_timeout"),
        (lambda: Config(backoff_base=math.nan), "Config.backoff_base"),
        (lambda: Config(backoff_cap=math.inf), "Config.backoff_cap"),
        (lambda: Config(user_agent=5), "Config.user_agent"),  # type: ignore[arg-type]
        (lambda: Config(user_agent="a\r\nX-Evil: 1"), "Config.user_agent"),
        (lambda: Config(max_retries=1.5), "Config.max_retries"),  # type: ignore[arg-type]
        (lambda: Config(request_deadline=0), "Config.request_deadline"),
        (lambda: Config(background_timeout=math.nan), "Config.background_timeout"),
        (lambda: Config(allow_unsupported_server="yes"), "Config.allow_unsupported_server"),  # type: ignore[arg-type]
        (lambda: Config(verify_ssl=1.0), "Config.verify_ssl"),  # type: ignore[arg-type]
        (lambda: Config(cache_dir=None), "Config.cache_dir"),  # type: ignore[arg-type]
        (lambda: AccessTokenCredentials(None), "AccessTokenCredentials.token"),  # type: ignore[arg-type]
        (lambda: connect("http://127.0.0.1:9", organization=123), "organization"),  # type: ignore[arg-type]
        (lambda: connect("http://127.0.0.1:9", alias=""), "alias"),
        (lambda: connect(5), "url"),  # type: ignore[arg-type]
    ],
)
def test_bad_constructor_arguments_are_typed_errors_naming_them(build: Any, argument: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        build()
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument} must be ")
    assert isinstance(info.value, (TypeError, ValueError, ConfigurationError))


# --------------------------------------------------------------------------- background


@pytest.mark.parametrize("answer", [[], [{"status": "finished"}], {}, {"status": "done"}, "x"])
def test_a_poll_answer_that_is_not_a_request_is_a_typed_error(answer: Any) -> None:
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(answer).encode()
    slept: list[float] = []
    with pytest.raises(MalformedResponseError):
        wait_for_request(
            lambda _id: response,
            "rq-9",
            status_check_period=0.01,
            logger=logging.getLogger("t"),
            sleep=slept.append,
        )
    assert slept == [], "it must fail at once, not poll until a timeout"


def test_waiting_has_a_default_overall_timeout(stub: StubCVAT) -> None:
    client = Client(stub.url, config=Config(background_timeout=0.1))
    client.login(("admin1", "!Q@W#E$R"))
    stub.script_request("rq-forever", {"status": "started", "message": ""})
    with pytest.raises(OperationTimeoutError):
        client.wait_for_completion("rq-forever", status_check_period=0.02)
    client.close()


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    error = TooManyRequestsError(429, "Too Many Requests", headers={"retry-after": when})
    assert error.retry_after is not None and 25 <= error.retry_after <= 31
    past = TooManyRequestsError(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert past.retry_after == 0.0
    assert TooManyRequestsError(429, headers={"Retry-After": "soon"}).retry_after is None


# --------------------------------------------------------------------------- organizations


def test_propagate_carries_the_organization_into_threads(client: Client) -> None:
    seen: dict[str, Any] = {}

    def work(key: str) -> None:
        seen[key] = client.organization_slug

    with client.organization_context("org1"):
        plain = threading.Thread(target=work, args=("plain",))
        plain.start()
        plain.join()
        carried = threading.Thread(target=propagate(work), args=("carried",))
        carried.start()
        carried.join()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(propagate(work), ["pool-1", "pool-2"]))
    assert seen == {"plain": None, "carried": "org1", "pool-1": "org1", "pool-2": "org1"}


# --------------------------------------------------------------------------- login


def test_a_failed_login_is_an_api_exception_with_the_servers_status(client: Client) -> None:
    with pytest.raises(ApiException) as info:
        client.login(("admin1", "wrong-password"))
    assert isinstance(info.value, AuthenticationError)
    assert info.value.status == 400 and info.value.method == "POST"
    assert "wrong-password" not in str(info.value)


# --------------------------------------------------------------------------- downloads


@pytest.fixture
def backup_url(admin_client: Client) -> Iterator[str]:
    project = admin_client.request("POST", "/api/projects", json={"name": "dl-check"}).json()
    try:
        rq_id = admin_client.request(
            "POST", f"/api/projects/{project['id']}/backup/export", params={}
        ).json()["rq_id"]
        request, _ = admin_client.wait_for_completion(rq_id, status_check_period=0.05, timeout=60)
        assert request.result_url
        yield request.result_url.split("://", 1)[1].split("/", 1)[1]
    finally:
        admin_client.request("DELETE", f"/api/projects/{project['id']}")


@pytest.mark.parametrize("fault", ["unframed", "html"])
def test_a_download_that_stays_bad_never_replaces_the_good_file(
    cvat_target: Any, backup_url: str, tmp_path: Path, fault: str
) -> None:
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("keep.txt", "previous export")
    target = tmp_path / "export.zip"
    target.write_bytes(good.getvalue())
    path = "/" + backup_url
    with FaultyProxy(cvat_target.url) as proxy:
        client = Client(
            proxy.url, config=Config(max_retries=1, backoff_base=0.001), check_server_version=False
        )
        client.login(cvat_target.credentials)
        proxy.add(fault, method="GET", path=path.split("?")[0], times=None)
        with pytest.raises(MalformedResponseError):
            download(client, path, target, progress=NullProgress(), overwrite=True)
        client.close()
    assert target.read_bytes() == good.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["export.zip"]


def test_an_unwritable_download_target_is_refused_before_any_request(tmp_path: Path) -> None:
    from cvatorm.exceptions import TargetExistsError
    from cvatorm.transfer import writable_target

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InvalidArgumentError, match="output"):
        writable_target(blocker / "sub" / "export.zip", overwrite=False)
    with pytest.raises(TargetExistsError):
        writable_target(blocker, overwrite=False)
    with pytest.raises(InvalidArgumentError):
        writable_target(None, overwrite=False)  # type: ignore[arg-type]
    assert writable_target(tmp_path / "new" / "export.zip", overwrite=False).name == "export.zip"


def test_no_secret_in_debug_logs_or_errors_under_faults(
    cvat_target: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every fault kind, logged at DEBUG: no password, session id, CSRF value or token, whole or
    as a 6-character prefix, in a log line or an exception's text."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with FaultyProxy(cvat_target.url) as proxy, FaultyProxy(cvat_target.url) as other:
        client = Client(
            proxy.url,
            config=Config(
                max_retries=1, backoff_base=0.001, read_timeout=0.5, request_deadline=0.5
            ),
        )
        client.login(cvat_target.credentials)
        secrets = [c.value for c in client.session.cookies if c.value and len(c.value) > 8]
        if isinstance(cvat_target.credentials, PasswordCredentials):
            secrets.append(cvat_target.credentials.password)
        for fault, options in [
            ("reset", {}), ("lost_reply", {}), ("html", {}), ("malformed", {}),
            ("truncate", {}), ("status", {"status": 502}), ("drip", {"delay": 0.05}),
            ("redirect", {"status": 307, "location": other.url + "/api/users/self"}),
        ]:  # fmt: skip
            for method in ("GET", "POST"):
                proxy.add(fault, method=method, path="/api/users/self", times=None, **options)
                try:
                    client.request(method, "/api/users/self", json={} if method == "POST" else None)
                except CvatOrmError as error:
                    texts.append(f"{error} {error!r}")
                proxy.clear()
        client.close()
        assert other.received == []
    texts.extend(record.getMessage() for record in caplog.records)
    assert texts
    for secret in secrets:
        for text in texts:
            assert secret[:6] not in text, f"a secret's prefix in: {text[:200]}"
