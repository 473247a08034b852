"""Workload 1: iterate every task, reading its id."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome, timed
from benchmarks.workloads.base import Run, Target, Workload, orm_models, require


def sdk_list_tasks(ctx: Context, limit: int, page_size: int | None = None,
                   **filters: Any) -> list[Any]:
    """Exactly what ``client.tasks.list()`` does (every page, default page size unless
    ``page_size``, one ``Task`` entity per model), restricted to the newest ``limit`` tasks by
    an id filter."""
    from cvat_sdk.core.helpers import get_paginated_collection
    from cvat_sdk.core.proxies.tasks import Task

    client = ctx.sdk
    logic: dict[str, Any] = {">": [{"var": "id"}, ctx.sdk_first_id(limit)]}
    if filters:
        logic = {"and": [logic, *({"==": [{"var": k}, v]} for k, v in filters.items())]}
    extra: dict[str, Any] = {} if page_size is None else {"page_size": page_size}
    models = get_paginated_collection(
        client.api_client.tasks_api.list_endpoint, filter=json.dumps(logic), **extra
    )
    return [Task(client, model) for model in models]


class IterateAll(Workload):
    key = "1"
    title = "iterate all N tasks"
    repeats = 2

    def prepare_floor(self, ctx: Context) -> Run:
        page_size = ctx.floor_page_size

        def run() -> Outcome:
            n = total = 0
            for task in ctx.floor.walk("tasks", page_size):
                n += 1
                total += task["id"]
            return Outcome(n, total)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()
        require(task_model.objects.all(), "iterator")

        def run() -> Outcome:
            n = total = 0
            for task in task_model.objects.iterator():
                n += 1
                total += task.id
            return Outcome(n, total)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        limit = min(ctx.sdk_limit, ctx.data.tasks)

        def run() -> Outcome:
            n = total = 0
            for task in sdk_list_tasks(ctx, limit):
                n += 1
                total += task.id
            return Outcome(n, total)

        return run

    def after(self, client: str, ctx: Context, m: Measurement) -> None:
        """After cvatorm: the floor again at cvatorm's page size, to separate the cost of the
        page size (requests) from the cost per object."""
        if client != "cvatorm" or not m.page_sizes:
            return
        page_size = max(m.page_sizes)
        if page_size == ctx.floor_page_size:
            return
        best: Measurement | None = None
        for _ in range(max(1, self.repeats)):
            run = self._floor_walk(ctx, page_size)
            trial = timed(self.key, "floor", run)
            if best is None:
                best = trial
            else:
                best.wall, best.cpu = min(best.wall, trial.wall), min(best.cpu, trial.cpu)
        ctx.notes["w1_floor_same_page"] = (page_size, best)

    @staticmethod
    def _floor_walk(ctx: Context, page_size: int) -> Run:
        def run() -> Outcome:
            n = total = 0
            for task in ctx.floor.walk("tasks", page_size):
                n += 1
                total += task["id"]
            return Outcome(n, total)

        return run

    def observations(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        out = []
        costs = ctx.notes.get("unit_costs")
        if costs:
            base = costs["json.loads"]
            parts = [f"json.loads {base * 1e6:.1f} us"]
            parts += [f"{name} {cost * 1e6:.1f} us ({cost / base:.1f}x json.loads)"
                      for name, cost in costs.items() if name != "json.loads"]
            out.append("CPU per task to turn a page of 500 tasks' JSON into objects, no "
                       "network: " + "; ".join(parts))
        same = ctx.notes.get("w1_floor_same_page")
        orm = results.get("cvatorm")
        if not same or not orm or not orm.cpu_per_object or not orm.wall_per_object:
            return out
        page_size, floor = same
        if not floor.cpu_per_object or not floor.wall_per_object:
            return out
        return [*out, f"the floor at cvatorm's page size ({page_size}): {floor.total_requests} "
                f"requests, {floor.wall:.2f} s wall, {floor.cpu_per_object * 1e6:.1f} us CPU per "
                f"object; cvatorm / this floor: {orm.wall_per_object / floor.wall_per_object:.2f}x"
                f" wall, {orm.cpu_per_object / floor.cpu_per_object:.2f}x CPU"]

    def describe(self, client: str, ctx: Context) -> str:
        if client == "floor":
            return f"sequential page walk, page_size={ctx.floor_page_size} (fastest candidate)"
        if client == "cvatorm":
            return "Task.objects.iterator()"
        limit = min(ctx.sdk_limit, ctx.data.tasks)
        return (f"client.tasks.list() (default page size) on the newest {limit} tasks only "
                "(an id filter); per-object figures compared")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        problems = []
        for client in ("floor", "cvatorm"):
            m = results.get(client)
            if m and m.available and m.error is None and m.objects != ctx.data.total_tasks:
                problems.append(f"{client} listed {m.objects} tasks, expected "
                                f"{ctx.data.total_tasks}")
        m = results.get("cvat-sdk")
        limit = min(ctx.sdk_limit, ctx.data.tasks)
        if m and m.available and m.error is None and m.objects != limit:
            problems.append(f"cvat-sdk listed {m.objects} tasks, expected {limit}")
        floor, orm = results.get("floor"), results.get("cvatorm")
        if (floor and orm and floor.outcome and orm.outcome and orm.error is None
                and floor.outcome.digest != orm.outcome.digest):
            problems.append("cvatorm and the floor disagree on the ids listed")
        return problems

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        floor, orm, sdk = (results.get(c) for c in ("floor", "cvatorm", "cvat-sdk"))
        out = []
        ok = bool(floor and orm and orm.available and orm.error is None and orm.objects)
        if ok and floor and orm and floor.cpu_per_object and orm.cpu_per_object:
            ratio = orm.cpu_per_object / floor.cpu_per_object
            out.append(Target(
                "client CPU per listed object within 1.2x of the floor (1)", ratio <= 1.2,
                f"{ratio:.2f}x ({orm.cpu_per_object * 1e6:.1f} vs "
                f"{floor.cpu_per_object * 1e6:.1f} us/object)"))
        else:
            out.append(Target("client CPU per listed object within 1.2x of the floor (1)", None,
                              "cvatorm not available"))
        if (ok and orm and sdk and sdk.available and sdk.error is None
                and sdk.wall_per_object and orm.wall_per_object):
            ratio = sdk.wall_per_object / orm.wall_per_object
            detail = f"{ratio:.1f}x (wall time per object)"
            if sdk.cpu_per_object and orm.cpu_per_object:
                detail += f"; {sdk.cpu_per_object / orm.cpu_per_object:.1f}x in client CPU"
            if floor and floor.wall_per_object and sdk.wall_per_object:
                detail += (f"; LocalCVAT itself needs {floor.wall_per_object * 1e6:.0f} us per "
                           "listed task (the floor's wall time), which caps the wall ratio at "
                           f"{sdk.wall_per_object / floor.wall_per_object:.1f}x")
            out.append(Target("at least 50x faster than cvat-sdk on (1), per object", ratio >= 50,
                              detail))
        else:
            out.append(Target("at least 50x faster than cvat-sdk on (1), per object", None,
                              "a client was not available"))
        out.append(self._memory_target(ctx, orm))
        return out

    def _memory_target(self, ctx: Context, orm: Measurement | None) -> Target:
        text = "peak memory of (1) bounded by a few pages, not by N"
        per_object = ctx.notes.get("bytes_per_task")
        if not (orm and orm.available and orm.error is None and orm.peak_bytes is not None
                and per_object):
            return Target(text, None, "not measured")
        page = max(orm.page_sizes, default=0) or 1
        pages = orm.peak_bytes / (per_object * page)
        if orm.objects < 10 * page:
            return Target(text, None, f"N={orm.objects} is under 10 pages of {page}: run "
                          "with --tasks 100000 --workloads 1")
        all_objects = orm.peak_bytes / (per_object * max(1, orm.objects))
        met = pages <= 4 and all_objects < 0.25
        return Target(text, met, f"peak {orm.peak_bytes / 2**20:.1f} MiB = {pages:.1f} pages of "
                      f"{page} tasks = {all_objects:.1%} of all {orm.objects} tasks parsed"
                      + ("" if orm.objects >= 100_000 else f" (at N={orm.objects}, not 100,000)"))
