"""HTTP mechanics: one ``requests.Session``, timeouts, deadlines, retries, redirects, error
mapping, safe logging.

The transport knows nothing of CVAT's resources, organizations or login. It sends a request to
an absolute URL and either returns a successful response or raises a ``CvatOrmError``:

- ``ApiException.for_status(status)`` for an error status (after retries, for retryable ones),
  carrying the status, reason, parsed body, response headers (secret ones masked), method and
  URL;
- ``RedirectError`` for a redirect it does not follow (see "Redirects" in
  docs/reference/errors.md: only
  ``GET``/``HEAD``/``OPTIONS`` to the same origin and the same resource are followed, so
  credentials never leave the origin, are never sent over a downgrade, an unsafe request is
  never replayed elsewhere, and another resource's answer is never taken for the one asked for);
- ``MalformedResponseError`` when a success answer is not what CVAT's API sends (an HTML page;
  a body that is not the JSON its ``Content-Type`` announces, e.g. cut short); idempotent
  requests are retried first;
- ``DeadlineExceededError`` when the whole call (connect, send, every byte of the answer,
  retries and waits) passed ``Config.request_deadline`` (``download_deadline`` for streamed
  answers), enforced by :mod:`cvatorm.connection.deadline`;
- ``TransportError`` when the server could not be reached (connection refused, DNS, timeouts,
  broken connections), after the retries the :class:`RetryPolicy` allows.

A ``DELETE`` whose first reply was lost (a broken connection, a gateway error, an answer that
was not CVAT's) and whose retry finds the object gone (404) succeeded: the retry's 404 is
answered as a ``204`` instead of raised.

Every request gets a timeout (the config's ``(connect, read)`` unless the caller passes one) and
a deadline, so none can hang forever. Log lines, exception messages and ``repr()`` go through
the redaction module, so no secret the client handles appears in them; secret cookies the server
sets (a rotated CSRF token, a new session id) are learned as they arrive.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import IO, Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from cvatorm._version import __version__
from cvatorm.connection.config import Config
from cvatorm.connection.deadline import WATCHDOG, DeadlineAdapter, Watch
from cvatorm.connection.redaction import (
    MASK,
    Redactor,
    install_library_log_filter,
    is_secret_name,
    redact_query_in_text,
    redact_url,
    track,
)
from cvatorm.connection.retry import REFUSED_STATUSES, RetryPolicy
from cvatorm.exceptions import (
    ApiException,
    DeadlineExceededError,
    InvalidHostException,
    MalformedResponseError,
    RedirectError,
    TransportError,
)
from cvatorm.wire.listing import readable_query

__all__ = ["CheckedResponse", "Timeout", "Transport", "parse_body"]

Timeout = float | tuple[float, float]

_RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_MAX_LOGGED_BODY = 1000
_MAX_TEXT_BODY = 2000
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 3
_HTML_TYPES = ("text/html", "application/xhtml")
_MAY_HAVE_APPLIED = "the server may have applied it: check before sending it again"
#: Statuses after which a DELETE may already have been carried out (a gateway answering for a
#: server that did the work, or the server failing after it); 429 and 503 refuse up front.
_MAYBE_APPLIED_STATUSES = frozenset({500, 502, 504})


class ShownUrl:
    """A request's URL as it is safe to show (query included, secrets masked), formatted the
    first time a log line or an error message needs it: building it costs a prepared request
    and two scrubbing passes, which a request that logs nothing and succeeds must not pay."""

    __slots__ = ("_params", "_redactor", "_text", "_url")

    def __init__(self, url: str, params: Any, redactor: Redactor) -> None:
        self._url = url
        self._params = params
        self._redactor = redactor
        self._text: str | None = None

    def __str__(self) -> str:
        text = self._text
        if text is None:
            url = self._url
            if self._params:
                try:
                    url = requests.Request("GET", url, params=self._params).prepare().url or url
                except requests.exceptions.RequestException:
                    pass
                else:  # shown decoded: filter={"==":[{"var":"name"},"a b"]}, not %7B%22...
                    parts = urlsplit(url)
                    query = readable_query(parse_qsl(parts.query, keep_blank_values=True))
                    url = parts._replace(query=query).geturl()
            text = self._text = self._redactor.scrub(redact_url(url))
        return text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(str(self))


class _Where:
    """``"<METHOD> <shown url>"``, formatted only when printed."""

    __slots__ = ("method", "url")

    def __init__(self, method: str, url: ShownUrl) -> None:
        self.method = method
        self.url = url

    def __str__(self) -> str:
        return f"{self.method} {self.url}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class CheckedResponse(requests.Response):
    """The ``requests.Response`` the transport returns.

    ``json()`` raises :class:`~cvatorm.exceptions.MalformedResponseError` (a ``ValueError`` too)
    instead of ``requests``' ``JSONDecodeError``, and returns the document the transport already
    parsed to check the body (once; later calls parse again, so callers never share one
    mutable object). ``deadline_exceeded`` tells whether a streamed body was cut by the
    deadline. ``close()`` ends the deadline watch of a streamed answer.
    """

    _cvatorm_parsed: Any
    _cvatorm_has_parsed: bool
    _cvatorm_watch: Watch | None
    _cvatorm_where: object

    @classmethod
    def adopt(cls, response: requests.Response, where: object) -> CheckedResponse:
        """``response`` as a ``CheckedResponse``; ``where`` (``"GET <url>"``, formatted only
        when an error message needs it) names the request in those messages."""
        response.__class__ = cls
        checked: CheckedResponse = response  # type: ignore[assignment]
        checked._cvatorm_has_parsed = False
        checked._cvatorm_parsed = None
        checked._cvatorm_watch = None
        checked._cvatorm_where = where
        return checked

    def json(self, **kwargs: Any) -> Any:
        if self._cvatorm_has_parsed and not kwargs:
            self._cvatorm_has_parsed = False
            parsed, self._cvatorm_parsed = self._cvatorm_parsed, None
            return parsed
        try:
            return super().json(**kwargs)
        except ValueError:
            raise MalformedResponseError(
                f"{self._cvatorm_where} answered {self.status_code} with a body that is not "
                f"JSON (Content-Type {self.headers.get('Content-Type')!r}, "
                f"{len(self.content)} bytes)"
            ) from None

    @property
    def deadline_exceeded(self) -> bool:
        return self._cvatorm_watch is not None and self._cvatorm_watch.fired

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._cvatorm_watch is not None:
                WATCHDOG.finish(self._cvatorm_watch)


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


class _Attempt(Exception):
    """An attempt that failed in a way a retry may cure (raised and caught inside ``send``)."""

    def __init__(
        self, error: Exception, *, maybe_applied: bool, headers: Any = None, refused: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.maybe_applied = maybe_applied
        self.headers = headers
        #: The server refused the request before doing anything (a 429): safe to resend
        #: whatever the method.
        self.refused = refused


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
        self.session.mount("http://", DeadlineAdapter())
        self.session.mount("https://", DeadlineAdapter())
        # Redirects are never followed by requests itself (allow_redirects=False): _follow().
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
    ) -> CheckedResponse:
        """Send one request (retrying when allowed); return a response with status < 400.

        With ``check_status=False`` an error response (after the retries it allows) is returned
        instead of raised: the low-level API's ``_check_status=False``.
        """
        method = method.upper()
        timeout = self.config.timeout if timeout is None else timeout
        rewinder = _Rewinder(data, files)
        may_retry = self.retry.allows_method(method)
        shown_url = self._show_url(url, params)
        limit = self.config.download_deadline if stream else self.config.request_deadline
        started = time.monotonic()
        deadline = None if limit is None else started + limit
        maybe_applied = False
        attempt = 0
        retries = 0  # retries counted against max_retries
        throttled = 0.0  # seconds waited on the server's throttle (429 with Retry-After)
        while True:
            if attempt:
                rewinder.rewind()
            failed: _Attempt | None = None
            try:
                response = self._attempt(
                    method, url, shown_url, attempt, deadline, limit,
                    params=params, json=json, data=data, files=files, headers=headers,
                    timeout=timeout, stream=stream,
                )  # fmt: skip
            except _Attempt as caught:
                failed = caught
            if failed is None:
                if method == "DELETE" and maybe_applied and response.status_code == 404:
                    return self._deleted_earlier(response, shown_url)
                if response.status_code >= 400 and check_status:
                    raise self._error(method, shown_url, response)
                return response
            maybe_applied = maybe_applied or failed.maybe_applied
            retry_this = rewinder.retryable and (may_retry or failed.refused)
            wait = None
            if retry_this and failed.refused:
                # A throttle that names its wait is waited out beyond max_retries (other
                # clients of the same address may take each freed slot first), as long as
                # the waits add up to at most max_retry_after.
                wait = self.retry.throttled_wait(throttled, failed.headers)
            counted = wait is None
            if wait is None and retry_this:
                wait = self.retry.wait_before(retries, failed.headers)
            if wait is not None and deadline is not None and time.monotonic() + wait >= deadline:
                wait = None  # no time left for another attempt: report this failure
            if wait is None:
                return self._give_up(
                    method, shown_url, attempt, failed.error, check_status, maybe_applied
                )
            reason = str(failed.error)
            if not reason.startswith(method):
                reason = f"{method} {shown_url}: {reason}"
            if counted:
                retries += 1
                self.logger.warning(
                    "%s; retry %d/%d in %.2fs", reason, retries, self.retry.max_retries, wait
                )
            else:
                throttled += wait
                self.logger.warning("%s; throttled: again in %.2fs", reason, wait)

            if wait > 0:
                self._sleep(wait)
            attempt += 1

    def _give_up(
        self,
        method: str,
        shown_url: ShownUrl,
        attempt: int,
        error: Exception,
        check_status: bool,
        maybe_applied: bool,
    ) -> CheckedResponse:
        """The last failure, raised (or, an error status with ``check_status=False``, returned)."""
        if isinstance(error, ApiException):
            raw = getattr(error, "_cvatorm_response", None)
            if not check_status and raw is not None:
                return CheckedResponse.adopt(raw, _Where(method, shown_url))
            raise error
        if isinstance(error, MalformedResponseError) or not isinstance(error, TransportError):
            raise error
        note = "" if method in _SAFE_METHODS or not maybe_applied else f"; {_MAY_HAVE_APPLIED}"
        raise TransportError(
            f"{method} {shown_url} failed after {attempt + 1} attempt(s): {error}{note}"
        ) from error.__cause__

    def _attempt(
        self,
        method: str,
        url: str,
        shown_url: ShownUrl,
        attempt: int,
        deadline: float | None,
        limit: float | None,
        *,
        params: Any,
        json: Any,
        data: Any,
        files: Any,
        headers: Mapping[str, str] | None,
        timeout: Timeout,
        stream: bool,
    ) -> CheckedResponse:
        """One attempt, redirects it may follow included. Returns a success or final error
        response; raises ``_Attempt`` for failures a retry may cure, a ``CvatOrmError`` for
        the others."""
        self._log_request(method, shown_url, json, attempt)
        watch = None
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._deadline_error(method, shown_url, limit, stream)
            watch = WATCHDOG.watch(remaining)
            timeout = _clip(timeout, remaining)
        keep_watch = False
        sent_at = time.monotonic()
        try:
            target = url
            hops = 0
            while True:
                try:
                    response = self.session.request(
                        method,
                        target,
                        params=params if hops == 0 else None,
                        json=json,
                        data=data,
                        files=files,
                        headers=dict(headers) if headers else None,
                        timeout=timeout,
                        stream=stream,
                        allow_redirects=False,
                        verify=self.session.verify,
                    )
                except requests.exceptions.SSLError as exc:
                    if watch is not None and watch.fired:
                        raise self._deadline_error(method, shown_url, limit, stream) from exc
                    # A certificate problem does not heal by retrying.
                    raise TransportError(
                        f"{method} {shown_url} failed: {self._describe(exc)} "
                        "(see Config.verify_ssl to use another CA bundle or disable verification)"
                    ) from exc
                except requests.exceptions.InvalidURL as exc:
                    raise InvalidHostException(
                        self.redactor.scrub(f"invalid URL {shown_url}: {type(exc).__name__}")
                    ) from None
                except requests.exceptions.ContentDecodingError as exc:
                    # A compressed body that does not decompress: corrupted on the way.
                    raise _Attempt(
                        MalformedResponseError(
                            f"{method} {shown_url}: the answer's compressed body is corrupt "
                            f"({self._describe(exc)}); " + _applied_note(method)
                        ),
                        maybe_applied=True,
                    ) from exc
                except _RETRYABLE_ERRORS as exc:
                    if watch is not None and watch.fired:
                        raise self._deadline_error(method, shown_url, limit, stream) from exc
                    error = TransportError(self._describe(exc))
                    error.__cause__ = exc
                    raise _Attempt(error, maybe_applied=_maybe_sent(exc)) from exc
                except requests.exceptions.RequestException as exc:
                    raise TransportError(
                        f"{method} {shown_url} failed: {self._describe(exc)}"
                    ) from exc
                self._learn_cookies()
                self.logger.debug(
                    "%s %s -> %d %s (%.3fs)",
                    method, shown_url, response.status_code, response.reason,
                    time.monotonic() - sent_at,
                )  # fmt: skip
                if response.status_code in _REDIRECT_STATUSES:
                    sent_to = response.request.url or target  # with the query it was sent with
                    target = self._follow(method, sent_to, response, shown_url, hops)
                    response.close()
                    hops += 1
                    continue
                break
            checked = CheckedResponse.adopt(response, _Where(method, shown_url))
            status = response.status_code
            if status >= 400:
                if self.retry.retries_status(method, status):
                    api_error = self._error(method, shown_url, response)
                    api_error._cvatorm_response = response  # type: ignore[attr-defined]
                    raise _Attempt(
                        api_error,
                        maybe_applied=status in _MAYBE_APPLIED_STATUSES,
                        headers=response.headers,
                        refused=status in REFUSED_STATUSES,
                    )
                return checked
            self._check_success(method, shown_url, checked, stream)
            if stream and watch is not None:
                checked._cvatorm_watch = watch
                WATCHDOG.detach()
                keep_watch = True
            return checked
        finally:
            if watch is not None and not keep_watch:
                WATCHDOG.finish(watch)

    def _check_success(
        self, method: str, shown_url: ShownUrl, response: CheckedResponse, stream: bool
    ) -> None:
        """Refuse a success answer CVAT's API would not send (raises ``_Attempt``)."""
        content_type = response.headers.get("Content-Type", "").lower()
        if content_type.startswith(_HTML_TYPES):
            response.close()
            raise _Attempt(
                MalformedResponseError(
                    f"{method} {shown_url} answered {response.status_code} with an HTML page, "
                    "not CVAT's API (a proxy, a login portal or another web server?); "
                    + _applied_note(method)
                ),
                maybe_applied=True,
            )
        if stream or "json" not in content_type or method == "HEAD":
            return
        content = response.content
        if not content.strip():
            return
        try:
            response._cvatorm_parsed = jsonlib.loads(content)
        except ValueError:
            raise _Attempt(
                MalformedResponseError(
                    f"{method} {shown_url} answered {response.status_code} with a body that "
                    f"is not valid JSON ({len(content)} bytes; cut short?); "
                    + _applied_note(method)
                ),
                maybe_applied=True,
            ) from None
        response._cvatorm_has_parsed = True

    def _follow(
        self, method: str, current: str, response: requests.Response, shown_url: ShownUrl, hops: int
    ) -> str:
        """Where to go for a redirect this policy follows; raise ``RedirectError`` otherwise."""
        location = response.headers.get("Location")
        target = urljoin(current, location) if location else None
        reason = None
        if target is None:
            reason = "without a Location"
        elif method not in _SAFE_METHODS:
            reason = f"for {method}, an unsafe method (it is never replayed elsewhere)"
        elif hops >= _MAX_REDIRECTS:
            reason = f"more than {_MAX_REDIRECTS} times"
        else:
            here, there = urlsplit(current), urlsplit(target)
            if (there.scheme, there.netloc.lower()) != (here.scheme, here.netloc.lower()):
                downgrade = here.scheme == "https" and there.scheme != "https"
                reason = (
                    "over a downgrade from https to http" if downgrade
                    else "to another origin (credentials never leave the server's origin)"
                )  # fmt: skip
            elif there.path.rstrip("/") != here.path.rstrip("/") or there.query != here.query:
                reason = "to another resource (its answer is not the object asked for)"
        if reason is None:
            assert target is not None
            self.logger.debug(
                "following %d to %s", response.status_code, self.redactor.scrub(redact_url(target))
            )
            return target
        shown_target = self.redactor.scrub(redact_url(target)) if target else None
        headers = self._safe_headers(response.headers)
        response.close()
        raise RedirectError(
            response.status_code,
            response.reason or "",
            f"redirected {reason}"
            + (f" to {shown_target}" if shown_target else "")
            + "; not followed. If the server moved, connect to the new address",
            headers=headers,
            method=method,
            url=str(shown_url),
        )

    def _deleted_earlier(self, response: requests.Response, shown_url: ShownUrl) -> CheckedResponse:
        """The 404 of a DELETE retried after its first reply was lost: the first attempt did
        the delete. Answer what the server would have: 204, no body."""
        self.logger.info(
            "DELETE %s: gone on retry; the earlier attempt whose reply was lost deleted it",
            shown_url,
        )
        done = requests.Response()
        done.status_code = 204
        done.reason = "No Content (deleted by an earlier attempt whose reply was lost)"
        done.url = response.url
        done.request = response.request
        done.headers = response.headers
        done._content = b""
        response.close()
        return CheckedResponse.adopt(done, _Where("DELETE", shown_url))

    def _deadline_error(
        self, method: str, shown_url: ShownUrl, limit: float | None, stream: bool
    ) -> DeadlineExceededError:
        knob = "download_deadline" if stream else "request_deadline"
        return DeadlineExceededError(
            f"{method} {shown_url} did not complete within its {limit}s deadline "
            f"(Config.{knob}); the server or the network is too slow"
            + ("" if method in _SAFE_METHODS else f"; {_MAY_HAVE_APPLIED}")
        )

    def _learn_cookies(self) -> None:
        """Remember the values of secret cookies (``sessionid``, a rotated ``csrftoken``)."""
        for cookie in self.session.cookies:
            if cookie.value and is_secret_name(cookie.name):
                self.redactor.add(cookie.value)

    # ------------------------------------------------------------------ formatting

    def _show_url(self, url: str, params: Any) -> ShownUrl:
        """The URL as it is safe to show (with the query, secret values masked), lazily."""
        return ShownUrl(url, params, self.redactor)

    def _describe(self, exc: BaseException) -> str:
        return self.redactor.scrub(redact_query_in_text(f"{type(exc).__name__}: {exc}"))

    def _log_request(self, method: str, shown_url: ShownUrl, json: Any, attempt: int) -> None:
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

    def _safe_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers as they may be shown: secret-named ones masked, known secrets scrubbed from
        the others' values."""
        return {
            k: (MASK if is_secret_name(k) else self.redactor.scrub(str(v)))
            for k, v in headers.items()
        }

    def _error(self, method: str, shown_url: ShownUrl, response: requests.Response) -> ApiException:
        body = parse_body(response, scrub=self.redactor.scrub)
        body = self.redactor.scrub_data(body, mask_names=False)
        cls = ApiException.for_status(response.status_code)
        error = cls(
            response.status_code,
            self.redactor.scrub(response.reason or ""),
            body,
            headers=self._safe_headers(response.headers),
            method=method,
            url=str(shown_url),
        )
        if method not in _SAFE_METHODS and response.status_code in _MAYBE_APPLIED_STATUSES:
            # A gateway error (or a crash) says nothing of whether the work was done.
            error.args = (f"{error.args[0]}; {_MAY_HAVE_APPLIED}",)
        return error


