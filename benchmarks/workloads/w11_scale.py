"""Workload 11: LocalCVAT itself at scale (``--scale-tasks``, 100,000 by default).

LocalCVAT is its users' test server too: their pipeline tests at scale pay for its list
engine. Measured here:

- a keyset page (``filter={"<": [{"var": "id"}, mid]}``, 500 per page, in the middle of the
  table): the server's own time to answer (``App.handle``, no HTTP, no client; median of 15),
  and the wall time of the same request over HTTP with raw ``requests``;
- a whole walk: cvatorm's ``Task.objects.iterator()`` (a keyset walk), and the floor's raw
  keyset walk at 500 per page.

(``iterator(concurrency=4)`` under latency and concurrent writes is workload 7.)
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any
from urllib.parse import quote

from benchmarks.clients import Context
from benchmarks.measure import Measurement, Outcome
from benchmarks.workloads.base import Run, Target, Unavailable, Workload, orm_models

PAGE = 500
SAMPLES = 15


def _middle(ctx: Context) -> int:
    return ctx.data.first_task_id + ctx.data.tasks // 2


class Scale(Workload):
    key = "11"
    title = "LocalCVAT at scale: keyset page, whole walk"
    server = "scale"
    memory = False
    fixed_rounds = True
    order: tuple[str, ...] = ("floor", "cvatorm", "cvat-sdk")

    def prepare_floor(self, ctx: Context) -> Run:
        def run() -> Outcome:
            n = total = 0
            last: int | None = None
            while True:
                params: dict[str, Any] = {"page_size": PAGE}
                if last is not None:
                    params["filter"] = json.dumps({"<": [{"var": "id"}, last]})
                page = ctx.floor.get("/api/tasks", **params)
                for task in page["results"]:
                    n += 1
                    total += task["id"]
                if not page["results"] or len(page["results"]) >= page["count"]:
                    return Outcome(n, total)
                last = page["results"][-1]["id"]

        return run

    def prepare_cvatorm(self, ctx: Context) -> Run:
        task_model, _ = orm_models()

        def run() -> Outcome:
            n = total = 0
            for task in task_model.objects.iterator():
                n += 1
                total += task.id
            return Outcome(n, total)

        return run

    def prepare_sdk(self, ctx: Context) -> Run:
        raise Unavailable("not run: cvat-sdk lists a few hundred tasks per second (see (1b)), "
                          "so a walk of this size would take minutes")

    def after(self, client: str, ctx: Context, m: Measurement) -> None:
        if client != "floor" or m.outcome is None:
            return
        logic = json.dumps({"<": [{"var": "id"}, _middle(ctx)]})
        walls = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            ctx.floor.get("/api/tasks", page_size=PAGE, filter=logic)
            walls.append(time.perf_counter() - started)
        m.outcome.extra["page_http_ms"] = statistics.median(walls) * 1000
        server = ctx.notes.get("bench_server")
        if server is not None:
            query = f"/api/tasks?page_size={PAGE}&filter={quote(logic)}"
            auth = str(ctx.floor.session.headers["Authorization"])
            timed = server.time_request(auth, query, SAMPLES)
            m.outcome.extra["page_server_ms"] = timed["median_ms"]
            m.outcome.extra["page_encode_ms"] = timed["encode_ms"]
            m.outcome.extra["page_bytes"] = timed["bytes"]

    def describe(self, client: str, ctx: Context) -> str:
        if client == "floor":
            return f"raw keyset walk, page_size={PAGE}; + a keyset page in the middle, {SAMPLES}x"
        if client == "cvatorm":
            return "Task.objects.iterator() (keyset walk)"
        return "not run"

    def check(self, ctx: Context, results: dict[str, Measurement]) -> list[str]:
        return [f"{c} walked {m.objects} tasks, expected {ctx.data.total_tasks}"
                for c, m in results.items()
                if m.available and m.error is None and m.objects != ctx.data.total_tasks]

    def targets(self, ctx: Context, results: dict[str, Measurement]) -> list[Target]:
        floor, orm = results.get("floor"), results.get("cvatorm")
        n = ctx.data.total_tasks
        at = "" if n >= 100_000 else f" (at N={n:,}, not 100,000)"
        out = []
        text = "(11) LocalCVAT: a keyset page of 500 at 100k tasks in <= 5 ms"
        extra = floor.outcome.extra if floor and floor.outcome else {}
        if "page_server_ms" in extra:
            server_ms = float(extra["page_server_ms"])
            encode_ms = float(extra["page_encode_ms"])
            out.append(Target(text, server_ms <= 5 if not at else None,
                              f"{server_ms:.1f} ms in the server, of which {encode_ms:.1f} ms "
                              f"json.dumps of the {extra['page_bytes'] / 1e6:.2f} MB page and "
                              f"{max(0.0, server_ms - encode_ms):.1f} ms the rest (routing, "
                              "auth, permissions, list engine); "
                              f"{extra['page_http_ms']:.1f} ms over HTTP with requests{at}"))
        else:
            out.append(Target(text, None, "not measured"))
        text = "(11) LocalCVAT: a 100k walk in <= 10 s"
        if orm and orm.available and orm.error is None and orm.objects:
            detail = f"cvatorm iterator() {orm.wall:.1f} s"
            if floor and floor.error is None and floor.objects:
                detail += f", raw keyset walk {floor.wall:.1f} s"
            out.append(Target(text, orm.wall <= 10 if not at else None, detail + at))
        else:
            out.append(Target(text, None, "cvatorm not available"))
        return out
