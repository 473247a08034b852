"""Every error cvatorm raises, in one module, so that callers can catch by meaning.

Two families live here. Errors that come from the server are ``ApiException`` and one subclass
per status class a caller reacts to differently (fix the input, log in again, ask for rights,
give up on a missing object, retry later). Errors that cvatorm detects itself, before anything is
sent, derive from ``CvatOrmError`` and, where Python has a matching built-in, from it too
(``ValueError``, ``TimeoutError``), so that generic handlers keep working.

No exception message ever contains a password, a token, a session cookie or a CSRF value: the
server never echoes them, and the client never puts them in a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ApiException",
    "AuthenticationError",
    "BackgroundRequestException",
    "BadRequestError",
    "BulkOperationError",
    "ConfigurationError",
    "ConflictError",
    "CvatOrmError",
    "FieldError",
    "ForbiddenError",
    "IncompatibleVersionException",
    "InvalidHostException",
    "MethodNotAllowedError",
    "MultipleObjectsReturned",
    "NotFoundError",
    "ObjectDoesNotExist",
    "OperationTimeoutError",
    "ServerError",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "ValidationError",
]


class CvatOrmError(Exception):
    """Base of every exception raised by cvatorm."""


# --------------------------------------------------------------------------- local errors


class ConfigurationError(CvatOrmError, ValueError):
    """Arguments that cannot work together (a port given twice, credentials and a token...)."""


class InvalidHostException(CvatOrmError, ValueError):
    """The URL is malformed, uses an unsupported scheme, or no CVAT server answers there."""


class IncompatibleVersionException(CvatOrmError):
    """The server's version is outside the range this library supports."""


class TransportError(CvatOrmError, ConnectionError):
    """The server could not be reached, even after the configured retries."""


class OperationTimeoutError(CvatOrmError, TimeoutError):
    """A wait (for a background request, an upload...) passed its deadline."""


class BackgroundRequestException(CvatOrmError):
    """A background request (``/api/requests/<id>``) ended in ``failed``.

    ``message`` is the server's own explanation, untouched, so that it can be shown to a user.
    """

    def __init__(self, message: str, *, rq_id: str | None = None, status: str | None = None):
        super().__init__(message)
        self.message = message
        self.rq_id = rq_id
        self.status = status


class AuthenticationError(CvatOrmError):
    """Logging in failed: wrong user name or password, or an invalid token."""


class FieldError(CvatOrmError):
    """A field or lookup name that the model does not have (raised before any request)."""


class ValidationError(CvatOrmError, ValueError):
    """A value written to a model field is invalid (raised before any request).

    ``messages`` maps field names to lists of messages, the shape marshmallow and the server use.
    """

    def __init__(self, messages: Mapping[str, Any] | str):
        if isinstance(messages, str):
            messages = {"non_field_errors": [messages]}
        self.messages: dict[str, Any] = dict(messages)
        super().__init__(_format_field_messages(self.messages))


class ObjectDoesNotExist(CvatOrmError):
    """Base of every model's ``DoesNotExist``: ``get()`` matched nothing."""


class MultipleObjectsReturned(CvatOrmError):
    """Base of every model's ``MultipleObjectsReturned``: ``get()`` matched more than one."""


class BulkOperationError(CvatOrmError):
    """A bulk ``update()``/``delete()`` where some objects failed and others succeeded.

    Nothing is rolled back (the server has no transactions over several requests); the error
    says exactly which objects were changed and which were not, and why.
    """

    def __init__(
        self,
        operation: str,
        succeeded: Sequence[Any],
        failed: Sequence[tuple[Any, BaseException]],
    ):
        self.operation = operation
        self.succeeded = list(succeeded)
        self.failed = list(failed)
        first = self.failed[0][1] if self.failed else None
        super().__init__(
            f"{operation}: {len(self.failed)} of {len(self.succeeded) + len(self.failed)} "
            f"objects failed (first error: {first!r}); {len(self.succeeded)} succeeded"
        )


# --------------------------------------------------------------------------- server errors


class ApiException(CvatOrmError):
    """The server answered with an error status.

    ``status`` is the HTTP status, ``reason`` its reason phrase, ``body`` the parsed JSON body (or
    the raw text when it is not JSON), ``headers`` the response headers. ``method`` and ``url``
    say which request failed.
    """

    def __init__(
        self,
        status: int,
        reason: str = "",
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ):
        self.status = status
        self.reason = reason
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.method = method
        self.url = url
        where = f" for {method} {url}" if method and url else ""
        detail = _format_body(body)
        super().__init__(f"{status} {reason}{where}" + (f": {detail}" if detail else ""))

    @staticmethod
    def for_status(status: int) -> type[ApiException]:
        """The most specific exception class for an HTTP status."""
        if status >= 500:
            return ServerError
        return _BY_STATUS.get(status, ApiException)


class BadRequestError(ApiException):
    """400: the server rejected the input. ``field_errors`` holds its per-field messages."""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        if isinstance(self.body, Mapping):
            return {
                str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
                for k, v in self.body.items()
            }
        return {}

    @property
    def messages(self) -> list[str]:
        """Every message of the body, flat: handy when the server sent a plain list."""
        if isinstance(self.body, list):
            return [str(m) for m in self.body]
        return [m for msgs in self.field_errors.values() for m in msgs]


class UnauthorizedError(ApiException):
    """401: not authenticated, or the credentials are wrong."""


class ForbiddenError(ApiException):
    """403: authenticated, but not allowed (including a missing CSRF header)."""


class NotFoundError(ApiException):
    """404: no such object (or page, or organization)."""


class MethodNotAllowedError(ApiException):
    """405: the resource does not support that operation."""


class ConflictError(ApiException):
    """409: the request conflicts with the server's state."""


class TooManyRequestsError(ApiException):
    """429: rate limited; ``retry_after`` is the server's hint in seconds, if any."""

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class ServerError(ApiException):
    """5xx: the server failed."""


_BY_STATUS: dict[int, type[ApiException]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    429: TooManyRequestsError,
}


def _format_field_messages(messages: Mapping[str, Any]) -> str:
    parts = []
    for field, msgs in messages.items():
        text = "; ".join(str(m) for m in msgs) if isinstance(msgs, list) else str(msgs)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return ", ".join(parts)


def _format_body(body: Any, limit: int = 500) -> str:
    if body is None or body == "":
        return ""
    if isinstance(body, Mapping):
        text = _format_field_messages(body)
    elif isinstance(body, list):
        text = "; ".join(str(m) for m in body)
    else:
        text = str(body)
    return text if len(text) <= limit else text[:limit] + "..."
