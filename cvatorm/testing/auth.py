"""Authentication as CVAT's REST framework configures it, tried in the real server's order.

1. ``Authorization: Token <key>`` (the key ``POST /api/auth/login`` returns; one per user),
2. ``Authorization: Bearer <secret>`` (personal access tokens),
3. the ``sessionid`` cookie (unsafe methods then need ``X-CSRFToken`` matching ``csrftoken``),
4. ``Authorization: Basic ...``.

Bad credentials of a scheme are a 401 with the real messages; no credentials leave the request
anonymous (the routes answer 401 where a user is required).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import email.utils
import secrets
import string
import threading
import time
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Request
from cvatorm.testing.store import Store, now_iso

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: ``WWW-Authenticate`` of the first authentication class (DRF's ``TokenAuthentication``).
CHALLENGE = {"WWW-Authenticate": "Token"}

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}

SESSION_MAX_AGE = 1209600  # Django's SESSION_COOKIE_AGE, two weeks
CSRF_MAX_AGE = 31449600  # Django's CSRF_COOKIE_AGE, a year


def _expires(seconds: int) -> str:
    """A cookie ``expires`` date, as Django writes it."""
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


def unauthorized(detail: str) -> HttpError:
    return HttpError(401, {"detail": detail}, CHALLENGE)


class Auth:
    """Login sessions, login tokens and personal access tokens of one server."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._sessions: dict[str, int] = {}
        self._tokens: dict[str, int] = {}

    def reset(self, store: Store) -> None:
        with self._lock:
            self.store = store
            self._sessions.clear()
            self._tokens.clear()

    # -- login / logout ------------------------------------------------------------------------

    def login(self, user: dict[str, Any]) -> tuple[str, list[str]]:
        """A login token (reused until logout, like DRF's ``Token``) and the cookies to set."""
        with self._lock:
            key = next((k for k, uid in self._tokens.items() if uid == user["id"]), None)
            if key is None:
                key = secrets.token_hex(20)
                self._tokens[key] = user["id"]
            session_id = secrets.token_hex(16)
            self._sessions[session_id] = user["id"]
        csrf = new_csrf_secret()
        self.store.update("users", user["id"], {"last_login": now_iso()})
        cookies = [
            f"csrftoken={csrf}; expires={_expires(CSRF_MAX_AGE)}; Max-Age={CSRF_MAX_AGE}; "
            "Path=/; SameSite=Lax",
            f"sessionid={session_id}; expires={_expires(SESSION_MAX_AGE)}; HttpOnly; "
            f"Max-Age={SESSION_MAX_AGE}; Path=/; SameSite=Lax",
        ]
        return key, cookies

    def logout(self, request: Request) -> list[str]:
        """End the session and delete the user's login token; the cookies that clear them."""
        with self._lock:
            session_id = request.cookies.get("sessionid")
            if session_id is not None:
                self._sessions.pop(session_id, None)
            if request.user is not None:
                for key in [k for k, uid in self._tokens.items() if uid == request.user["id"]]:
                    del self._tokens[key]
        if session_id is None:  # SessionMiddleware deletes only a cookie the request carried
            return []
        expired = "expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
        return [f'sessionid=""; {expired}']

    def forget_user(self, user_id: int) -> None:
        """Drop the sessions and tokens of a deleted user."""
        with self._lock:
            for table in (self._sessions, self._tokens):
                for key in [k for k, uid in table.items() if uid == user_id]:
                    del table[key]

    # -- authentication ------------------------------------------------------------------------

    def authenticate(self, request: Request) -> None:
        """Set ``request.user``/``auth_kind``/``token``, or raise 401/403 like the real server."""
        header = request.headers.get_header("authorization") or ""
        scheme, _, credentials = header.strip().partition(" ")
        scheme_lower = scheme.lower()
        credentials = credentials.strip()
        if scheme_lower == "token":
            self._by_login_token(request, credentials)
        elif scheme_lower == "bearer":
            self._by_access_token(request, credentials)
        if request.user is None:
            self._by_session(request)
        if request.user is None and scheme_lower == "basic":
            self._by_basic(request, credentials)

    def _check_credentials(self, credentials: str) -> None:
        if not credentials:
            raise unauthorized("Invalid token header. No credentials provided.")
        if " " in credentials:
            raise unauthorized("Invalid token header. Token string should not contain spaces.")

    def _active_user(self, user_id: int | None) -> dict[str, Any]:
        user = self.store.get("users", user_id) if user_id is not None else None
        if user is None or not user.get("is_active", True):
            raise unauthorized("User inactive or deleted.")
        return user

    def _by_login_token(self, request: Request, credentials: str) -> None:
        self._check_credentials(credentials)
        with self._lock:
            user_id = self._tokens.get(credentials)
        if user_id is None:
            raise unauthorized("Invalid token.")
        request.user = self._active_user(user_id)
        request.auth_kind = "token"

    def _by_access_token(self, request: Request, credentials: str) -> None:
        self._check_credentials(credentials)
        with self.store.lock:
            token_id = self.store.token_secrets.get(credentials)
            token = self.store.get("access_tokens", token_id) if token_id is not None else None
        if token is None or _expired(token):
            raise unauthorized("Invalid token.")
        request.user = self._active_user(token["owner"]["id"] if token.get("owner") else None)
        request.auth_kind = "bearer"
        request.token = self._touch(token)

    def _touch(self, token: dict[str, Any]) -> dict[str, Any]:
        """``update_last_use``: at most every ``LAST_USE_UPDATE_INTERVAL`` (the real
        throttle), without updated_date."""
        stamp = now_iso()
        last = token.get("last_used_date")
        if last is None or _older_than(str(last), LAST_USE_UPDATE_INTERVAL):
            with self.store.lock:
                if self.store.get("access_tokens", token["id"]) is not None:
                    return self.store.update(
                        "access_tokens", token["id"], {"last_used_date": stamp}
                    )
        return token

    def _by_session(self, request: Request) -> None:
        session_id = request.cookies.get("sessionid")
        if not session_id:
            return
        with self._lock:
            user_id = self._sessions.get(session_id)
        if user_id is None:
            return
        user = self.store.get("users", user_id)
        if user is None or not user.get("is_active", True):
            return
        if request.method not in SAFE_METHODS:
            enforce_csrf(request)
        request.user = user
        request.auth_kind = "session"

    def _by_basic(self, request: Request, credentials: str) -> None:
        invalid_header = "Invalid basic header."
        parts = credentials.split()
        if not parts:
            raise unauthorized(f"{invalid_header} No credentials provided.")
        if len(parts) > 1:  # DRF splits the whole header on whitespace
            raise unauthorized(f"{invalid_header} Credentials string should not contain spaces.")
        credentials = parts[0]
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized(
                f"{invalid_header} Credentials not correctly base64 encoded."
            ) from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise unauthorized(f"{invalid_header} Credentials not correctly base64 encoded.")
        user = self.check_password(username, password)
        if user is None:
            raise unauthorized("Invalid username/password.")
        request.user = user
        request.auth_kind = "basic"

    def check_password(self, username: str, password: str) -> dict[str, Any] | None:
        """The active user with these credentials, or None.

        CVAT's backends in order: Django's ``ModelBackend`` (exact username), then allauth's
        in ``username_email`` mode (the value as an e-mail, then as a case-insensitive
        username), for logins and HTTP Basic alike.
        """
        for user in self._candidates(username):
            if not user.get("is_active", True):
                continue
            if self.store.passwords.get(user["id"]) == password:
                return user
        return None

    def _candidates(self, identifier: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        exact = self.store.user_by_username(identifier)
        if exact is not None:
            found.append(exact)
        by_email = self.store.user_by_email(identifier) if "@" in identifier else None
        if by_email is not None:
            found.append(by_email)
        folded = identifier.casefold()
        found.extend(
            user
            for user in self.store.all("users")
            if user["username"].casefold() == folded and user["username"] != identifier
        )
        return found


CSRF_CHARS = string.ascii_letters + string.digits
CSRF_SECRET_LENGTH = 32


def new_csrf_secret() -> str:
    """What Django puts in the ``csrftoken`` cookie: 32 letters and digits."""
    return "".join(secrets.choice(CSRF_CHARS) for _ in range(CSRF_SECRET_LENGTH))


def _token_format_problem(token: str) -> str | None:
    if len(token) not in (CSRF_SECRET_LENGTH, 2 * CSRF_SECRET_LENGTH):
        return "has incorrect length"
    if any(char not in CSRF_CHARS for char in token):
        return "has invalid characters"
    return None


def _unmask(token: str) -> str:
    """A 64-character (masked) token back to its secret, as Django's ``_unmask_cipher_token``."""
    if len(token) == CSRF_SECRET_LENGTH:
        return token
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    size = len(CSRF_CHARS)
    return "".join(
        CSRF_CHARS[(CSRF_CHARS.index(c) - CSRF_CHARS.index(m)) % size]
        for c, m in zip(cipher, mask, strict=True)
    )


def _csrf_failed(reason: str) -> HttpError:
    return HttpError(403, {"detail": f"CSRF Failed: {reason}"})


def enforce_csrf(request: Request) -> None:
    """Django's CSRF check as DRF's ``SessionAuthentication`` runs it (403 with its reason)."""
    cookie = request.cookies.get("csrftoken")
    if not cookie:
        raise _csrf_failed("CSRF cookie not set.")
    problem = _token_format_problem(cookie)
    if problem is not None:
        raise _csrf_failed(f"CSRF cookie {problem}.")
    header = request.headers.get_header("x-csrftoken")
    if header is None:
        raise _csrf_failed("CSRF token missing.")
    source = "the 'X-Csrftoken' HTTP header"
    problem = _token_format_problem(header)
    if problem is not None:
        raise _csrf_failed(f"CSRF token from {source} {problem}.")
    if not secrets.compare_digest(_unmask(header), _unmask(cookie)):
        raise _csrf_failed(f"CSRF token from {source} incorrect.")


#: ``ACCESS_TOKEN_LAST_USE_UPDATE_MIN_INTERVAL`` (CVAT's default: two hours), seconds.
LAST_USE_UPDATE_INTERVAL = 2 * 60 * 60


def _older_than(stamp: str, seconds: int) -> bool:
    try:
        when = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    age = datetime.datetime.now(datetime.timezone.utc) - when
    return age.total_seconds() >= seconds


def _expired(token: dict[str, Any]) -> bool:
    expiry = token.get("expiry_date")
    return bool(expiry) and str(expiry) < now_iso()


#: ``get_random_string``'s alphabet (Django): letters and digits.
_KEY_CHARS = string.ascii_letters + string.digits


def new_token_secret() -> str:
    """A personal access token's secret, shown once in the create response: as
    ``rest_framework_api_key``'s ``KeyGenerator`` makes it, an 8-character prefix, a dot and a
    32-character secret, letters and digits."""

    def random(length: int) -> str:
        return "".join(secrets.choice(_KEY_CHARS) for _ in range(length))

    return f"{random(8)}.{random(32)}"
