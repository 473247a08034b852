"""Every error cvatorm raises, in one module, so that callers can catch by meaning.

Every exception a user of cvatorm can meet derives from ``CvatOrmError``: ``except
CvatOrmError`` catches them all. Errors that come from the server are ``ApiException`` and one
subclass per status class a caller reacts to differently (fix the input, log in again, ask for
rights, give up on a missing object, retry later). Errors of the network between (unreachable,
too slow, a reply that is not CVAT's) are ``TransportError``. Errors that cvatorm detects
itself, before anything is sent, derive from ``CvatOrmError`` and, where Python has a matching
built-in, from it too (``ValueError``, ``TypeError``, ``TimeoutError``), so that generic
handlers keep working.

No exception message ever contains a password, a token, a session cookie or a CSRF value: the
server never echoes them, and the client never puts them in a message.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "AnalyticsUnavailableError",
    "ApiException",
    "AuthenticationError",
    "BackgroundRequestException",
    "BadRequestError",
    "BulkOperationError",
    "CloudStorageUnavailableError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionNotFoundError",
    "CvatOrmError",
    "DeadlineExceededError",
    "FieldError",
    "ForbiddenError",
    "IncompatibleVersionException",
    "InvalidArgumentError",
    "InvalidHostException",
    "LambdaUnavailableError",
    "ListingChangedError",
    "MalformedResponseError",
    "MethodNotAllowedError",
    "MultipleObjectsReturned",
    "NotFoundError",
    "ObjectDoesNotExist",
    "OperationTimeoutError",
    "RedirectError",
    "ServerError",
    "ServiceUnavailableError",
    "TargetExistsError",
    "TooManyRequestsError",
    "TransportError",
    "TusError",
    "UnauthorizedError",
    "UnknownFieldError",
    "UnknownFormatError",
    "ValidationError",
]


class CvatOrmError(Exception):
    """Base of every exception raised by cvatorm."""


# --------------------------------------------------------------------------- local errors


class ConfigurationError(CvatOrmError, ValueError):
    """Arguments that cannot work together (a port given twice, credentials and a token...)."""


class InvalidArgumentError(ConfigurationError, TypeError):
    """One argument has a wrong type or value (raised before any request).

    ``argument`` names it, ``value`` is what was given (``None`` when the value is a secret and
    must not be shown: then only its type is named in the message), ``allowed`` says what would
    be accepted. Both a ``ValueError`` and a ``TypeError``, so either generic handler catches it.
    """

    def __init__(self, argument: str, value: Any, allowed: str, *, secret: bool = False) -> None:
        self.argument = argument
        self.value = None if secret else value
        self.allowed = allowed
        shown = f"a {type(value).__name__}" if secret else repr(value)
        super().__init__(f"{argument} must be {allowed}, not {shown}")


class ConnectionNotFoundError(ConfigurationError):
    """An object from another process (unpickled) names a connection this process does not
    have: the same server, as the same user. ``server`` and ``user`` say which; connect to it
    (``cvatorm.connect(...)``) before using the object."""

    def __init__(self, message: str, *, server: str, user: str | None) -> None:
        super().__init__(message)
        self.server = server
        self.user = user

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a Pool worker, it travels back to the parent pickled.
        return (_rebuild_connection_not_found, (str(self), self.server, self.user))


def _rebuild_connection_not_found(
    message: str, server: str, user: str | None
) -> ConnectionNotFoundError:
    return ConnectionNotFoundError(message, server=server, user=user)


class TargetExistsError(CvatOrmError, FileExistsError):
    """The file a download (an export, a backup, a frame) would write exists, and
    ``overwrite=True`` was not given (raised before any request)."""


class InvalidHostException(CvatOrmError, ValueError):
    """The URL is malformed, uses an unsupported scheme, or no CVAT server answers there."""


class IncompatibleVersionException(CvatOrmError):
    """The server's version is outside the range this library supports."""


class TransportError(CvatOrmError, ConnectionError):
    """The server could not be reached, even after the configured retries."""


