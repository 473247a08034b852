"""Bad inputs to getting connected: ``make_client``, ``Client``, ``Config``, the credentials,
``connect`` (arguments and environment), ``client.organization_context`` and ``client.login``.

All of them are knowable locally: none may send a request (not even the version check).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any
from unittest import mock

import pytest

import cvatorm
from cvatorm import AccessTokenCredentials, Client, Config, PasswordCredentials, make_client
from cvatorm.exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    InvalidHostException,
)

from .conftest import Case, Subjects, case

ADMIN = ("admin1", "!Q@W#E$R")


def _env(**values: str) -> Any:
    """The environment ``connect()`` reads, with only these CVAT_ variables."""
    cleared = {k: v for k, v in os.environ.items() if not k.startswith("CVAT_")}
    return mock.patch.dict(os.environ, {**cleared, **values}, clear=True)


def connect_env(s: Subjects, **values: str) -> Any:
    with _env(**values):
        return cvatorm.connect(alias="bad-input")


def _enter(s: Subjects, slug: Any) -> None:
    with s.client.organization_context(slug):
        pass


def _not_connected(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.close()


CASES = [
    # ------------------------------------------------------------------ make_client / Client
    case("make_client-None", lambda s: make_client(None), InvalidArgumentError, "host"),
    case("make_client-empty", lambda s: make_client(""), InvalidArgumentError, "host"),
    case("make_client-blank", lambda s: make_client("   "), InvalidArgumentError, "host"),
    case("make_client-int", lambda s: make_client(8080), InvalidArgumentError, "host"),
    case("make_client-bytes", lambda s: make_client(b"http://x"), InvalidArgumentError, "host"),
    case("make_client-ftp", lambda s: make_client("ftp://127.0.0.1"), InvalidHostException, "ftp"),
    case("make_client-no-host", lambda s: make_client("http://"), InvalidHostException, "http://"),
    case(
        "make_client-space-in-host",
        lambda s: make_client("http://exa mple.com"),
        InvalidHostException,
        "exa mple",
    ),
    case("port-zero", lambda s: make_client(s.url, port=0), ConfigurationError, "port"),
    case("port-too-big", lambda s: make_client(s.url, port=70000), ConfigurationError, "port"),
    case("port-word", lambda s: make_client(s.url, port="http"), ConfigurationError, "port"),
    case("port-bool", lambda s: make_client(s.url, port=True), ConfigurationError, "port"),
    case("port-float", lambda s: make_client(s.url, port=80.5), ConfigurationError, "port"),
    case(
        "port-twice",
        lambda s: make_client("http://127.0.0.1:9", port=8080),
        ConfigurationError,
        "port",
    ),
    case(
        "credentials-and-token",
        lambda s: make_client(s.url, credentials=ADMIN, access_token="abc"),
        ConfigurationError,
        "access_token",
    ),
    case(
        "credentials-str",
        lambda s: make_client(s.url, credentials="admin1:pw"),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "credentials-1-tuple",
        lambda s: make_client(s.url, credentials=("admin1",)),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "credentials-dict",
        lambda s: make_client(s.url, credentials={"user": "admin1", "password": "x"}),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "credentials-password-None",
        lambda s: make_client(s.url, credentials=("admin1", None)),
        InvalidArgumentError,
        "password",
    ),
    case(
        "access_token-empty",
        lambda s: make_client(s.url, access_token=""),
        InvalidArgumentError,
        "token",
    ),
    case(
        "access_token-inner-space",
        lambda s: make_client(s.url, access_token="abc def"),
        InvalidArgumentError,
        "token",
    ),
    case(
        "make_client-config-dict",
        lambda s: make_client(s.url, config={"read_timeout": 1}),
        ConfigurationError,
        "config",
    ),
    case("Client-None", lambda s: Client(None), InvalidArgumentError, "url"),
    case("Client-int", lambda s: Client(5), InvalidArgumentError, "url"),
    case(
        "Client-config-str",
        lambda s: Client(s.url, config="fast", check_server_version=False),
        ConfigurationError,
        "config",
    ),
    case(
        "Client-logger-str",
        lambda s: Client(s.url, logger="cvat", check_server_version=False),
        InvalidArgumentError,
        "logger",
    ),
    # ------------------------------------------------------------------ Config
    *[
        case(
            f"Config-{name}={value!r}",
            lambda s, n=name, v=value: Config(**{n: v}),
            InvalidArgumentError,
            name,
        )
        for name, value in [
            ("read_timeout", -1),
            ("read_timeout", 0),
            ("read_timeout", float("inf")),
            ("read_timeout", float("nan")),
            ("read_timeout", "10"),
            ("read_timeout", True),
            ("connect_timeout", -0.5),
            ("connect_timeout", None),
            ("request_deadline", 0),
            ("request_deadline", -5),
            ("download_deadline", "1h"),
            ("background_timeout", -1),
            ("status_check_period", 0),
            ("status_check_period", float("nan")),
            ("max_retries", -1),
            ("max_retries", 1.5),
            ("max_retries", "3"),
            ("max_retries", True),
            ("backoff_base", float("nan")),
            ("backoff_base", -1),
            ("backoff_cap", float("inf")),
            ("max_retry_after", -1),
            ("allow_unsupported_server", "yes"),
            ("verify_ssl", 5),
            ("verify_ssl", ""),
            ("user_agent", 5),
            ("user_agent", "cvat\r\nX-Evil: 1"),
            ("cache_dir", 5),
            ("cache_dir", ""),
        ]
    ],
    case("Config-replace-unknown", lambda s: Config().replace(nope=1), ConfigurationError, "nope"),
    # ------------------------------------------------------------------ credentials
    case("Password-ints", lambda s: PasswordCredentials(123, 456), InvalidArgumentError, "user"),
    case(
        "Password-user-None",
        lambda s: PasswordCredentials(None, "pw"),
        InvalidArgumentError,
        "user",
    ),
    case(
        "Password-user-blank",
        lambda s: PasswordCredentials("  ", "pw"),
        InvalidArgumentError,
        "user",
    ),
    case(
        "Password-empty",
        lambda s: PasswordCredentials("admin1", ""),
        InvalidArgumentError,
        "password",
    ),
    case(
        "Password-bytes",
        lambda s: PasswordCredentials("admin1", b"pw"),
        InvalidArgumentError,
        "password",
    ),
    case("Token-None", lambda s: AccessTokenCredentials(None), InvalidArgumentError, "token"),
    case("Token-int", lambda s: AccessTokenCredentials(123), InvalidArgumentError, "token"),
    case("Token-empty", lambda s: AccessTokenCredentials(""), InvalidArgumentError, "token"),
    case("Token-blank", lambda s: AccessTokenCredentials(" \n"), InvalidArgumentError, "token"),
    case(
        "Token-inner-newline",
        lambda s: AccessTokenCredentials("ab\ncd"),
        InvalidArgumentError,
        "token",
    ),
    case(
        "Token-non-ascii", lambda s: AccessTokenCredentials("tökén"), InvalidArgumentError, "token"
    ),
    # ------------------------------------------------------------------ connect
    case(
        "connect-url-int",
        lambda s: cvatorm.connect(5, credentials=ADMIN),
        InvalidArgumentError,
        "url",
    ),
    case(
        "connect-organization-int",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, organization=123, alias="bad-input"),
        InvalidArgumentError,
        "organization",
    ),
    case(
        "connect-organization-bad-slug",
        lambda s: cvatorm.connect(
            s.url, credentials=ADMIN, organization="no such org!", alias="bad-input"
        ),
        InvalidArgumentError,
        "organization",
    ),
    case(
        "connect-organization-newline",
        lambda s: cvatorm.connect(
            s.url, credentials=ADMIN, organization="org1\nX-Evil: 1", alias="bad-input"
        ),
        InvalidArgumentError,
        "organization",
    ),
    case(
        "connect-alias-empty",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, alias=""),
        InvalidArgumentError,
        "alias",
    ),
    case(
        "connect-alias-int",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, alias=5),
        InvalidArgumentError,
        "alias",
    ),
    case(
        "connect-unknown-option",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, read_timout=5, alias="bad-input"),
        ConfigurationError,
        "read_timout",
    ),
    case(
        "connect-bad-option-value",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, read_timeout=-1, alias="bad-input"),
        InvalidArgumentError,
        "read_timeout",
    ),
    case(
        "connect-config-str",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, config="x", alias="bad-input"),
        ConfigurationError,
        "config",
    ),
    case(
        "connect-credentials-and-token",
        lambda s: cvatorm.connect(s.url, credentials=ADMIN, access_token="abc", alias="bad-input"),
        ConfigurationError,
        "access_token",
    ),
    case(
        "connect-credentials-without-url",
        lambda s: cvatorm.connect(credentials=ADMIN, alias="bad-input"),
        ConfigurationError,
        "URL",
    ),
    case(
        "connect-token-newline-inside",
        lambda s: cvatorm.connect(s.url, access_token="ab\ncd", alias="bad-input"),
        InvalidArgumentError,
        "token",
    ),
    case("env-no-url", lambda s: connect_env(s), ConfigurationError, "CVAT_URL"),
    case(
        "env-password-only",
        lambda s: connect_env(s, CVAT_URL=s.url, CVAT_PASSWORD="pw"),
        ConfigurationError,
        "CVAT_USERNAME",
    ),
    case(
        "env-username-only",
        lambda s: connect_env(s, CVAT_URL=s.url, CVAT_USERNAME="admin1"),
        ConfigurationError,
        "CVAT_PASSWORD",
    ),
    case(
        "env-token-and-username",
        lambda s: connect_env(
            s, CVAT_URL=s.url, CVAT_ACCESS_TOKEN="abc", CVAT_USERNAME="admin1", CVAT_PASSWORD="pw"
        ),
        ConfigurationError,
        "CVAT_ACCESS_TOKEN",
    ),
    case(
        "env-blank-token",
        lambda s: connect_env(s, CVAT_URL=s.url, CVAT_ACCESS_TOKEN="a b"),
        InvalidArgumentError,
        "token",
    ),
    # ------------------------------------------------------------------ organization_context
    case("org_context-int", lambda s: _enter(s, 123), InvalidArgumentError, "organization"),
    case("org_context-list", lambda s: _enter(s, ["org1"]), InvalidArgumentError, "organization"),
    case(
        "org_context-bad-slug", lambda s: _enter(s, "org 1!"), InvalidArgumentError, "organization"
    ),
    case(
        "org_context-newline",
        lambda s: _enter(s, "org1\r\nX: y"),
        InvalidArgumentError,
        "organization",
    ),
    # ------------------------------------------------------------------ login
    case(
        "login-None",
        lambda s: Client(s.url, check_server_version=False).login(None),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "login-str",
        lambda s: Client(s.url, check_server_version=False).login("admin1"),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "login-1-tuple",
        lambda s: Client(s.url, check_server_version=False).login(("admin1",)),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "login-blank-user",
        lambda s: Client(s.url, check_server_version=False).login(("", "pw")),
        InvalidArgumentError,
        "user",
    ),
    case(
        "login-empty-password",
        lambda s: Client(s.url, check_server_version=False).login(("admin1", "")),
        InvalidArgumentError,
        "password",
    ),
    case(
        "login-int",
        lambda s: Client(s.url, check_server_version=False).login(123),
        InvalidArgumentError,
        "credentials",
    ),
    case(
        "login-wrong-password",
        lambda s: Client(s.url, check_server_version=False).login(("admin1", "wrong")),
        AuthenticationError,
        "admin1",
        local=False,
    ),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_connection_input(bad: Case, check_case: Any) -> None:
    try:
        check_case(bad)
    finally:
        cvatorm.connections.get("bad-input") and cvatorm.disconnect("bad-input")
