"""What a workload is: three prepared runs (floor, cvatorm, cvat-sdk) and its targets.

``prepare_<client>(ctx)`` does the untimed setup (for example loading the 500 jobs that
workload 6 then saves) and returns the function that is timed. It raises
:class:`Unavailable` when that client cannot run the workload (a cvatorm feature not there
yet, cvat-sdk not installed), which the report prints as "not available", never as a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome

Run = Callable[[], Outcome]

CLIENTS: tuple[str, ...] = ("floor", "cvatorm", "cvat-sdk")


class Unavailable(Exception):
    """This client cannot run this workload (yet); the message says why."""


@dataclass
class Target:
    """One target of the issue, judged after the workload ran: met, missed, or unknown."""

    text: str
    met: bool | None
    detail: str = ""


class Workload:
    key: str = ""
    title: str = ""
    #: Interleaved rounds (every client once per round); figures are medians. At least 3
    #: unless ``fixed_rounds`` (workloads whose rounds are costly, e.g. concurrent writers).
    repeats: int = 1
    fixed_rounds: bool = False
    #: Measure peak memory (a second, untimed pass under tracemalloc).
    memory: bool = True
    #: Which LocalCVAT it runs on: "main" (N tasks), "writes" (small), "latency".
    server: str = "main"
    #: The order in which the clients run.
    order: tuple[str, ...] = CLIENTS

    def prepare_floor(self, ctx: Context) -> Run:
        raise NotImplementedError

    def prepare_cvatorm(self, ctx: Context) -> Run:
        raise NotImplementedError

    def prepare_sdk(self, ctx: Context) -> Run:
        raise NotImplementedError

    def prepare(self, client: str, ctx: Context) -> Run:
        if client == "floor":
            return self.prepare_floor(ctx)
        if client == "cvatorm":
            if ctx.orm is None:
                raise Unavailable(f"cvatorm client: {ctx.orm_error}")
            return self.prepare_cvatorm(ctx)
        if client == "cvat-sdk":
            if ctx.sdk is None:
                raise Unavailable(f"cvat-sdk: {ctx.sdk_error}")
            return self.prepare_sdk(ctx)
        raise ValueError(client)

    def after(self, client: str, ctx: Context, m: Measurement) -> None:
        """Called after the timed run of ``client`` (before the memory pass)."""

    def describe(self, client: str, ctx: Context) -> str:
        """How this client does the workload, one line for the report."""
        return ""

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        return []

    def observations(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        """Findings worth printing that are neither targets nor harness problems."""
        return []

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        """Correctness problems (the clients disagree, an object is missing, ...)."""
        return []


def orm_models() -> tuple[Any, Any]:
    """``(Task, Job)`` from cvatorm, or :class:`Unavailable` if the models have not landed."""
    try:
        from cvatorm.models import Job, Task
    except Exception as error:  # ImportError, or a half-written module
        raise Unavailable(f"cvatorm.models: {type(error).__name__}: {error}") from None
    return Task, Job


def require(obj: object, *names: str) -> None:
    """:class:`Unavailable` unless ``obj`` has every attribute in ``names``."""
    missing = [name for name in names if not hasattr(obj, name)]
    if missing:
        raise Unavailable(f"{type(obj).__name__} has no {', '.join(missing)} yet")
