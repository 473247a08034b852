"""Workload 8: iterate the newest tasks reading every field of every object.

Workload 1 reads one field (``id``), which hides what converting the rest costs: a client
that builds rich values (datetimes, nested users, enums) pays for them when a program reads
them all, as an export or a report does. Here each client reads every field it offers:

- the floor: every value of every JSON object (``dict.values()``, nothing converted);
- cvatorm: every field of ``Task._meta.fields`` through its attribute;
- cvat-sdk: every attribute of the ``TaskRead`` model (``attribute_map``), through the entity.
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Workload, orm_models
from benchmarks.workloads.w1_iterate import sdk_list_tasks

#: Tasks read by the floor and cvatorm (the newest); cvat-sdk reads at most ``sdk_limit``.
TASKS = 5_000


def _newest(ctx: Context) -> tuple[int, int]:
    """(how many, the id above which they lie) for the floor and cvatorm."""
    count = min(TASKS, ctx.data.tasks)
    return count, ctx.sdk_first_id(count)


class AllFields(Workload):
    key = "8"
    title = "iterate the newest tasks, read every field"

    def prepare_floor(self, ctx: Context) -> Run:
        _, first = _newest(ctx)
        logic = json.dumps({">": [{"var": "id"}, first]})
        page_size = ctx.floor_page_size

        def run() -> Outcome:
            n = fields = 0
            for task in ctx.floor.walk("tasks", page_size, filter=logic):
                n += 1
                for value in task.values():
                    fields += value is not None
            return Outcome(n, n)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()
        _, first = _newest(ctx)
        names = list(task_model._meta.fields)

        def run() -> Outcome:
            n = fields = 0
            for task in task_model.objects.filter(id__gt=first).iterator():
                n += 1
                for name in names:
                    fields += getattr(task, name) is not None
            return Outcome(n, n)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        limit = min(ctx.sdk_limit, ctx.data.tasks)

        def run() -> Outcome:
            n = fields = 0
            for task in sdk_list_tasks(ctx, limit, page_size=500):
                n += 1
                model: Any = task._model
                for name in model.attribute_map:
                    fields += getattr(model, name, None) is not None
            return Outcome(n, n)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        count, _ = _newest(ctx)
        if client == "floor":
            return f"every value of the newest {count} tasks' JSON, page_size={ctx.floor_page_size}"
        if client == "cvatorm":
            return f"getattr of every Task field, newest {count} tasks, iterator()"
        return (f"every TaskRead attribute, newest {min(ctx.sdk_limit, ctx.data.tasks)} tasks, "
                "page_size=500")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        count, _ = _newest(ctx)
        return [f"{client} read {m.objects} tasks, expected {count}"
                for client, m in results.items()
                if client != "cvat-sdk" and m.available and m.error is None
                and m.objects != count]

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        floor, orm = results.get("floor"), results.get("cvatorm")
        text = "(8) all fields read: client CPU per object <= 2.5x the floor"
        if not (floor and orm and orm.available and orm.error is None
                and floor.cpu_per_object and orm.cpu_per_object):
            return [Target(text, None, "cvatorm not available")]
        ratio = orm.cpu_per_object / floor.cpu_per_object
        return [Target(text, ratio <= 2.5, f"{ratio:.2f}x ({orm.cpu_per_object * 1e6:.1f} vs "
                                            f"{floor.cpu_per_object * 1e6:.1f} us/object)")]
