"""Keep secrets out of logs, ``repr()``s and exception messages.

Two complementary mechanisms, because neither alone is enough:

- structural: headers that carry secrets (``Authorization``, ``Cookie``, ``Set-Cookie``,
  ``X-CSRFToken``...) and query parameters or JSON keys with secret-sounding names are masked
  wherever cvatorm formats a request for a human;
- by value: a :class:`Redactor` remembers every secret this client handled (the password, the
  token, the session and CSRF cookie values) and scrubs them from any text, so a secret that
  turns up somewhere unexpected (an error body, a library's exception text) is still masked.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

__all__ = [
    "MASK",
    "Redactor",
    "install_library_log_filter",
    "is_secret_name",
    "redact_headers",
    "redact_query_in_text",
    "redact_url",
    "track",
]

MASK = "***"

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-csrftoken"}
)
_SECRET_NAME = re.compile(
    r"pass(word)?|passwd|secret|token|csrf|session|api[_-]?key|^key$|signature|^sig$",
    re.IGNORECASE,
)
# Secrets shorter than this are not scrubbed by value: masking every "a" in a text would make
# messages unreadable, and such values are not worth protecting this way anyway.
_MIN_SECRET_LENGTH = 4


def is_secret_name(name: str) -> bool:
    """Does a header, query parameter or JSON key name suggest a secret value?"""
    return name.lower() in SECRET_HEADERS or bool(_SECRET_NAME.search(name))


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``headers`` with secret-bearing values masked."""
    return {k: (MASK if is_secret_name(k) else v) for k, v in headers.items()}


_QUERY_PARAM = re.compile(r"(?P<pre>[?&](?P<name>[^=&\s\"'#?]+)=)(?P<value>[^&\s\"'#]*)")


def redact_query_in_text(text: str) -> str:
    """Mask secret-named query parameter values in URLs embedded anywhere in ``text``."""

    def replace(match: re.Match[str]) -> str:
        if is_secret_name(match["name"]):
            return match["pre"] + MASK
        return match[0]

    return _QUERY_PARAM.sub(replace, text)


def redact_url(url: str) -> str:
    """``url`` with user info and secret-named query parameter values masked."""
    scheme, sep, rest = url.partition("://")
    if sep:
        netloc, slash, tail = rest.partition("/")
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
        url = f"{scheme}{sep}{netloc}{slash}{tail}"
    return redact_query_in_text(url)


class Redactor:
    """Remembers secret values and removes them from text and JSON-like data."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember ``secret`` (ignored when empty or too short to scrub meaningfully), and the
        forms it takes in other texts: without surrounding whitespace (a token read from a
        file), escaped as ``repr()`` shows it (a library quoting a bad header value), and
        percent-encoded (a URL)."""
        if not secret:
            return
        forms = {secret, secret.strip(), repr(secret)[1:-1], quote(secret, safe="")}
        with self._lock:
            self._secrets.update(f for f in forms if len(f) >= _MIN_SECRET_LENGTH)

    def __len__(self) -> int:
        return len(self._secrets)

    def scrub(self, text: str) -> str:
        """``text`` with every remembered secret (longest first) replaced by ``***``."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def scrub_data(self, data: Any, *, mask_names: bool = True) -> Any:
        """A copy of JSON-like ``data`` with remembered values masked.

        With ``mask_names`` (for request bodies we log) values under secret-named keys are
        masked too; without it (for error bodies, whose ``{"password": ["too short"]}`` a user
        needs to read) only remembered values are.
        """
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, Mapping):
            return {
                k: (
                    MASK
                    if mask_names and isinstance(k, str) and is_secret_name(k)
                    else self.scrub_data(v, mask_names=mask_names)
                )
                for k, v in data.items()
            }
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(v, mask_names=mask_names) for v in data]
        return data

    def __repr__(self) -> str:
        return f"<Redactor: {len(self)} secret(s)>"


# Redactors of live clients: the filter on third-party loggers scrubs their secrets too.
_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()


def track(redactor: Redactor) -> None:
    """Let the library log filter scrub ``redactor``'s secrets while it is alive."""
    _LIVE.add(redactor)


class _LibraryLogFilter(logging.Filter):
    """Scrubs records of HTTP libraries we do not control (urllib3 logs each request line,
    query string included, at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact_query_in_text(message)
        for redactor in list(_LIVE):
            cleaned = redactor.scrub(cleaned)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


_FILTER = _LibraryLogFilter()
_LIBRARY_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


def install_library_log_filter() -> None:
    """Attach the scrubbing filter to urllib3's loggers (once; idempotent)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
