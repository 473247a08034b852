"""Workload 2: a filter matching 1% of the tasks (``subset == "Test"``), reading two fields."""

from __future__ import annotations

import json

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.synthetic import RARE_SUBSET
from benchmarks.workloads.base import Run, Workload, orm_models
from benchmarks.workloads.w1_iterate import sdk_list_tasks

FILTER = json.dumps({"==": [{"var": "subset"}, RARE_SUBSET]})


class FilterOnePercent(Workload):
    key = "2"
    title = "filter() matching 1%, read two fields"
    repeats = 2

    def prepare_floor(self, ctx: Context) -> Run:
        page_size = ctx.floor_page_size

        def run() -> Outcome:
            n = total = 0
            for task in ctx.floor.walk("tasks", page_size, filter=FILTER):
                n += 1
                total += task["id"] + len(task["name"]) + len(task["status"])
            return Outcome(n, total)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()

        def run() -> Outcome:
            n = total = 0
            for task in task_model.objects.filter(subset=RARE_SUBSET):
                n += 1
                total += task.id + len(task.name) + len(str(task.status))
            return Outcome(n, total)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        limit = ctx.data.tasks  # the 1% is small enough for cvat-sdk in full

        def run() -> Outcome:
            n = total = 0
            for task in sdk_list_tasks(ctx, limit, subset=RARE_SUBSET):
                n += 1
                total += task.id + len(task.name) + len(str(task.status))
            return Outcome(n, total)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        if client == "floor":
            return f"filter=JSON Logic, page_size={ctx.floor_page_size}"
        if client == "cvatorm":
            return f'Task.objects.filter(subset="{RARE_SUBSET}"), read name and status'
        return "get_paginated_collection(tasks_api.list_endpoint, filter=...) (default page size)"

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        problems = []
        for client, m in results.items():
            if m.available and m.error is None and m.objects != ctx.data.rare_tasks:
                problems.append(f"{client} found {m.objects} tasks, expected {ctx.data.rare_tasks}")
        return problems
