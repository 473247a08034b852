"""``python -m benchmarks``: seed LocalCVAT, run the workloads three ways, print the table.

Default sizes finish in about ten minutes on a 2-core machine. ``--real URL`` runs the
workloads that make sense on a real CVAT (1-5, 8-10) against it instead (load it with
``python -m benchmarks.real_load``). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import statistics
import sys
import time
import traceback
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks import measure, synthetic, unit_costs
from benchmarks.clients import Context, Floor, make_cvatorm, make_sdk, sdk_version
from benchmarks.measure import Measurement, Outcome
from benchmarks.report import WorkloadResult, machine, render
from benchmarks.server import BenchServer
from benchmarks.workloads import ALL, CLIENTS, Unavailable, Workload

FLOOR_PAGE_SIZES = (100, 500, 1000, 5000)
DEFAULT_WORKLOADS = ("1", "1b", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13")
#: What runs on a real server: no writes of 500 jobs (6), no injected latency (7), no
#: LocalCVAT internals (11), no assignee changes (13).
REAL_WORKLOADS = ("1", "1b", "2", "3", "4", "5", "8", "9", "10", "12")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def make_context(server: BenchServer, data: synthetic.SyntheticData, sdk_limit: int) -> Context:
    return make_context_for(server.url, data, sdk_limit)


def make_context_for(url: str, data: synthetic.SyntheticData, sdk_limit: int,
                     session_auth: bool = False) -> Context:
    ctx = Context(url=url, data=data, floor=Floor(url, session_auth=session_auth),
                  sdk_limit=sdk_limit)
    try:
        ctx.sdk = make_sdk(url)
    except Exception as error:
        ctx.sdk_error = f"{type(error).__name__}: {error}"
    try:
        ctx.orm = make_cvatorm(url)
    except Exception as error:
        ctx.orm_error = f"{type(error).__name__}: {error}"
    return ctx


def calibrate_floor(ctx: Context, candidates: tuple[int, ...], sample: int) -> dict[int, float]:
    """Wall time per object of a sequential page walk over the first ``sample`` tasks at each
    candidate page size; the floor then uses the fastest."""
    timings: dict[int, float] = {}
    for page_size in candidates:
        if page_size > max(sample, candidates[0]):
            continue
        start = time.perf_counter()
        n = 0
        for results in ctx.floor.pages("tasks", page_size):
            n += len(results)
            if n >= sample:
                break
        timings[page_size] = (time.perf_counter() - start) / max(n, 1)
    ctx.floor_page_size = min(timings, key=lambda k: timings[k])
    return timings


def bytes_per_task(ctx: Context) -> float:
    """Memory of one parsed task (a page of 100 through json.loads), for the memory target."""
    response = ctx.floor.session.get(f"{ctx.url}/api/tasks", params={"page_size": 100})
    body = response.content
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        page = json.loads(body)
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (size - base) / max(1, len(page["results"]))


def run_round(workload: Workload, client: str, ctx: Context) -> Measurement:
    """One timed run of ``client`` (a failure is a Measurement saying so, never a number)."""
    label = f"({workload.key}) {client}"
    try:
        return measure.timed(workload.key, client, workload.prepare(client, ctx))
    except Unavailable as reason:
        log(f"{label}: not available: {reason}")
        return Measurement(workload.key, client, available=False, note=str(reason))
    except Exception as error:
        log(f"{label}: ERROR {type(error).__name__}: {error}")
        traceback.print_exc(file=sys.stderr)
        return Measurement(workload.key, client, error=f"{type(error).__name__}: {error}")


def rounds_of(workload: Workload) -> int:
    """Interleaved rounds: at least 3 (a median), unless the workload or --repeats says."""
    return max(1, workload.repeats) if workload.fixed_rounds else max(3, workload.repeats)


def run_one(workload: Workload, client: str, ctx: Context, memory: bool) -> Measurement:
    """All rounds of one client in a row (kept for callers that run one client alone)."""
    results = run_interleaved(workload, (client,), ctx, memory)
    return results[client]


def run_interleaved(workload: Workload, clients: tuple[str, ...], ctx: Context,
                    memory: bool) -> dict[str, Measurement]:
    """Round 1 of every client, then round 2 of every client, ...: a disturbance of the
    shared machine hits every client alike, and each figure is the median of its rounds.
    ``after`` runs once per client, after its first round (workload 7's floor needs
    cvatorm's page size before its own first round)."""
    runs: dict[str, list[Measurement]] = {client: [] for client in clients}
    for round_no in range(rounds_of(workload)):
        for client in clients:
            if runs[client] and (not runs[client][0].available
                                 or runs[client][0].error is not None):
                continue
            m = run_round(workload, client, ctx)
            runs[client].append(m)
            if round_no == 0 and m.available and m.error is None:
                try:
                    workload.after(client, ctx, m)
                except Exception as error:
                    log(f"({workload.key}) {client}: ERROR after the run: {error}")
                    traceback.print_exc(file=sys.stderr)
                    m.error = f"{type(error).__name__}: {error}"
    out: dict[str, Measurement] = {}
    for client, measured in runs.items():
        first = measured[0]
        if first.available and first.error is None:
            failed = next((m for m in measured if m.error is not None), None)
            if failed is not None:
                first.error = failed.error
            else:
                first.wall = statistics.median(m.wall for m in measured)
                first.cpu = statistics.median(m.cpu for m in measured)
                first.rounds = len(measured)
                if memory and workload.memory:
                    first.peak_bytes = measure.peak_memory(workload.prepare(client, ctx))
                log(f"({workload.key}) {client}: {first.objects} objects, "
                    f"{first.total_requests} requests, median of {len(measured)}: "
                    f"{first.wall:.3f} s wall, {first.cpu:.3f} s CPU")
        out[client] = first
    return out


def profile_cvatorm(workload: Workload, ctx: Context, top: int = 15) -> str:
    """cProfile of cvatorm's run of a workload: where its time goes."""
    try:
        run = workload.prepare("cvatorm", ctx)
    except Unavailable as reason:
        return f"not available: {reason}"
    profiler = cProfile.Profile(time.process_time)  # CPU: waiting for the server is not cost
    outcome: Outcome = profiler.runcall(run)
    if outcome.finish is not None:
        outcome.finish(outcome)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    header = next((line for line in lines if "function calls" in line), "")
    return "\n".join([header.strip(), *lines[start:]])


def run_workloads(workloads: list[Workload], ctx: Context, memory: bool) -> list[WorkloadResult]:
    out = []
    for workload in workloads:
        results = run_interleaved(workload, workload.order, ctx, memory)
        results = {client: results[client] for client in CLIENTS if client in results}
        out.append(WorkloadResult(
            workload.key, workload.title, results,
            {client: workload.describe(client, ctx) for client in CLIENTS},
        ))
    return out


def judge(workloads: list[Workload], results: list[WorkloadResult], ctx: Context) -> None:
    for workload, result in zip(workloads, results, strict=True):
        result.problems = workload.check(ctx, result.results)
        result.targets = workload.targets(ctx, result.results)
        result.observations = workload.observations(ctx, result.results)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--tasks", type=int, default=20_000,
                        help="synthetic tasks for workloads 1-5 (jobs: ~1.9 per task)")
    parser.add_argument("--write-tasks", type=int, default=400,
                        help="synthetic tasks on workload 6's server (LocalCVAT recomputes "
                        "derived fields of every row on each write)")
    parser.add_argument("--sdk-limit", type=int, default=1000,
                        help="most tasks cvat-sdk lists in one workload (it costs ms each)")
    parser.add_argument("--latency-tasks", type=int, default=10_000,
                        help="synthetic tasks on workload 7's server")
    parser.add_argument("--latency", type=float, default=0.1,
                        help="seconds of latency per request on workload 7's server")
    parser.add_argument("--floor-page-size", type=int, default=0,
                        help="the floor's page size (default: the fastest of "
                        f"{', '.join(map(str, FLOOR_PAGE_SIZES))} on this server)")
    parser.add_argument("--repeats", type=int, default=0,
                        help="runs per client and workload (default: each workload's own)")
    parser.add_argument("--cold-tasks", type=int, default=1_000,
                        help="synthetic tasks on the server of workloads 9-10 (cold start)")
    parser.add_argument("--schema-delay", type=float, default=0.5,
                        help="seconds the cold-start server takes to serve /api/schema/ "
                        "(the real CVAT 2.64 takes 0.45-0.6 s when idle)")
    parser.add_argument("--scale-tasks", type=int, default=100_000,
                        help="synthetic tasks on workload 11's server (LocalCVAT at scale)")
    parser.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                        help="comma-separated workload keys")
    parser.add_argument("--real", metavar="URL",
                        help="run the workloads against this real CVAT (workloads "
                        f"{', '.join(REAL_WORKLOADS)}) instead of LocalCVAT")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="do not cProfile cvatorm's runs of workloads whose target is missed")
    parser.add_argument("--in-process", action="store_true",
                        help="run LocalCVAT in a thread of this process (distorts CPU times)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--json", type=Path, help="also write raw figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results, text = execute(args)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([_as_json(r) for r in results], indent=1),
                             encoding="utf-8")
    return 0


