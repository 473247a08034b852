"""Workloads 9 and 10: what a short script pays, from connecting to its exit.

Both run on a server that serves its schema (``/api/schema/``, 0.65 MB) as slowly as the real
CVAT 2.64 does (``--schema-delay``, 0.5 s by default; the real server, idle, takes 0.45-0.6 s),
with a fresh client per run: nothing cached in the process.

- 9: connect, then one query (a ``count()``): the cost of starting, alone.
- 10: connect, then walk every task reading its id: a script's whole life.
"""

from __future__ import annotations

from typing import Any

from benchmarks.clients import Context, Floor
from benchmarks.measure import Measurement, Outcome
from benchmarks.server import PASSWORD, USERNAME
from benchmarks.workloads.base import Run, Target, Workload, orm_models

ALIAS = "bench-cold"


def _orm_connect(ctx: Context) -> Any:
    import cvatorm

    return cvatorm.connect(ctx.url, credentials=(USERNAME, PASSWORD), alias=ALIAS)


def _orm_disconnect() -> None:
    import cvatorm

    cvatorm.disconnect(ALIAS)


class ColdStart(Workload):
    key = "9"
    title = "connect + first query (count)"
    server = "cold"
    memory = False

    def prepare_floor(self, ctx: Context) -> Run:
        def run() -> Outcome:
            floor = Floor(ctx.url)
            count = floor.get("/api/tasks", page_size=1)["count"]
            floor.close()
            return Outcome(1, count)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()

        def run() -> Outcome:
            _orm_connect(ctx)
            try:
                return Outcome(1, task_model.objects.using(ALIAS).count())
            finally:
                _orm_disconnect()

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk import make_client

        def run() -> Outcome:
            with make_client(ctx.url, credentials=(USERNAME, PASSWORD)) as client:
                data, _ = client.api_client.tasks_api.list(page_size=1)
                return Outcome(1, data.count)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        return {
            "floor": "requests: login, GET ?page_size=1",
            "cvatorm": "cvatorm.connect() + Task.objects.count()",
        }.get(client, "make_client() + tasks_api.list(page_size=1)")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        return [f"{c} counted {m.outcome.digest}, expected {ctx.data.total_tasks}"
                for c, m in results.items()
                if m.available and m.error is None and m.outcome
                and m.outcome.digest != ctx.data.total_tasks]

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        floor, orm = results.get("floor"), results.get("cvatorm")
        text = "(9) connect + first query: wall time vs the floor (observed, no target)"
        if not (floor and orm and orm.available and orm.error is None and floor.wall):
            return [Target(text, None, "cvatorm not available")]
        return [Target(text, None, f"{orm.wall / floor.wall:.2f}x ({orm.wall * 1000:.0f} vs "
                                   f"{floor.wall * 1000:.0f} ms; requests: "
                                   f"{orm.total_requests} vs {floor.total_requests})")]


class ScriptLife(Workload):
    key = "10"
    title = "a script: connect, count, walk every task"
    server = "cold"
    memory = False
    order: tuple[str, ...] = ("cvatorm", "floor", "cvat-sdk")

    def prepare_floor(self, ctx: Context) -> Run:
        page_size = int(ctx.notes.get("w10_page_size") or ctx.floor_page_size)

        def run() -> Outcome:
            floor = Floor(ctx.url)
            floor.get("/api/tasks", page_size=1)
            n = total = 0
            for task in floor.walk("tasks", page_size):
                n += 1
                total += task["id"]
            floor.close()
            return Outcome(n, total)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()

        def run() -> Outcome:
            _orm_connect(ctx)
            try:
                tasks = task_model.objects.using(ALIAS)
                tasks.count()
                n = total = 0
                for task in tasks.iterator():
                    n += 1
                    total += task.id
                return Outcome(n, total)
            finally:
                _orm_disconnect()

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk import make_client

        def run() -> Outcome:
            with make_client(ctx.url, credentials=(USERNAME, PASSWORD)) as client:
                client.api_client.tasks_api.list(page_size=1)
                n = total = 0
                for task in client.tasks.list():
                    n += 1
                    total += task.id
                return Outcome(n, total)

        return run

    def after(self, client: str, ctx: Context, m: Measurement) -> None:
        if client == "cvatorm" and m.page_sizes:
            ctx.notes["w10_page_size"] = max(m.page_sizes)

    def describe(self, client: str, ctx: Context) -> str:
        size = ctx.notes.get("w10_page_size") or ctx.floor_page_size
        return {
            "floor": f"requests: login, count, page walk at page_size={size} (cvatorm's)",
            "cvatorm": "connect() + count() + Task.objects.iterator()",
        }.get(client, "make_client() + count + client.tasks.list() (default page size)")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        return [f"{c} listed {m.objects} tasks, expected {ctx.data.total_tasks}"
                for c, m in results.items()
                if m.available and m.error is None and m.objects != ctx.data.total_tasks]

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        floor, orm = results.get("floor"), results.get("cvatorm")
        text = "(10) a script's whole life (connect, first query, walk) <= 1.10x the floor"
        if not (floor and orm and orm.available and orm.error is None and floor.wall):
            return [Target(text, None, "cvatorm not available")]
        ratio = orm.wall / floor.wall
        return [Target(text, ratio <= 1.10,
                       f"{ratio:.2f}x ({orm.wall:.2f} vs {floor.wall:.2f} s wall, "
                       f"{orm.objects:,} tasks; requests {orm.total_requests} vs "
                       f"{floor.total_requests})")]
