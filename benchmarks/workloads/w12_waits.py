"""Workloads 12 and 13: what a pipeline waits for besides listings (issue 12's last targets).

- 12: export a task's annotations (a background request on the server). The floor polls every
  10 ms: its wall time is the server's time as a client can see it (the export request, the
  work, the polls and the download, each request a round trip). The request's own
  ``finished_date - created_date`` (``GET /api/requests/<id>``, read after the clock stops) is
  printed beside it. cvat-sdk sleeps its ``status_check_period`` (5 s) before each check,
  cvatorm polls from 0.05 s backing off toward it.
- 13: assign a username to 100 loaded jobs and save each, from a client that has not resolved
  that username yet: the requests a save loop sends (the floor knows the user id already).
"""

from __future__ import annotations

import datetime
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Unavailable, Workload, orm_models

FORMAT = "CVAT for images 1.1"
#: The floor's polling period: the least wait a client adds to the server's time.
FLOOR_POLL = 0.01
SAVES = 100
USERNAMES = ("user1", "user2")


def _parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _exported_task(ctx: Context) -> int:
    """A task with data (an export of a task without data is refused), found once."""
    found = ctx.notes.get("w12_task")
    if found is None:
        page = ctx.floor.get("/api/tasks", page_size=100, sort="id")
        found = next((t["id"] for t in page["results"] if t.get("size")), None)
        if found is None:
            raise Unavailable("no task with data on this server")
        ctx.notes["w12_task"] = found
    return int(found)


def _server_seconds(ctx: Context) -> float:
    """The newest export request's time on the server (created to finished)."""
    page = ctx.floor.get("/api/requests", page_size=1, sort="-created_date",
                         action="export")
    request = page["results"][0]
    if request["status"] != "finished" or not request.get("finished_date"):
        raise RuntimeError(f"the newest export request is {request['status']}")
    return (_parse(request["finished_date"]) - _parse(request["created_date"])).total_seconds()


