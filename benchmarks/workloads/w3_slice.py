"""Workload 3: twenty tasks from deep inside the listing, ``qs[k:k+20]``."""

from __future__ import annotations

from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Workload, orm_models

WIDTH = 20


def offset(ctx: Context) -> int:
    """Halfway down the listing, and not a multiple of the slice's width."""
    return ctx.data.total_tasks // 2 + 7


def one_page_size(start: int, stop: int) -> int:
    """The smallest page size whose one page holds ``[start:stop]``."""
    size = stop - start
    while start // size != (stop - 1) // size:
        size += 1
    return size


class DeepSlice(Workload):
    key = "3"
    title = "qs[k:k+20] deep in the listing"
    repeats = 3

    def prepare_floor(self, ctx: Context) -> Run:
        k = offset(ctx)
        size = one_page_size(k, k + WIDTH)

        def run() -> Outcome:
            page = ctx.floor.get("/api/tasks", page=k // size + 1, page_size=size)
            ids = [t["id"] for t in page["results"][k % size: k % size + WIDTH]]
            return Outcome(len(ids), ids)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()
        k = offset(ctx)

        def run() -> Outcome:
            ids = [task.id for task in task_model.objects.all()[k:k + WIDTH]]
            return Outcome(len(ids), ids)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk.core.proxies.tasks import Task

        client = ctx.sdk
        k = offset(ctx)

        def run() -> Outcome:
            # cvat-sdk has no slicing: the pages of size 20 that cover [k, k+20).
            entities: list[Any] = []
            for page in range(k // WIDTH + 1, (k + WIDTH - 1) // WIDTH + 2):
                data, _ = client.api_client.tasks_api.list(page=page, page_size=WIDTH)
                entities.extend(Task(client, m) for m in data.results)
            first = (k // WIDTH) * WIDTH
            ids = [t.id for t in entities[k - first: k - first + WIDTH]]
            return Outcome(len(ids), ids)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        k = offset(ctx)
        if client == "floor":
            return f"k={k}: one GET with page_size={one_page_size(k, k + WIDTH)}"
        if client == "cvatorm":
            return f"list(Task.objects.all()[{k}:{k + WIDTH}])"
        return "tasks_api.list(page=p, page_size=20) for the pages covering the slice"

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        digests = {c: m.outcome.digest for c, m in results.items()
                   if m.available and m.error is None and m.outcome}
        if len({tuple(d) for d in digests.values()}) > 1:
            return [f"the clients returned different slices: {digests}"]
        return []

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm = results.get("cvatorm")
        if not (orm and orm.available and orm.error is None):
            return [Target("(3) one request", None, "cvatorm not available")]
        return [Target("(3) one request", orm.total_requests == 1,
                       f"{orm.total_requests} requests ({dict(orm.requests)})")]