def _clip(timeout: Timeout, remaining: float) -> Timeout:
    """``timeout`` with no part longer than ``remaining`` seconds (at least a millisecond)."""
    bound = max(remaining, 0.001)
    if isinstance(timeout, tuple):
        return (min(timeout[0], bound), min(timeout[1], bound))
    return min(timeout, bound)


def _maybe_sent(exc: BaseException) -> bool:
    """Could the server have received (and acted on) the request before ``exc``? Only a
    failure to connect proves it did not."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    text = repr(exc)
    return not ("NewConnectionError" in text or "Failed to establish" in text)


def _applied_note(method: str) -> str:
    if method in _SAFE_METHODS:
        return "retried when attempts are left"
    if method in ("PUT", "DELETE"):
        return "retried when attempts are left (the server may have applied it)"
    return f"not retried: {_MAY_HAVE_APPLIED}"


def parse_body(response: requests.Response, scrub: Callable[[str], str] | None = None) -> Any:
    """The response body as JSON when it is JSON, else as text (scrubbed by ``scrub`` before it
    is cut to a readable length, so no secret survives in part), else ``None``."""
    try:
        content = response.content
    except (requests.exceptions.RequestException, RuntimeError):
        return None
    if not content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return jsonlib.loads(content)
        except ValueError:
            pass
    text = content.decode(response.encoding or "utf-8", errors="replace")
    if scrub is not None:
        text = scrub(text)
    return text if len(text) <= _MAX_TEXT_BODY else text[:_MAX_TEXT_BODY] + "..."
