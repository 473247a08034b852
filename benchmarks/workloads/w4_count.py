"""Workload 4: ``count()`` of all tasks."""

from __future__ import annotations

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Workload, orm_models


class Count(Workload):
    key = "4"
    title = "count()"
    repeats = 3

    def prepare_floor(self, ctx: Context) -> Run:
        def run() -> Outcome:
            count = ctx.floor.get("/api/tasks", page_size=1)["count"]
            return Outcome(1, count)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()

        def run() -> Outcome:
            return Outcome(1, task_model.objects.count())

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        client = ctx.sdk

        def run() -> Outcome:
            data, _ = client.api_client.tasks_api.list(page_size=1)
            return Outcome(1, data.count)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        return {"floor": "GET ?page_size=1, read count", "cvatorm": "Task.objects.count()"}.get(
            client, "tasks_api.list(page_size=1).count")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        return [f"{c} counted {m.outcome.digest}, expected {ctx.data.total_tasks}"
                for c, m in results.items()
                if m.available and m.error is None and m.outcome
                and m.outcome.digest != ctx.data.total_tasks]

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm = results.get("cvatorm")
        if not (orm and orm.available and orm.error is None):
            return [Target("(4) one request", None, "cvatorm not available")]
        return [Target("(4) one request", orm.total_requests == 1,
                       f"{orm.total_requests} requests ({dict(orm.requests)})")]