class DeadlineExceededError(TransportError, TimeoutError):
    """A request (connect, upload, answer, every byte of the body, and its retries) took longer
    than its whole-request deadline (``Config.request_deadline`` or ``download_deadline``)."""


class MalformedResponseError(TransportError, ValueError):
    """Something answered, but not as CVAT's API does: a body that is not the JSON its
    ``Content-Type`` announces (or was cut short), an HTML page where the API answers JSON or
    nothing, a downloaded file that is not a whole file of the announced kind.

    Usually a proxy, a captive portal or a broken connection between the client and the server.
    Idempotent requests meeting it are retried; a ``POST``/``PATCH`` is not, and the message says
    the server may have applied it. A ``ValueError`` too, so code that catches the
    ``ValueError`` of ``response.json()`` keeps working.
    """


class TusError(TransportError):
    """The server broke the TUS upload protocol, or an upload failed too many times in a row."""


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


class CloudStorageUnavailableError(CvatOrmError):
    """The server could not use a cloud storage's bucket: not found (deleted, a wrong name or
    endpoint, the provider unreachable from the server) or access forbidden.

    Raised for a creation or update the server refused for that reason, and for a content
    listing, preview, actions check or task creation that failed on it. ``storage_status`` is
    CVAT's verdict (``"NOT_FOUND"`` or ``"FORBIDDEN"``), ``storage_id`` the storage (``None``
    while creating one), ``message`` the server's own words; the server's answer is the
    ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        storage_id: int | None = None,
        storage_status: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.storage_id = storage_id
        self.storage_status = storage_status


class AnalyticsUnavailableError(BackgroundRequestException):
    """An events export failed because the server's analytics store (ClickHouse) is not
    reachable: the background request's ``message`` is the server's own explanation."""


class FieldError(CvatOrmError):
    """A field or lookup name that the model does not have (raised before any request)."""


class UnknownFieldError(FieldError, AttributeError):
    """An attribute assigned on a model that has no such field (a typo: ``task.nmae = ...``,
    which would otherwise never be saved). Also an ``AttributeError``, as Python expects."""


class ValidationError(CvatOrmError, ValueError):
    """A value written to a model field is invalid (raised before any request).

    ``messages`` maps field names to lists of messages, the shape marshmallow and the server use.
    """

    def __init__(self, messages: Mapping[str, Any] | str):
        if isinstance(messages, str):
            messages = {"non_field_errors": [messages]}
        self.messages: dict[str, Any] = dict(messages)
        super().__init__(_format_field_messages(self.messages))


class UnknownFormatError(ValidationError):
    """A ``format_name`` the server does not export or import (or has disabled), found before
    anything is uploaded or started. ``suggestions`` are its closest enabled names."""

    def __init__(
        self,
        name: str,
        direction: str,
        suggestions: Sequence[str] = (),
        *,
        disabled: bool = False,
    ):
        self.name = name
        self.direction = direction
        self.suggestions = list(suggestions)
        if disabled:
            message = f"the server has disabled the {direction} format {name!r}"
        else:
            message = f"the server has no {direction} format {name!r}"
            if self.suggestions:
                message += "; did you mean " + " or ".join(map(repr, self.suggestions)) + "?"
        super().__init__({"format_name": [message]})


class ObjectDoesNotExist(CvatOrmError):
    """Base of every model's ``DoesNotExist``: ``get()`` matched nothing."""


class MultipleObjectsReturned(CvatOrmError):
    """Base of every model's ``MultipleObjectsReturned``: ``get()`` matched more than one."""


class ListingChangedError(CvatOrmError):
    """A page-number walk met a page that had been announced (the previous page's ``next``)
    but no longer exists: objects were deleted meanwhile, and the results would be incomplete.
    Walk again, or order by id: a keyset walk is exact while others create and delete."""


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
        """Seconds to wait, from ``Retry-After`` as delta-seconds or as an HTTP date."""
        return seconds_from_retry_after(_header(self.headers, "Retry-After"))