def execute(args: argparse.Namespace) -> tuple[list[WorkloadResult], str]:
    """Run what ``args`` asks for; the results and the report's text."""
    chosen = {k.strip() for k in args.workloads.split(",") if k.strip()}
    if args.real:
        chosen &= set(REAL_WORKLOADS)
    workloads = [cls() for cls in ALL if cls.key in chosen]
    for workload in workloads:
        if args.repeats:
            workload.repeats = args.repeats
            workload.fixed_rounds = True
    servers = {  # name: (synthetic tasks, latency, schema delay); started once, in this order
        "main": (args.tasks, 0.0, 0.0),
        "cold": (args.cold_tasks, 0.0, args.schema_delay),
        "writes": (args.write_tasks, 0.0, 0.0),
        "latency": (args.latency_tasks, args.latency, 0.0),
        "scale": (args.scale_tasks, 0.0, 0.0),
    }

    measure.install()
    if args.real:
        return execute_real(args, workloads)
    info: dict[str, Any] = machine()
    info["cvat-sdk"] = sdk_version()
    info["sizes"] = (f"N={args.tasks:,} tasks (workloads 1-5, 8), {args.write_tasks:,} "
                     f"(workloads 6, 12, 13), {args.latency_tasks:,} with "
                     f"{args.latency * 1000:g} ms latency (workload 7), {args.cold_tasks:,} "
                     f"with the schema served in "
                     f"{args.schema_delay:g} s (9-10), {args.scale_tasks:,} (11); cvat-sdk "
                     f"lists at most {args.sdk_limit:,} per workload (4x that in 1b); "
                     "figures are medians of interleaved rounds")
    info["server"] = ("LocalCVAT in a thread" if args.in_process
                      else "LocalCVAT in a child process")
    started = time.perf_counter()
    by_key: dict[str, WorkloadResult] = {}
    profiles: dict[str, str] = {}
    for name, (n_tasks, latency, schema_delay) in servers.items():
        group = [w for w in workloads if w.server == name]
        if not group:
            continue
        log(f"[{name}] generating {n_tasks:,} synthetic tasks")
        data = synthetic.generate(n_tasks)
        try:
            log(f"[{name}] {data}; starting LocalCVAT")
            with BenchServer(data.folder, latency=latency, in_process=args.in_process,
                             schema_delay=schema_delay) as server:
                log(f"[{name}] LocalCVAT up in {server.startup_seconds:.1f} s at {server.url}")
                ctx = make_context(server, data, args.sdk_limit)
                ctx.notes["bench_server"] = server
                if args.floor_page_size:
                    ctx.floor_page_size = args.floor_page_size
                elif name in ("main", "cold"):
                    timings = calibrate_floor(ctx, FLOOR_PAGE_SIZES,
                                              min(20_000, data.total_tasks))
                    log("floor page sizes (us/object): " + ", ".join(
                        f"{k}: {v * 1e6:.1f}" for k, v in timings.items())
                        + f" -> {ctx.floor_page_size}")
                if name == "main":
                    ctx.notes["bytes_per_task"] = bytes_per_task(ctx)
                    ctx.notes["unit_costs"] = unit_costs.page_costs(ctx)
                run_group(group, ctx, args, by_key, profiles)
        finally:
            shutil.rmtree(data.folder, ignore_errors=True)
    return finish(workloads, by_key, profiles, info, started)


