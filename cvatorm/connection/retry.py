"""When to retry a request, and how long to wait first: pure policy, no I/O.

Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are retried on connection errors,
timeouts, 429 and 502/503/504. POST and PATCH are never retried blindly: a POST that timed out
may have created the object, and sending it again would create a second one. The one exception
is a 429: the server's throttle refuses a request before any of its work (CVAT's
``AnonRateThrottle`` answers ``POST /api/auth/login`` so, 100 a minute per address), so any
method is sent again after the wait it names.

Waits use exponential backoff with "full jitter" (a uniform random value between 0 and the
exponential bound), so that many clients failing together do not come back in lockstep; a
``Retry-After`` from the server replaces the computed wait (plus a random fraction of a second:
the header holds whole seconds, often truncated).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cvatorm.exceptions import seconds_from_retry_after

__all__ = [
    "IDEMPOTENT_METHODS",
    "REFUSED_STATUSES",
    "RETRY_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Statuses that say the request was refused before the server did anything: retried whatever
#: the method (when the policy retries the status at all).
REFUSED_STATUSES = frozenset({429})


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or ``None``."""
    return seconds_from_retry_after(value, now=now)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` extra attempts; waits bounded by ``backoff_cap`` and ``max_retry_after``."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0
    methods: frozenset[str] = IDEMPOTENT_METHODS
    statuses: frozenset[int] = RETRY_STATUSES
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def allows_method(self, method: str) -> bool:
        return method.upper() in self.methods

    def retries_status(self, method: str, status: int) -> bool:
        if status not in self.statuses:
            return False
        return status in REFUSED_STATUSES or self.allows_method(method)

    def backoff(self, retry_number: int) -> float:
        """The jittered wait before retry ``retry_number`` (0 for the first retry)."""
        bound = min(self.backoff_cap, self.backoff_base * (2**retry_number))
        return self.rng.uniform(0.0, bound)

    def throttled_wait(
        self, waited: float, headers: Mapping[str, str] | None = None
    ) -> float | None:
        """How long to wait out a throttle (a 429) that says how long (``Retry-After``), not
        counted against ``max_retries``; ``None`` without the header, or when the waits would
        add up to more than ``max_retry_after``."""
        retry_after = parse_retry_after((headers or {}).get("Retry-After"))
        if retry_after is None or waited + retry_after > self.max_retry_after:
            return None
        return retry_after + self.rng.uniform(0.0, 1.0)

    def wait_before(
        self, retry_number: int, headers: Mapping[str, str] | None = None
    ) -> float | None:
        """How long to wait before retry ``retry_number``, or ``None`` to stop retrying.

        ``None`` when the retries are used up, or when the server asks (``Retry-After``) for a
        longer wait than ``max_retry_after``: then failing now beats blocking for minutes.
        """
        if retry_number >= self.max_retries:
            return None
        retry_after = parse_retry_after((headers or {}).get("Retry-After"))
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            # Up to a second more: delta-seconds are whole and servers truncate them (Django
            # REST framework sends '%d' of 4.7 s as 4, so a retry after 4 s is throttled
            # again), and a random fraction keeps throttled clients from returning together.
            return retry_after + self.rng.uniform(0.0, 1.0)
        return self.backoff(retry_number)
