"""No password, token, session cookie or CSRF value in logs, repr()s or exception messages."""

from __future__ import annotations

import logging
import socket

import pytest

from cvatorm.connection import (
    AccessTokenCredentials,
    Client,
    Config,
    PasswordCredentials,
    connect,
    connections,
)
from cvatorm.connection.redaction import MASK, Redactor, redact_headers, redact_url
from cvatorm.exceptions import ApiException, AuthenticationError, TransportError

from .conftest import PASSWORD
from .stub_server import Canned, StubCVAT

TOKEN = "pat-secret-0123456789"


def _secrets(client: Client) -> list[str]:
    values = [PASSWORD, TOKEN]
    for name in ("sessionid", "csrftoken"):
        value = client.session.cookies.get(name)
        if value:
            values.append(value)
    return values


def _assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_a_whole_session_at_debug_logs_no_secret(
    stub: StubCVAT, fast_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: cvatorm, requests, urllib3
    client = Client(stub.url, config=fast_config)
    client.login(("admin1", PASSWORD))
    secrets = _secrets(client)
    assert len(secrets) == 4
    stub.queue("GET", "/api/echo", Canned(503, {"detail": "x"}))
    client.request("GET", "/api/echo", params={"token": TOKEN})
    client.request(
        "POST", "/api/echo", json={"password": PASSWORD, "nested": {"access_token": TOKEN}}
    )
    with pytest.raises(ApiException) as info:
        client.request("GET", "/api/nothing", params={"key": secrets[2]})
    reprs = [repr(client), repr(client.transport), repr(client.session.auth), str(info.value)]
    client.logout()
    client.login(AccessTokenCredentials(TOKEN))
    reprs.append(repr(client.session.auth))
    reprs.append(repr(client))
    # Once the client knows a value is secret, it is masked wherever it shows up.
    client.request("POST", "/api/echo", json={"note": f"my token is {TOKEN}"})
    client.logout()
    assert "POST" in caplog.text and "/api/auth/login" in caplog.text  # DEBUG was captured
    _assert_clean(caplog.text, secrets)
    _assert_clean("\n".join(reprs), secrets)
    assert MASK in caplog.text


def test_failed_logins_do_not_echo_secrets(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as password_error:
        client.login(("admin1", "Sup3r-s3cret-attempt"))
    with pytest.raises(AuthenticationError) as token_error:
        client.login(AccessTokenCredentials("wrong-token-abcdef"))
    for text in (str(password_error.value), repr(password_error.value), caplog.text):
        assert "Sup3r-s3cret-attempt" not in text
    for text in (str(token_error.value), repr(token_error.value), caplog.text):
        assert "wrong-token-abcdef" not in text


def test_secrets_echoed_in_an_error_body_are_masked(logged_in: Client, stub: StubCVAT) -> None:
    sessionid = logged_in.session.cookies["sessionid"]
    stub.queue("GET", "/api/echo", Canned(400, {"detail": [f"bad session {sessionid}"]}))
    with pytest.raises(ApiException) as info:
        logged_in.request("GET", "/api/echo")
    assert sessionid not in str(info.value)
    assert sessionid not in str(info.value.body)


def test_transport_errors_carry_no_secret(stub: StubCVAT) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(
        f"http://127.0.0.1:{port}", config=Config(max_retries=0), check_server_version=False
    )
    client.session.auth = None
    client.transport.redactor.add(TOKEN)
    with pytest.raises(TransportError) as info:
        client.request("GET", f"/api/echo?token={TOKEN}")
    assert TOKEN not in str(info.value)


def test_credentials_reprs_hide_secrets() -> None:
    for creds in (PasswordCredentials("admin1", PASSWORD), AccessTokenCredentials(TOKEN)):
        for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}"):
            _assert_clean(text, [PASSWORD, TOKEN])
    assert "admin1" in repr(PasswordCredentials("admin1", PASSWORD))


def test_connections_repr_hides_secrets(stub: StubCVAT) -> None:
    client = connect(stub.url, credentials=("admin1", PASSWORD), alias="redaction")
    try:
        _assert_clean(repr(connections) + repr(client), _secrets(client))
    finally:
        connections.disconnect("redaction")


def test_redact_url_and_headers() -> None:
    assert redact_url("https://u:p@h/api/x?token=abc&page=2") == (
        f"https://{MASK}@h/api/x?token={MASK}&page=2"
    )
    assert redact_url("http://h:8080/api/x?a=1&password=p%40ss#f") == (
        f"http://h:8080/api/x?a=1&password={MASK}#f"
    )
    assert redact_url("https://h/api/tasks?page=2") == "https://h/api/tasks?page=2"
    assert redact_headers(
        {"Authorization": "Bearer x", "Cookie": "sessionid=1", "X-CSRFToken": "c", "Accept": "a"}
    ) == {"Authorization": MASK, "Cookie": MASK, "X-CSRFToken": MASK, "Accept": "a"}


def test_redactor_scrubs_values_and_names() -> None:
    redactor = Redactor(["s3cr3t-value", "abc"])  # too short values are not scrubbed
    assert redactor.scrub("x s3cr3t-value y abc") == f"x {MASK} y abc"
    assert redactor.scrub_data({"password": "p", "items": ["s3cr3t-value", 1]}) == {
        "password": MASK,
        "items": [MASK, 1],
    }
    assert redactor.scrub_data({"password": ["too short"]}, mask_names=False) == {
        "password": ["too short"]
    }
    assert "s3cr3t" not in repr(redactor)
