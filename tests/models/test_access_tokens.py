"""``AccessToken``: personal access tokens, against LocalCVAT or a real server. A user creates
a token (its secret shown once: on the created object, never in its repr, str, raw data or a
log line), authenticates a second client with it (``current()``), renames it, sees a
token-authenticated client refused to manage tokens, and revokes it (the token client is then
refused)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cvatorm import Client
from cvatorm.exceptions import (
    ConfigurationError,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    UnauthorizedError,
    ValidationError,
)
from cvatorm.models import AccessToken


@pytest.fixture
def user1(client_as: Callable[[str], Client]) -> Client:
    return client_as("user1")


@pytest.fixture
def token(user1: Client, caplog: pytest.LogCaptureFixture) -> Iterator[AccessToken]:
    """A new token of user1, created with every log captured at DEBUG."""
    caplog.set_level(logging.DEBUG)
    made = AccessToken.objects.db_manager(user1).create(
        name=f"pipeline {uuid.uuid4().hex[:6]}", read_only=False
    )
    yield made
    if made.pk is not None:
        with contextlib.suppress(NotFoundError):
            made.delete()


@pytest.mark.covers("GET /api/auth/access_tokens", call="AccessToken.objects.filter(...)")
def test_a_user_lists_only_their_own_tokens(user1: Client) -> None:
    tokens = list(AccessToken.objects.db_manager(user1).all())
    assert tokens and {t.owner.username for t in tokens} == {"user1"}
    read_only = AccessToken.objects.db_manager(user1).filter(read_only=True)
    assert {t.id for t in read_only} == {t.id for t in tokens if t.read_only}
    named = AccessToken.objects.db_manager(user1).filter(name__icontains="READONLY")
    assert all("readonly" in t.name for t in named)


@pytest.mark.covers("POST /api/auth/access_tokens", call="AccessToken.objects.create(...)")
@pytest.mark.covers("GET /api/auth/access_tokens/{id}", call="AccessToken.objects.retrieve(id)")
def test_the_secret_is_shown_once_and_never_in_repr_raw_or_logs(
    token: AccessToken, user1: Client, caplog: pytest.LogCaptureFixture
) -> None:
    secret = token.value
    assert isinstance(secret, str) and len(secret) >= 20
    assert secret not in repr(token) and secret not in str(token)
    assert "value" not in token.raw and secret not in str(dict(token.raw))
    assert secret not in caplog.text
    assert token.read_only is False and token.owner.username == "user1"
    again = AccessToken.objects.db_manager(user1).retrieve(token.id)
    assert again == token and again.value is None  # the server never shows it again
    with pytest.raises(ConfigurationError):
        again.credentials()
    assert token.credentials().token == secret


@pytest.mark.covers("GET /api/auth/access_tokens/self", call="AccessToken.objects.current()")
@pytest.mark.covers("PATCH /api/auth/access_tokens/{id}", call="AccessToken.save()")
@pytest.mark.covers("DELETE /api/auth/access_tokens/{id}", call="AccessToken.revoke()")
def test_a_token_authenticates_is_renamed_and_revoked(
    token: AccessToken, traffic: Any, cvat_target: Any
) -> None:
    with traffic.new_client(cvat_target.url) as by_token:
        by_token.login(token.credentials())
        current = AccessToken.objects.db_manager(by_token).current()
        assert current == token and current.name == token.name
        # the server refuses token-authenticated clients to manage tokens
        with pytest.raises(ForbiddenError):
            AccessToken.objects.db_manager(by_token).create(name="from a token")
        token.name = "renamed by the pipeline"
        token.save()
        assert token.name == "renamed by the pipeline"
        assert AccessToken.objects.db_manager(by_token).current().name == token.name
        token.revoke()
        assert token.pk is None
        with pytest.raises(UnauthorizedError):
            AccessToken.objects.db_manager(by_token).current()


def test_an_expiry_date_is_saved_and_listed(token: AccessToken, user1: Client) -> None:
    # (a date in the past would hide the token from the API for good: the server answers 404
    # for an expired token, so the test could not delete it)
    tomorrow = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=1)
    token.expiry_date = tomorrow
    token.save()
    listed = AccessToken.objects.db_manager(user1).get(id=token.id)
    assert listed.expiry_date == tomorrow
    assert AccessToken.objects.db_manager(user1).filter(expiry_date__isnull=False).exists()


def test_bad_input_is_refused_before_any_request(user1: Client, traffic: Any) -> None:
    traffic.exchanges.clear()
    manager = AccessToken.objects.db_manager(user1)
    with pytest.raises(ValidationError):
        manager.create(name="")
    with pytest.raises(ValidationError):
        manager.create(name="x" * 51)
    with pytest.raises(ValidationError):
        AccessToken(name="ok", read_only="yes")
    with pytest.raises(ValidationError):
        manager.retrieve("self")
    with pytest.raises(ConfigurationError):
        manager.current()  # a password session: only a token client has a current token
    with pytest.raises((InvalidArgumentError, ValidationError)):
        AccessToken(name="ok", expiry_date="next week")
    assert traffic.exchanges == []