class ServerError(ApiException):
    """5xx: the server failed."""


class ServiceUnavailableError(ServerError):
    """503: a service the server needs is not there (its serverless functions, its Redis).

    ``detail`` is the server's own explanation (its body, as text)."""

    @property
    def detail(self) -> str:
        return _format_body(self.body)

    @classmethod
    def from_error(cls, error: ApiException) -> ServiceUnavailableError:
        """This class with the status, body, headers, method and URL of ``error``."""
        return cls(
            error.status,
            error.reason,
            error.body,
            headers=error.headers,
            method=error.method,
            url=error.url,
        )


class LambdaUnavailableError(ServiceUnavailableError):
    """The server has no serverless backend (nuclio) to list or run functions: CVAT answers
    ``/api/lambda/functions`` with a 503 naming the gateway it could not reach (``detail``)."""

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return (
            f"the server's serverless functions (nuclio) are unavailable{where}: "
            f"{self.detail or self.status}"
        )


class AuthenticationError(ApiException):
    """Logging in failed: wrong user name or password, or an invalid token.

    An ``ApiException`` carrying the server's ``status`` (400, 401 or 403, or the 2xx of a login
    answer that opened no session), ``body``, ``method`` and ``url``, so that ``except
    ApiException as e: e.status`` sees a failed login too.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 401,
        reason: str = "",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ):
        super().__init__(status, reason, body, headers=headers, method=method, url=url)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])

    @classmethod
    def from_error(cls, message: str, error: ApiException) -> AuthenticationError:
        """An ``AuthenticationError`` with ``message`` and the status, body, headers, method and
        URL of the server's refusal ``error``."""
        return cls(
            message,
            status=error.status,
            reason=error.reason,
            body=error.body,
            headers=error.headers,
            method=error.method,
            url=error.url,
        )


class RedirectError(ApiException):
    """The server (or a proxy) answered with a redirect that cvatorm does not follow.

    cvatorm follows a redirect only for ``GET``/``HEAD``/``OPTIONS`` to the same origin and the
    same resource (the path differing by a trailing slash); anything else would send the
    credentials elsewhere, replay an unsafe request, or take another resource's answer for the
    one asked for (see docs/reference/errors.md, "Redirects"). ``location`` is where it
    pointed (secret query values masked).
    """

    @property
    def location(self) -> str | None:
        return _header(self.headers, "Location")


_BY_STATUS: dict[int, type[ApiException]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    429: TooManyRequestsError,
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, its name compared case-insensitively (servers differ in case)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def seconds_from_retry_after(
    value: str | None, *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date), or ``None``
    when there is none or it cannot be read. A date in the past is ``0``."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT; a zone-less one is read as such
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = when.timestamp() - now()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _format_field_messages(messages: Mapping[str, Any]) -> str:
    parts = []
    for field, msgs in messages.items():
        text = "; ".join(str(m) for m in msgs) if isinstance(msgs, list) else str(msgs)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return ", ".join(parts)


_HTML_START = re.compile(r"\s*(<!doctype\s+html|<html)", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _summarize_html(text: str) -> str | None:
    """``an HTML page "Not Found" (1234 characters)`` for an HTML error page (a proxy's, or
    the server's 404/500 pages), ``None`` for other text: the page stays on ``.body``."""
    if not _HTML_START.match(text):
        return None
    title = _HTML_TITLE.search(text)
    named = f" {' '.join(title.group(1).split())[:100]!r}" if title else ""
    return f"an HTML page{named} ({len(text)} characters, in .body)"


def _format_body(body: Any, limit: int = 500) -> str:
    if body is None or body == "":
        return ""
    if isinstance(body, str):
        summary = _summarize_html(body)
        if summary is not None:
            return summary
    if isinstance(body, Mapping):
        text = _format_field_messages(body)
    elif isinstance(body, list):
        text = "; ".join(str(m) for m in body)
    else:
        text = str(body)
    return text if len(text) <= limit else text[:limit] + "..."
