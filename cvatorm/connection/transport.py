"""HTTP mechanics: one ``requests.Session``, timeouts, retries, error mapping, safe logging.

The transport knows nothing of CVAT: no resources, no organizations, no login. It sends a
request to an absolute URL and either returns a successful response or raises:

- ``ApiException.for_status(status)`` for an error status (after retries, for retryable ones),
  carrying the status, reason, parsed body, response headers (secret ones masked), method and
  URL;
- ``TransportError`` when the server could not be reached (connection refused, DNS, timeouts,
  broken connections), after the retries the :class:`RetryPolicy` allows.

Every request gets a timeout (the config's ``(connect, read)`` unless the caller passes one), so
none can hang forever. Log lines, exception messages and ``repr()`` go through the redaction
module, so no secret the client handles appears in them.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import requests

from cvatorm._version import __version__
from cvatorm.connection.config import Config
from cvatorm.connection.redaction import (
    Redactor,
    install_library_log_filter,
    redact_headers,
    redact_query_in_text,
    redact_url,
    track,
)
from cvatorm.connection.retry import RetryPolicy
from cvatorm.exceptions import ApiException, InvalidHostException, TransportError

__all__ = ["Timeout", "Transport"]

Timeout = float | tuple[float, float]

_RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_MAX_LOGGED_BODY = 1000
_MAX_TEXT_BODY = 2000


class _Rewinder:
    """Remembers where file-like request bodies start, so a retry can send them again.

    A body that cannot be rewound (a pipe, a generator) makes the request non-retryable:
    retrying it would send a truncated body.
    """

    def __init__(self, data: Any, files: Any) -> None:
        self.retryable = True
        self._positions: list[tuple[IO[Any], int]] = []
        self._collect(data)
        if isinstance(files, Mapping):
            files = list(files.values())
        elif isinstance(files, (list, tuple)):
            files = [
                item[1] if isinstance(item, tuple) and len(item) == 2 else item for item in files
            ]
        for value in files or ():
            self._collect(value[1] if isinstance(value, tuple) and len(value) > 1 else value)

    def _collect(self, value: Any) -> None:
        if value is None or isinstance(value, (str, bytes, bytearray, Mapping, list, tuple)):
            return
        seekable = getattr(value, "seekable", None)
        if callable(getattr(value, "read", None)) and callable(seekable) and seekable():
            self._positions.append((value, value.tell()))
        else:
            self.retryable = False

    def rewind(self) -> None:
        for stream, position in self._positions:
            stream.seek(position)


class Transport:
    """Sends HTTP requests for one client through one ``requests.Session``."""

    def __init__(
        self,
        config: Config,
        *,
        logger: logging.Logger,
        redactor: Redactor | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.logger = logger
        self.redactor = redactor if redactor is not None else Redactor()
        install_library_log_filter()
        track(self.redactor)
        self.retry = RetryPolicy(
            max_retries=config.max_retries,
            backoff_base=config.backoff_base,
            backoff_cap=config.backoff_cap,
            max_retry_after=config.max_retry_after,
        )
        self._sleep = sleep
        self.session = requests.Session()
        if config.verify_ssl is not None:
            self.session.verify = config.verify_ssl
        self.session.headers["User-Agent"] = (
            config.user_agent or f"cvatorm/{__version__} python-requests/{requests.__version__}"
        )

    def __repr__(self) -> str:
        return f"<Transport retries={self.retry.max_retries} timeout={self.config.timeout}>"

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    # ------------------------------------------------------------------ sending

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        stream: bool = False,
        check_status: bool = True,
    ) -> requests.Response:
        """Send one request (retrying when allowed); return a response with status < 400.

        With ``check_status=False`` an error response (after the retries it allows) is returned
        instead of raised: the low-level API's ``_check_status=False``.
        """
        method = method.upper()
        timeout = self.config.timeout if timeout is None else timeout
        rewinder = _Rewinder(data, files)
        may_retry = rewinder.retryable and self.retry.allows_method(method)
        shown_url = self._show_url(url, params)
        attempt = 0
        while True:
            if attempt:
                rewinder.rewind()
            self._log_request(method, shown_url, json, attempt)
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    files=files,
                    headers=dict(headers) if headers else None,
                    timeout=timeout,
                    stream=stream,
                )
            except requests.exceptions.SSLError as exc:
                # A certificate problem does not heal by retrying.
                raise TransportError(
                    f"{method} {shown_url} failed: {self._describe(exc)} "
                    "(see Config.verify_ssl to use another CA bundle or disable verification)"
                ) from exc
            except requests.exceptions.InvalidURL as exc:
                raise InvalidHostException(
                    self.redactor.scrub(f"invalid URL {shown_url}: {type(exc).__name__}")
                ) from None
            except _RETRYABLE_ERRORS as exc:
                wait = self.retry.wait_before(attempt) if may_retry else None
                reason = self._describe(exc)
                if wait is None:
                    raise TransportError(
                        f"{method} {shown_url} failed after {attempt + 1} attempt(s): {reason}"
                    ) from exc
                self.logger.warning(
                    "%s %s: %s; retry %d/%d in %.2fs",
                    method,
                    shown_url,
                    reason,
                    attempt + 1,
                    self.retry.max_retries,
                    wait,
                )
            except requests.exceptions.RequestException as exc:
                raise TransportError(f"{method} {shown_url} failed: {self._describe(exc)}") from exc
            else:
                elapsed = time.monotonic() - started
                self.logger.debug(
                    "%s %s -> %d %s (%.3fs)",
                    method,
                    shown_url,
                    response.status_code,
                    response.reason,
                    elapsed,
                )
                if response.status_code < 400:
                    return response
                wait = None
                if may_retry and self.retry.retries_status(method, response.status_code):
                    wait = self.retry.wait_before(attempt, response.headers)
                if wait is None:
                    if not check_status:
                        return response
                    raise self._error(method, shown_url, response)
                self.logger.warning(
                    "%s %s -> %d %s; retry %d/%d in %.2fs",
                    method,
                    shown_url,
                    response.status_code,
                    response.reason,
                    attempt + 1,
                    self.retry.max_retries,
                    wait,
                )
                response.close()
            if wait > 0:
                self._sleep(wait)
            attempt += 1

    # ------------------------------------------------------------------ formatting

    def _show_url(self, url: str, params: Any) -> str:
        """The URL as it is safe to show: with the query, secret values masked."""
        if params:
            try:
                prepared = requests.Request("GET", url, params=params).prepare()
                url = prepared.url or url
            except requests.exceptions.RequestException:
                pass
        return self.redactor.scrub(redact_url(url))

    def _describe(self, exc: BaseException) -> str:
        return self.redactor.scrub(redact_query_in_text(f"{type(exc).__name__}: {exc}"))

    def _log_request(self, method: str, shown_url: str, json: Any, attempt: int) -> None:
        if not self.logger.isEnabledFor(logging.DEBUG):
            return
        suffix = f" (attempt {attempt + 1})" if attempt else ""
        if json is None:
            self.logger.debug("%s %s%s", method, shown_url, suffix)
            return
        body = jsonlib.dumps(self.redactor.scrub_data(json), default=str)
        if len(body) > _MAX_LOGGED_BODY:
            body = body[:_MAX_LOGGED_BODY] + "..."
        self.logger.debug("%s %s%s json=%s", method, shown_url, suffix, body)

    def _error(self, method: str, shown_url: str, response: requests.Response) -> ApiException:
        body = self.redactor.scrub_data(parse_body(response), mask_names=False)
        headers = redact_headers(response.headers)
        cls = ApiException.for_status(response.status_code)
        return cls(
            response.status_code,
            response.reason or "",
            body,
            headers=headers,
            method=method,
            url=shown_url,
        )


def parse_body(response: requests.Response) -> Any:
    """The response body as JSON when it is JSON, else as (truncated) text, else ``None``."""
    try:
        content = response.content
    except (requests.exceptions.RequestException, RuntimeError):
        return None
    if not content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    text = content.decode(response.encoding or "utf-8", errors="replace")
    return text if len(text) <= _MAX_TEXT_BODY else text[:_MAX_TEXT_BODY] + "..."
