"""Fault injection: make the next N matching requests fail the way networks and servers do.

A rule matches on method and path (an exact path, a regular expression, or any). While it has
uses left, each matching request consumes one use and gets the fault:

- ``status``: answered with that status (and ``body``/``headers``) without reaching the routes;
- ``reset``: the connection is reset (TCP RST) without an answer, without reaching the routes;
- ``delay``: the answer is sent ``delay`` seconds late (combinable with the others);
- ``truncate``: the request is handled, but the connection closes after half the body;
- ``malformed``: the request is handled, but the body is replaced by invalid JSON.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """One rule. ``times=None`` means forever; ``remaining`` counts down."""

    method: str | None
    path: str | re.Pattern[str] | None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] | None = None
    reset: bool = False
    delay: float = 0.0
    truncate: bool = False
    malformed: bool = False
    remaining: int | None = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.fullmatch(path) is not None
        return self.path == path

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


class Faults:
    """The fault rules of one server. Thread-safe; the first matching rule with uses left wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(
        self,
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        pattern: str | None = None,
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        reset: bool = False,
        delay: float = 0.0,
        truncate: bool = False,
        malformed: bool = False,
        times: int | None = 1,
    ) -> Fault:
        """Add a rule; ``pattern`` is a regular expression the whole path must match.

        Without ``status``, ``reset``, ``truncate`` or ``malformed`` the rule only delays.
        """
        if path is not None and pattern is not None:
            raise ValueError("give either path or pattern, not both")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        if not (status is not None or reset or truncate or malformed or delay > 0):
            raise ValueError("a fault needs status, reset, delay, truncate or malformed")
        if status is not None and body is None:
            body = {"detail": f"Injected fault: HTTP {status}"}
        fault = Fault(
            method=method,
            path=re.compile(pattern) if pattern is not None else path,
            status=status,
            body=body,
            headers=headers,
            reset=reset,
            delay=delay,
            truncate=truncate,
            malformed=malformed,
            remaining=times,
        )
        with self._lock:
            self._rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request (consuming one use), or None."""
        with self._lock:
            for fault in self._rules:
                if not fault.exhausted and fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        """Rules with uses left."""
        with self._lock:
            return [fault for fault in self._rules if not fault.exhausted]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