class BackgroundExport(Workload):
    key = "12"
    title = "export a task's annotations (a background request)"
    server = "writes"
    memory = False
    repeats = 5

    def _timed(self, ctx: Context, client: str, export: Any) -> Run:
        folder = Path(tempfile.mkdtemp(prefix="cvatorm-bench-"))

        def finish(outcome: Outcome) -> None:
            server = _server_seconds(ctx)
            ctx.notes.setdefault(f"w12:{client}", []).append(
                (outcome.extra["seconds"] - server, server))
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()

        def run() -> Outcome:
            started = time.perf_counter()
            size = export(folder / "export.zip")
            return Outcome(1, None, {"seconds": time.perf_counter() - started,
                                     "bytes": size}, finish=finish)

        return run

    def prepare_floor(self, ctx: Context) -> Run:
        task_id = _exported_task(ctx)
        session, url = ctx.floor.session, ctx.floor.url

        def export(path: Path) -> int:
            response = session.post(f"{url}/api/tasks/{task_id}/dataset/export",
                                    params={"format": FORMAT, "save_images": "false"})
            response.raise_for_status()
            rq_id = response.json()["rq_id"]
            while True:
                request = session.get(f"{url}/api/requests/{rq_id}").json()
                if request["status"] in ("finished", "failed"):
                    break
                time.sleep(FLOOR_POLL)
            if request["status"] != "finished":
                raise RuntimeError(request.get("message"))
            data = session.get(request["result_url"]).content
            path.write_bytes(data)
            return len(data)

        return self._timed(ctx, "floor", export)

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()
        task = task_model.objects.get(id=_exported_task(ctx))

        def export(path: Path) -> int:
            written: Path = task.export_dataset(FORMAT, path, include_images=False)
            return written.stat().st_size

        return self._timed(ctx, "cvatorm", export)

    def prepare_sdk(self, ctx: Context) -> Run:
        task = ctx.sdk.tasks.retrieve(_exported_task(ctx))

        def export(path: Path) -> int:
            task.export_dataset(FORMAT, path, include_images=False)
            return path.stat().st_size

        return self._timed(ctx, "cvat-sdk", export)

    def describe(self, client: str, ctx: Context) -> str:
        return {
            "floor": f"POST .../dataset/export, GET /api/requests/<id> every "
                     f"{FLOOR_POLL * 1000:g} ms, GET result_url",
            "cvatorm": "task.export_dataset(format, path, include_images=False)",
        }.get(client, "task.export_dataset(format, path, include_images=False) "
                      "(status_check_period 5 s)")

    def _overheads(self, ctx: Context, client: str) -> list[tuple[float, float]]:
        found: list[tuple[float, float]] = ctx.notes.get(f"w12:{client}", [])
        return found

    def observations(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        lines = []
        for client in results:
            rounds = self._overheads(ctx, client)
            if rounds:
                lines.append(
                    f"{client}: the server's time (created to finished) median "
                    f"{statistics.median(s for _, s in rounds) * 1000:.0f} ms; the client's "
                    f"wait beyond it median "
                    f"{statistics.median(o for o, _ in rounds) * 1000:.0f} ms "
                    f"({len(rounds)} rounds)")
        return lines

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        # "The server's time" as any client can see it: the floor's wall time, which polls
        # every 10 ms and so adds at most that to the export request, its polls and the
        # download (each a round trip: 30-50 ms apiece on a real CVAT). The request's own
        # finished - created is printed beside it (observations).
        text = ("(12) a background operation returns within the server's time + 100 ms "
                "(the floor's wall time: POST, polls every 10 ms, download)")
        floor, orm = results.get("floor"), results.get("cvatorm")
        if not (floor and orm and orm.available and orm.error is None and floor.error is None):
            return [Target(text, None, "cvatorm not measured")]
        beyond = orm.wall - floor.wall
        rounds = self._overheads(ctx, "cvatorm")
        server = statistics.median(s for _, s in rounds) if rounds else float("nan")
        return [Target(text, beyond <= 0.1,
                       f"{beyond * 1000:+.0f} ms ({orm.wall * 1000:.0f} vs "
                       f"{floor.wall * 1000:.0f} ms, medians of {orm.rounds}; the request "
                       f"itself took {server * 1000:.0f} ms on the server)")]


def _jobs(ctx: Context) -> list[dict[str, Any]]:
    page = ctx.floor.get("/api/jobs", page_size=SAVES, sort="-id", type="annotation")
    return list(page["results"])


def _other(job: dict[str, Any] | None) -> str:
    current = (job or {}).get("username")
    return USERNAMES[1] if current == USERNAMES[0] else USERNAMES[0]


class UsernameSaves(Workload):
    key = "13"
    title = "assign a username to 100 jobs, save each"
    server = "writes"
    memory = False
    fixed_rounds = True
    repeats = 3

    def prepare_floor(self, ctx: Context) -> Run:
        users = {u["username"]: u["id"] for u in
                 ctx.floor.get("/api/users", page_size=100)["results"]}
        jobs = _jobs(ctx)

        def run() -> Outcome:
            for job in jobs:
                name = _other(job["assignee"])
                ctx.floor.patch(f"/api/jobs/{job['id']}", {"assignee": users[name]})
                job["assignee"] = {"username": name}
            return Outcome(len(jobs), len(jobs))

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        _, job_model = orm_models()
        jobs = list(job_model.objects.filter(id__in=[j["id"] for j in _jobs(ctx)]))
        ctx.orm.usernames.clear()  # a client that has not resolved the names yet

        def run() -> Outcome:
            for job in jobs:
                current = job.assignee
                job.assignee = _other({"username": getattr(current, "username", None)})
                job.save()
            return Outcome(len(jobs), len(jobs))

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        from cvat_sdk.core.proxies.jobs import Job

        users = {u["username"]: u["id"] for u in
                 ctx.floor.get("/api/users", page_size=100)["results"]}
        size = min(SAVES, ctx.sdk_limit // 10)
        data, _ = ctx.sdk.api_client.jobs_api.list(page_size=size, sort="-id", type="annotation")
        jobs = [Job(ctx.sdk, model) for model in data.results]

        def run() -> Outcome:
            for job in jobs:
                current = job.assignee.username if job.assignee else None
                job.update({"assignee": users[_other({"username": current})]})
            return Outcome(len(jobs), len(jobs))

        return run

    def describe(self, client: str, ctx: Context) -> str:
        return {
            "floor": f"{SAVES} x PATCH /api/jobs/<id> {{assignee: <id known>}}",
            "cvatorm": f'job.assignee = "{USERNAMES[0]}"; job.save() on {SAVES} loaded jobs '
                       "(usernames not yet resolved by the client)",
        }.get(client, "job.update({'assignee': <id>}) (cvat-sdk takes ids only; re-fetches)")

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        orm = results.get("cvatorm")
        text = f"(13) {SAVES} username saves: {SAVES} PATCH and no GET per save"
        if not (orm and orm.available and orm.error is None):
            return [Target(text, None, "cvatorm not available")]
        patches, gets = orm.requests.get("PATCH", 0), orm.requests.get("GET", 0)
        return [Target(text, patches == orm.objects and gets <= len(USERNAMES),
                       f"{patches} PATCH + {gets} GET for {orm.objects} saves (one GET per "
                       "distinct username, then the client's cache)")]
