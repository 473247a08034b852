"""Credentials, and the requests ``AuthBase`` objects that put them on the wire.

The value objects never show their secret: ``repr()`` and ``str()`` mask it, so that a
credentials object in a log line, a traceback's locals or a debugger prints safely.

The auth objects are the HTTP half of CVAT's three schemes:

- :class:`BearerAuth`: a personal access token, ``Authorization: Bearer <token>``;
- :class:`TokenAuth`: the legacy ``Authorization: Token <key>`` that ``/api/auth/login`` returns
  (used only when a server answers a login without a session cookie);
- :class:`SessionCsrfAuth`: the Django session cookie (sent by the cookie jar) plus, on unsafe
  methods, the ``X-CSRFToken`` header copied from the ``csrftoken`` cookie and an ``Origin``
  header, because Django's CSRF middleware rejects unsafe session requests without them (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from requests.auth import AuthBase
from requests.cookies import RequestsCookieJar

from cvatorm.exceptions import InvalidArgumentError
from cvatorm.wire.headers import CSRF_HEADER

__all__ = [
    "AccessTokenCredentials",
    "BearerAuth",
    "Credentials",
    "CredentialsLike",
    "PasswordCredentials",
    "SessionCsrfAuth",
    "TokenAuth",
    "coerce_credentials",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"


class Credentials:
    """Base of the credential kinds ``Client.login()`` accepts."""


@dataclass(frozen=True)
class PasswordCredentials(Credentials):
    """A user name (or e-mail) and password, for a session login.

    Checked when built (before any request): ``user`` a non-blank string, ``password`` a
    non-empty string; otherwise :class:`~cvatorm.exceptions.InvalidArgumentError` (which never
    shows the password, only its type).
    """

    user: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.user, str) or not self.user.strip():
            raise InvalidArgumentError(
                "PasswordCredentials.user", self.user, "a non-blank user name or e-mail (str)"
            )
        if not isinstance(self.password, str) or not self.password:
            raise InvalidArgumentError(
                "PasswordCredentials.password", self.password, "a non-empty str", secret=True
            )

    def __repr__(self) -> str:
        return f"PasswordCredentials(user={self.user!r}, password='***')"

    __str__ = __repr__


@dataclass(frozen=True)
class AccessTokenCredentials(Credentials):
    """A personal access token (PAT), sent as ``Authorization: Bearer``.

    Surrounding whitespace is dropped (a token read from a file usually ends with a newline);
    a token that is empty, not a string, or holds whitespace or control characters inside is an
    :class:`~cvatorm.exceptions.InvalidArgumentError` that never shows the token.
    """

    token: str = field(repr=False)

    def __post_init__(self) -> None:
        token = self.token
        if isinstance(token, bytes):
            token = token.decode("ascii", errors="replace")
        if not isinstance(token, str):
            raise InvalidArgumentError(
                "AccessTokenCredentials.token", token, "a non-empty str", secret=True
            )
        token = token.strip()
        if not token or not all(33 <= ord(ch) <= 126 for ch in token):
            raise InvalidArgumentError(
                "access token",
                token,
                "a non-empty str of printable ASCII characters without spaces or line breaks",
                secret=True,
            )
        object.__setattr__(self, "token", token)

    def __repr__(self) -> str:
        return "AccessTokenCredentials(token='***')"

    __str__ = __repr__


CredentialsLike = Credentials | tuple[str, str]


def coerce_credentials(credentials: object) -> PasswordCredentials | AccessTokenCredentials:
    """Accept what the official SDK accepts: a credentials object or a ``(user, password)``."""
    if isinstance(credentials, (PasswordCredentials, AccessTokenCredentials)):
        return credentials
    if isinstance(credentials, tuple) and len(credentials) == 2:
        return PasswordCredentials(credentials[0], credentials[1])
    # Say what was wrong without echoing the value: it may well hold a password.
    raise InvalidArgumentError(
        "credentials",
        credentials,
        "PasswordCredentials, AccessTokenCredentials or a (user, password) tuple of two strings",
        secret=True,
    )


class _HeaderAuth(AuthBase):
    scheme = ""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    @property
    def secret(self) -> str:
        return self._secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"{self.scheme} {self._secret}"
        return r

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


class BearerAuth(_HeaderAuth):
    """``Authorization: Bearer <personal access token>``."""

    scheme = "Bearer"


class TokenAuth(_HeaderAuth):
    """``Authorization: Token <key>`` (the key ``/api/auth/login`` returns)."""

    scheme = "Token"


class SessionCsrfAuth(AuthBase):
    """Adds Django's CSRF header (and ``Origin``) to unsafe requests of a cookie session.

    The cookies themselves travel through the session's cookie jar; this only reads the
    current ``csrftoken`` from it at send time, so a rotated token is picked up.
    """

    def __init__(self, cookies: RequestsCookieJar, origin: str) -> None:
        self._cookies = cookies
        self._origin = origin

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if (r.method or "GET").upper() not in SAFE_METHODS:
            token = self._cookies.get(CSRF_COOKIE)
            if token:
                r.headers[CSRF_HEADER] = token
                r.headers.setdefault("Origin", self._origin)
        return r

    def __repr__(self) -> str:
        return f"SessionCsrfAuth(origin={self._origin!r})"