def run_group(group: list[Workload], ctx: Context, args: argparse.Namespace,
              by_key: dict[str, WorkloadResult], profiles: dict[str, str]) -> None:
    group_results = run_workloads(group, ctx, not args.no_memory)
    judge(group, group_results, ctx)
    for workload, result in zip(group, group_results, strict=True):
        by_key[workload.key] = result
        if args.profile and any(t.met is False for t in result.targets):
            log(f"profiling cvatorm on ({workload.key})")
            profiles[workload.key] = profile_cvatorm(workload, ctx)


def execute_real(args: argparse.Namespace,
                 workloads: list[Workload]) -> tuple[list[WorkloadResult], str]:
    """The workloads against a real CVAT: its own data (load it with benchmarks.real_load)."""
    from benchmarks.real_load import describe_server

    url = args.real.rstrip("/")
    info: dict[str, Any] = machine()
    info["cvat-sdk"] = sdk_version()
    started = time.perf_counter()
    floor = Floor(url, session_auth=True)  # a shared server: see Floor
    data, task_ids, version = describe_server(floor)
    info["server"] = f"real CVAT {version} at {url}"
    info["sizes"] = (f"{data.total_tasks:,} tasks, {data.total_jobs:,} jobs on the server; "
                     f"cvat-sdk lists at most {args.sdk_limit:,} per workload; figures are "
                     "medians of interleaved rounds")
    floor.close()
    log(f"[real] {url}: CVAT {version}, {data}")
    ctx = make_context_for(url, data, args.sdk_limit, session_auth=True)
    ctx.notes["task_ids"] = task_ids
    if args.floor_page_size:
        ctx.floor_page_size = args.floor_page_size
    else:
        timings = calibrate_floor(ctx, FLOOR_PAGE_SIZES, min(20_000, data.total_tasks))
        log("floor page sizes (us/object): " + ", ".join(
            f"{k}: {v * 1e6:.1f}" for k, v in timings.items()) + f" -> {ctx.floor_page_size}")
    by_key: dict[str, WorkloadResult] = {}
    profiles: dict[str, str] = {}
    run_group(workloads, ctx, args, by_key, profiles)
    return finish(workloads, by_key, profiles, info, started)


