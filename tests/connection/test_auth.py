"""Login, logout, CSRF, tokens, the context manager: the exact requests each one sends."""

from __future__ import annotations

import json

import pytest

from cvatorm.connection import (
    AccessTokenCredentials,
    Client,
    Config,
    PasswordCredentials,
)
from cvatorm.exceptions import AuthenticationError, ForbiddenError, ServerError

from .conftest import PASSWORD
from .stub_server import Canned, StubCVAT

TOKEN = "pat-secret-0123456789"


@pytest.mark.parametrize(
    "credentials", [("admin1", PASSWORD), PasswordCredentials("admin1", PASSWORD)]
)
def test_password_login_posts_once_and_opens_a_session(
    client: Client, stub: StubCVAT, credentials: object
) -> None:
    assert not client.has_credentials()
    client.login(credentials)  # type: ignore[arg-type]
    assert stub.paths() == [("POST", "/api/auth/login")]
    sent = stub.received[0]
    assert json.loads(sent.body) == {"username": "admin1", "password": PASSWORD}
    assert "X-Organization" not in sent.headers
    assert "Authorization" not in sent.headers
    assert client.has_credentials()
    assert client.user == "admin1"
    assert client.session.cookies.get("sessionid")


def test_unsafe_requests_carry_the_csrf_header_and_safe_ones_do_not(
    logged_in: Client, stub: StubCVAT
) -> None:
    csrf = logged_in.session.cookies.get("csrftoken")
    logged_in.request("GET", "/api/echo")
    logged_in.request("POST", "/api/echo", json={})
    logged_in.request("PATCH", "/api/echo", json={})
    logged_in.request("DELETE", "/api/echo")
    get, post, patch, delete = stub.received
    assert "X-CSRFToken" not in get.headers
    for unsafe in (post, patch, delete):
        assert unsafe.headers["X-CSRFToken"] == csrf
        assert unsafe.headers["Origin"] == stub.url
        assert "sessionid=" in unsafe.headers["Cookie"]


def test_the_stub_refuses_unsafe_session_requests_without_csrf(
    logged_in: Client, stub: StubCVAT
) -> None:
    """The rule the CSRF header exists for (Django's, mirrored by the stub)."""
    logged_in.session.auth = None
    with pytest.raises(ForbiddenError, match="CSRF"):
        logged_in.request("POST", "/api/echo", json={})


def test_wrong_password_is_a_clear_authentication_error(client: Client, stub: StubCVAT) -> None:
    with pytest.raises(AuthenticationError) as info:
        client.login(("admin1", "wrong-password"))
    message = str(info.value)
    assert "admin1" in message
    assert "Unable to log in with provided credentials" in message
    assert "wrong-password" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not client.has_credentials()
    assert stub.paths() == [("POST", "/api/auth/login")]


def test_server_errors_during_login_are_not_disguised(client: Client, stub: StubCVAT) -> None:
    stub.queue("POST", "/api/auth/login", Canned(500, {"detail": "boom"}))
    with pytest.raises(ServerError):
        client.login(("admin1", PASSWORD))
    assert not client.has_credentials()


def test_access_token_is_sent_as_bearer_and_checked_once(client: Client, stub: StubCVAT) -> None:
    client.login(AccessTokenCredentials(TOKEN))
    assert stub.paths() == [("GET", "/api/users/self")]
    assert stub.received[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert client.has_credentials()
    client.request("POST", "/api/echo", json={})
    assert stub.received[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-CSRFToken" not in stub.received[-1].headers


def test_a_rejected_token_is_an_authentication_error(client: Client) -> None:
    with pytest.raises(AuthenticationError, match="rejected") as info:
        client.login(AccessTokenCredentials("not-a-valid-token"))
    assert "not-a-valid-token" not in str(info.value)
    assert not client.has_credentials()


@pytest.mark.parametrize("bad", [("admin1",), ["admin1", PASSWORD], "admin1", ("a", 1), None])
def test_malformed_credentials_are_a_type_error_without_the_value(
    client: Client, bad: object
) -> None:
    with pytest.raises(TypeError) as info:
        client.login(bad)  # type: ignore[arg-type]
    assert PASSWORD not in str(info.value)


def test_logout_ends_the_session_with_csrf(logged_in: Client, stub: StubCVAT) -> None:
    csrf = logged_in.session.cookies.get("csrftoken")
    logged_in.logout()
    assert stub.paths() == [("POST", "/api/auth/logout")]
    assert stub.received[0].headers["X-CSRFToken"] == csrf
    assert not logged_in.has_credentials()
    assert len(logged_in.session.cookies) == 0
    logged_in.logout()  # idempotent: nothing more is sent
    assert len(stub.received) == 1


def test_logout_of_a_token_sends_nothing(client: Client, stub: StubCVAT) -> None:
    client.login(AccessTokenCredentials(TOKEN))
    stub.received.clear()
    client.logout()
    assert stub.received == []
    assert not client.has_credentials()
    client.request("GET", "/api/server/about")
    assert "Authorization" not in stub.received[-1].headers


def test_logging_in_again_logs_out_first(logged_in: Client, stub: StubCVAT) -> None:
    logged_in.login(("user1", PASSWORD))
    assert stub.paths() == [("POST", "/api/auth/logout"), ("POST", "/api/auth/login")]
    assert logged_in.request("GET", "/api/echo").json()["user"] == "user1"


def test_a_server_that_sets_no_cookie_is_used_with_its_token_key(
    client: Client, stub: StubCVAT
) -> None:
    stub.login_sets_cookies = False
    client.login(("admin1", PASSWORD))
    assert client.request("POST", "/api/echo").json()["user"] == "admin1"
    assert stub.received[-1].headers["Authorization"].startswith("Token ")
    client.logout()
    assert stub.paths()[-1] == ("POST", "/api/auth/logout")


def test_context_manager_logs_out_and_closes(stub: StubCVAT, fast_config: Config) -> None:
    with Client(stub.url, config=fast_config) as client:
        client.login(("admin1", PASSWORD))
        stub.received.clear()
    assert stub.paths() == [("POST", "/api/auth/logout")]
    assert not client.has_credentials()


def test_context_manager_keeps_the_original_exception(stub: StubCVAT, fast_config: Config) -> None:
    stub.queue("POST", "/api/auth/logout", Canned(500, {"detail": "down"}))
    with pytest.raises(KeyError), Client(stub.url, config=fast_config) as client:
        client.login(("admin1", PASSWORD))
        raise KeyError("the real problem")
    assert not client.has_credentials()


def test_close_releases_connections_and_keeps_credentials(logged_in: Client) -> None:
    logged_in.close()
    assert logged_in.has_credentials()
