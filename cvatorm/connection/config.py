"""Client configuration: one immutable value object, validated when built.

``Config`` carries every knob the official cvat-sdk ``Config`` has (``status_check_period``,
``allow_unsupported_server``, ``verify_ssl``, ``cache_dir``) plus the transport's: timeouts,
so that no request can hang forever, and the retry policy. It is frozen so that a config shared
by several clients cannot be changed behind one of them; use :meth:`Config.replace` to derive.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvatorm.exceptions import ConfigurationError, InvalidArgumentError

__all__ = ["Config", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``<user cache>/cvatorm``, following each platform's convention (no platformdirs needed)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cvatorm"


@dataclass(frozen=True)
class Config:
    """How a :class:`~cvatorm.connection.Client` behaves.

    ``cache_dir`` keeps, between processes, the capabilities of servers whose version cvatorm
    does not bundle (one small JSON file per server and version under ``capabilities/``; see
    docs/internals/capabilities-cache.md). It is created when first needed; a directory that
    cannot be written is ignored.

    ``status_check_period`` is the longest pause between two polls of a background request:
    waits start at 0.05 s and back off to it (:mod:`cvatorm.connection.background`).

    ``verify_ssl``: ``None`` keeps requests' default (verify, honouring ``REQUESTS_CA_BUNDLE``),
    ``False`` disables verification, ``True`` forces it; a path to a CA bundle is also accepted.
    An explicit value wins over ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``.

    ``connect_timeout``/``read_timeout`` (seconds) apply to every request that does not pass its
    own ``timeout``: they bound each wait for the network (to connect, for the next bytes).
    ``request_deadline`` (default 600 s) bounds one whole call: connecting, sending, the answer
    and every byte of its body, retries and their waits included, so that a server dripping
    one byte at a time cannot hold a call forever; ``download_deadline`` (default 3600 s) does
    the same for streamed downloads (exports, backups, frames), whose bodies may be large.
    ``None`` disables either. ``background_timeout`` (default 3600 s) bounds waiting for a
    background request (``/api/requests/<id>``) when the call gives no ``timeout`` of its own.

    ``max_retries`` is the number of *extra* attempts after the first one for idempotent
    requests that met a connection error, a 429 or a 502/503/504, or an answer that was not
    CVAT's (a malformed body, an HTML page); the wait before retry ``n`` (0-based) is a random
    value in ``[0, min(backoff_cap, backoff_base * 2**n)]`` ("full jitter"), or the server's
    ``Retry-After`` when it sent one, as long as that is at most ``max_retry_after``; a longer
    ``Retry-After`` ends the retries at once. A 429 (any method: a throttle refuses before any
    work) that names its wait is waited out without counting against ``max_retries``, while
    those waits add up to at most ``max_retry_after``.

    Every field is checked when the config is built: a wrong type or value is an
    :class:`~cvatorm.exceptions.InvalidArgumentError` naming the field, the value and what is
    allowed.
    """

    status_check_period: float = 5.0
    allow_unsupported_server: bool = True
    verify_ssl: bool | str | None = None
    cache_dir: Path = field(default_factory=default_cache_dir)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    request_deadline: float | None = 600.0
    download_deadline: float | None = 3600.0
    background_timeout: float | None = 3600.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0
    user_agent: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.cache_dir, (str, os.PathLike)) or not str(self.cache_dir):
            raise InvalidArgumentError(
                "Config.cache_dir", self.cache_dir, "a non-empty str or os.PathLike path"
            )
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        for name in ("status_check_period", "connect_timeout", "read_timeout"):
            _check_number(name, getattr(self, name), positive=True)
        for name in ("request_deadline", "download_deadline", "background_timeout"):
            if getattr(self, name) is not None:
                _check_number(name, getattr(self, name), positive=True, what="None or ")
        for name in ("backoff_base", "backoff_cap", "max_retry_after"):
            _check_number(name, getattr(self, name), positive=False)
        if (
            not isinstance(self.max_retries, int)
            or isinstance(self.max_retries, bool)
            or self.max_retries < 0
        ):
            raise InvalidArgumentError("Config.max_retries", self.max_retries, "an int >= 0")
        if not isinstance(self.allow_unsupported_server, bool):
            raise InvalidArgumentError(
                "Config.allow_unsupported_server", self.allow_unsupported_server, "True or False"
            )
        if self.verify_ssl is not None and not isinstance(self.verify_ssl, (bool, str)):
            raise InvalidArgumentError(
                "Config.verify_ssl", self.verify_ssl, "None, True, False or a CA bundle path (str)"
            )
        if isinstance(self.verify_ssl, str) and not self.verify_ssl.strip():
            raise InvalidArgumentError(
                "Config.verify_ssl", self.verify_ssl, "None, True, False or a CA bundle path"
            )
        if not isinstance(self.user_agent, str) or any(ch in self.user_agent for ch in "\r\n\0"):
            raise InvalidArgumentError(
                "Config.user_agent", self.user_agent, "a str without line breaks ('' = default)"
            )

    @property
    def timeout(self) -> tuple[float, float]:
        """The default ``(connect, read)`` timeout, in the form requests takes."""
        return (float(self.connect_timeout), float(self.read_timeout))

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (unknown names are a ``ConfigurationError``)."""
        return Config.from_options(dataclasses.asdict(self) | changes)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Config:
        """Build from keyword options, as ``connect(**config)`` receives them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigurationError(
                f"unknown configuration option(s): {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**options)


def _check_number(name: str, value: Any, *, positive: bool, what: str = "") -> None:
    """A finite int or float, > 0 (``positive``) or >= 0; else ``InvalidArgumentError``."""
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value >= 0)
    )
    if not ok:
        bound = "> 0" if positive else ">= 0"
        raise InvalidArgumentError(f"Config.{name}", value, f"{what}a finite number {bound}")