def finish(workloads: list[Workload], by_key: dict[str, WorkloadResult],
           profiles: dict[str, str], info: dict[str, Any],
           started: float) -> tuple[list[WorkloadResult], str]:
    measure.uninstall()
    results = [by_key[w.key] for w in workloads if w.key in by_key]
    info["run time"] = f"{time.perf_counter() - started:.0f} s"
    text = render(results, info)
    if profiles:
        text += "\n### Profiles (cProfile of cvatorm, client CPU time, by own time)\n"
        for key, profile in profiles.items():
            text += f"\n({key}):\n\n```\n{profile}\n```\n"
    return results, text


def _as_json(result: WorkloadResult) -> dict[str, Any]:
    return {
        "workload": result.key,
        "title": result.title,
        "problems": result.problems,
        "targets": [{"text": t.text, "met": t.met, "detail": t.detail} for t in result.targets],
        "results": {
            client: {
                "available": m.available, "note": m.note, "error": m.error,
                "objects": m.objects, "wall": m.wall, "cpu": m.cpu,
                "requests": dict(m.requests), "peak_bytes": m.peak_bytes,
                "sent": [f"{r.method} {r.path} " + "&".join(
                    f"{k}={v[0][:40]}" for k, v in sorted(r.query.items())) for r in m.sent[:50]],
                "extra": {k: v for k, v in (m.outcome.extra if m.outcome else {}).items()
                          if isinstance(v, (int, float, str, bool))},
            }
            for client, m in result.results.items()
        },
    }
