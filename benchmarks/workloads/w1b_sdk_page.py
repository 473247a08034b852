"""Workload 1b: workload 1 with cvat-sdk at its best page size (500) instead of its default.

cvat-sdk's ``client.tasks.list()`` pages at the server's default (10 per page on CVAT 2.64);
comparing only that would charge cvat-sdk for round trips it can avoid. Here it asks for 500
per page (``get_paginated_collection(..., page_size=500)``), so the ratio is cvat-sdk's own
cost per object, not its default's.
"""

from __future__ import annotations

from benchmarks.clients import Context
from benchmarks.measure import Measurement
from benchmarks.workloads.base import Run, Target
from benchmarks.workloads.w1_iterate import IterateAll, sdk_list_tasks

SDK_PAGE_SIZE = 500


class IterateAllSdkPage500(IterateAll):
    key = "1b"
    title = "iterate all N tasks, cvat-sdk at page_size=500"

    def prepare_sdk(self, ctx: Context) -> Run:
        from benchmarks.measure import Outcome

        limit = min(ctx.sdk_limit * 4, ctx.data.tasks)

        def run() -> Outcome:
            n = total = 0
            for task in sdk_list_tasks(ctx, limit, page_size=SDK_PAGE_SIZE):
                n += 1
                total += task.id
            return Outcome(n, total)

        return run

    def after(self, client: str, ctx: Context, m: Measurement) -> None:
        """(Workload 1 measures the floor at cvatorm's page size already.)"""

    def observations(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        return []

    def describe(self, client: str, ctx: Context) -> str:
        if client != "cvat-sdk":
            return super().describe(client, ctx)
        limit = min(ctx.sdk_limit * 4, ctx.data.tasks)
        return (f"tasks_api.list_endpoint at page_size={SDK_PAGE_SIZE}, Task entity per model, "
                f"newest {limit} tasks (an id filter); per-object figures compared")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        m = results.get("cvat-sdk")
        limit = min(ctx.sdk_limit * 4, ctx.data.tasks)
        if m and m.available and m.error is None and m.objects != limit:
            return [f"cvat-sdk listed {m.objects} tasks, expected {limit}"]
        return []

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm, sdk = results.get("cvatorm"), results.get("cvat-sdk")
        text = "cvat-sdk at page 500 >= 10x slower in wall time than cvatorm (1b), per object"
        if not (orm and sdk and orm.available and sdk.available and orm.error is None
                and sdk.error is None and orm.wall_per_object and sdk.wall_per_object):
            return [Target(text, None, "a client was not available")]
        ratio = sdk.wall_per_object / orm.wall_per_object
        detail = f"{ratio:.1f}x wall"
        if orm.cpu_per_object and sdk.cpu_per_object:
            detail += f", {sdk.cpu_per_object / orm.cpu_per_object:.1f}x client CPU"
        return [Target(text, ratio >= 10, detail + f" (N={orm.objects:,} for cvatorm, "
                                                    f"{sdk.objects:,} for cvat-sdk)")]
