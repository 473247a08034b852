"""Workload 5: walk 1,000 jobs with their tasks (``prefetch_related("task")``)."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Workload, orm_models, require

JOBS = 1000


def jobs_count(ctx: Context) -> int:
    return min(JOBS, ctx.data.total_jobs)


class JobsWithTasks(Workload):
    key = "5"
    title = "1,000 jobs with their tasks"
    repeats = 2

    def prepare_floor(self, ctx: Context) -> Run:
        n_jobs = jobs_count(ctx)

        def run() -> Outcome:
            jobs = ctx.floor.get("/api/jobs", page=1, page_size=n_jobs)["results"]
            ids = sorted({job["task_id"] for job in jobs})
            logic = json.dumps({"in": [{"var": "id"}, ids]})
            tasks = ctx.floor.get("/api/tasks", page=1, page_size=len(ids), filter=logic)
            by_id = {task["id"]: task for task in tasks["results"]}
            total = sum(job["id"] + len(by_id[job["task_id"]]["name"]) for job in jobs)
            return Outcome(len(jobs), total)

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        _, job_model = orm_models()
        require(job_model.objects.all(), "prefetch_related")
        n_jobs = jobs_count(ctx)

        def run() -> Outcome:
            n = total = 0
            for job in job_model.objects.prefetch_related("task")[:n_jobs]:
                n += 1
                total += job.id + len(job.task.name)
            return Outcome(n, total)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk.core.proxies.jobs import Job

        client = ctx.sdk
        n_jobs = min(jobs_count(ctx), ctx.sdk_limit // 5)  # one request per task: fewer jobs

        def run() -> Outcome:
            data, _ = client.api_client.jobs_api.list(page=1, page_size=n_jobs)
            jobs = [Job(client, model) for model in data.results]
            tasks: dict[int, Any] = {}  # cvat-sdk has no prefetch: one retrieve per task
            total = 0
            for job in jobs:
                task = tasks.get(job.task_id)
                if task is None:
                    task = tasks[job.task_id] = client.tasks.retrieve(job.task_id)
                total += job.id + len(task.name)
            return Outcome(len(jobs), total)

        return run

    def describe(self, client: str, ctx: Context) -> str:
        if client == "floor":
            return "GET 1,000 jobs; GET their tasks with filter id in [...]"
        if client == "cvatorm":
            return 'Job.objects.prefetch_related("task")[:1000], read job.task.name'
        n_jobs = min(jobs_count(ctx), ctx.sdk_limit // 5)
        return (f"jobs_api.list(page_size={n_jobs}) ({n_jobs} jobs, per object), then "
                "client.tasks.retrieve() per distinct task (no prefetch in cvat-sdk)")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        digests = {c: m.outcome.digest for c, m in results.items()
                   if c != "cvat-sdk" and m.available and m.error is None and m.outcome}
        if len(set(digests.values())) > 1:
            return [f"the clients disagree: {digests}"]
        return []

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm = results.get("cvatorm")
        if not (orm and orm.available and orm.error is None):
            return [Target("(5) two requests", None, "cvatorm not available")]
        return [Target("(5) two requests", orm.total_requests == 2,
                       f"{orm.total_requests} requests ({dict(orm.requests)})")]
