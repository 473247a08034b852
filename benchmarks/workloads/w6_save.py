"""Workload 6: change one field (``state``) on 500 jobs already loaded, and save each."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Workload, orm_models, require

JOBS = 500
ANNOTATION = json.dumps({"==": [{"var": "type"}, "annotation"]})


def other_state(state: Any) -> str:
    """A state different from the current one, so that every save is a real change."""
    return "completed" if str(getattr(state, "value", state)) != "completed" else "in progress"


class SaveManyJobs(Workload):
    key = "6"
    title = "change one field on 500 jobs"
    fixed_rounds = True
    memory = False  # every run changes the server's data; one timed pass is enough
    server = "writes"

    def prepare_floor(self, ctx: Context) -> Run:
        jobs = ctx.floor.get("/api/jobs", page=1, page_size=JOBS, filter=ANNOTATION)["results"]

        def run() -> Outcome:
            for job in jobs:
                ctx.floor.patch(f"/api/jobs/{job['id']}", {"state": other_state(job["state"])})
            return Outcome(len(jobs), [job["id"] for job in jobs])

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        _, job_model = orm_models()
        jobs = list(job_model.objects.filter(type="annotation")[:JOBS])
        if jobs:
            require(jobs[0], "save")

        def run() -> Outcome:
            for job in jobs:
                job.state = other_state(job.state)
                job.save()
            return Outcome(len(jobs), [job.id for job in jobs])

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk.core.proxies.jobs import Job

        client = ctx.sdk
        size = min(JOBS, ctx.sdk_limit // 10)  # a PATCH and a GET per job: fewer, per object
        data, _ = client.api_client.jobs_api.list(page=1, page_size=size, filter=ANNOTATION)
        jobs = [Job(client, model) for model in data.results]

        def run() -> Outcome:
            for job in jobs:
                job.update({"state": other_state(job.state)})  # PATCH, then GET (fetch())
            return Outcome(len(jobs), [job.id for job in jobs])

        return run

    def describe(self, client: str, ctx: Context) -> str:
        if client == "floor":
            return "500 x PATCH /api/jobs/<id> {state}"
        if client == "cvatorm":
            return "job.state = ...; job.save() on 500 loaded jobs"
        return (f"job.update({{'state': ...}}) on {min(JOBS, ctx.sdk_limit // 10)} loaded jobs "
                "(the SDK re-fetches after each PATCH)")

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        digests = {c: tuple(m.outcome.digest) for c, m in results.items()
                   if m.available and m.error is None and m.outcome}
        floor = results.get("floor")
        n = floor.objects if floor is not None and floor.error is None else JOBS
        expected = {"cvat-sdk": min(n, JOBS, ctx.sdk_limit // 10)}
        problems = [f"{c} saved {len(d)} jobs, expected {expected.get(c, n)}"
                    for c, d in digests.items() if len(d) != expected.get(c, n)]
        prefixes = {d[: min(len(x) for x in digests.values())] for d in digests.values()}
        if len(prefixes) > 1:
            problems.append("the clients saved different jobs")
        return problems

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm = results.get("cvatorm")
        text = "(6) exactly 500 PATCH requests and no GETs"
        if not (orm and orm.available and orm.error is None):
            return [Target(text, None, "cvatorm not available")]
        expected = min(JOBS, results["floor"].objects) if "floor" in results else JOBS
        met = orm.requests.get("PATCH", 0) == expected and orm.total_requests == expected
        return [Target(text, met, f"{dict(orm.requests)} for {orm.objects} jobs")]
