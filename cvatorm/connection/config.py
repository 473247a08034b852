"""Client configuration: one immutable value object, validated when built.

``Config`` carries every knob the official cvat-sdk ``Config`` has (``status_check_period``,
``allow_unsupported_server``, ``verify_ssl``, ``cache_dir``) plus the transport's: timeouts,
so that no request can hang forever, and the retry policy. It is frozen so that a config shared
by several clients cannot be changed behind one of them; use :meth:`Config.replace` to derive.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvatorm.exceptions import ConfigurationError

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

    ``verify_ssl``: ``None`` keeps requests' default (verify, honouring ``REQUESTS_CA_BUNDLE``),
    ``False`` disables verification, ``True`` forces it; a path to a CA bundle is also accepted.

    ``connect_timeout``/``read_timeout`` (seconds) apply to every request that does not pass its
    own ``timeout``. ``max_retries`` is the number of *extra* attempts after the first one for
    idempotent requests that met a connection error, a 429 or a 502/503/504; the wait before
    retry ``n`` (0-based) is a random value in ``[0, min(backoff_cap, backoff_base * 2**n)]``
    ("full jitter"), or the server's ``Retry-After`` when it sent one, as long as that is at most
    ``max_retry_after``; a longer ``Retry-After`` ends the retries at once.
    """

    status_check_period: float = 5.0
    allow_unsupported_server: bool = True
    verify_ssl: bool | str | None = None
    cache_dir: Path = field(default_factory=default_cache_dir)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0
    user_agent: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        positive = {
            "status_check_period": self.status_check_period,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
        }
        for name, value in positive.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigurationError(f"Config.{name} must be a number > 0, not {value!r}")
        non_negative = {
            "backoff_base": self.backoff_base,
            "backoff_cap": self.backoff_cap,
            "max_retry_after": self.max_retry_after,
        }
        for name, value in non_negative.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(f"Config.{name} must be a number >= 0, not {value!r}")
        if (
            not isinstance(self.max_retries, int)
            or isinstance(self.max_retries, bool)
            or (self.max_retries < 0)
        ):
            raise ConfigurationError(
                f"Config.max_retries must be an int >= 0, not {self.max_retries!r}"
            )
        if self.verify_ssl is not None and not isinstance(self.verify_ssl, (bool, str)):
            raise ConfigurationError(
                "Config.verify_ssl must be None, a bool or a CA bundle path, "
                f"not {self.verify_ssl!r}"
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
