"""The printed result: per-client figures, ratios, targets met or missed, and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Measurement
from benchmarks.workloads.base import CLIENTS, Target


@dataclass
class WorkloadResult:
    key: str
    title: str
    results: dict[str, Measurement]
    descriptions: dict[str, str]
    problems: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        commit = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit or "?",
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def _us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:,.1f}"


def _s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def _mib(size: int | None) -> str:
    return "-" if size is None else f"{size / 2**20:.1f}"


def _requests(m: Measurement) -> str:
    if not m.requests:
        return "0"
    parts = [f"{n} {method}" for method, n in sorted(m.requests.items())]
    return " + ".join(parts)


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.2f}x" if a / b < 100 else f"{a / b:.0f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"
    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
            *(line(r) for r in rows)]


def render(workloads: list[WorkloadResult], info: dict[str, Any]) -> str:
    """The whole report as Markdown (readable as plain text too)."""
    out: list[str] = []
    out.append("## Results")
    out.append("")
    out.append(" ".join(f"{k}: {v}." for k, v in info.items()))
    out.append("")
    rows = []
    for w in workloads:
        for client in CLIENTS:
            m = w.results.get(client)
            if m is None:
                continue
            name = f"({w.key}) {w.title}"
            if not m.available:
                rows.append([name, client, "not available", "", "", "", "", "", m.note])
                continue
            if m.error is not None:
                rows.append([name, client, "error", "", "", "", "", "", m.error[:120]])
                continue
            rows.append([name, client, f"{m.objects:,}", _requests(m), _s(m.wall),
                         _us(m.wall_per_object), _us(m.cpu_per_object), _mib(m.peak_bytes),
                         w.descriptions.get(client, "")])
    out.extend(_table(["workload", "client", "objects", "requests", "wall s", "wall us/obj",
                       "client CPU us/obj", "peak MiB", "how"], rows))
    out.append("")
    out.append("### Ratios")
    out.append("")
    rows = []
    for w in workloads:
        floor, orm, sdk = (w.results.get(c) for c in CLIENTS)
        def ok(m: Measurement | None) -> bool:
            return bool(m and m.available and m.error is None and m.objects)
        rows.append([
            f"({w.key}) {w.title}",
            _ratio(orm.wall_per_object, floor.wall_per_object) if ok(orm) and ok(floor)
            and orm and floor else "-",
            _ratio(orm.cpu_per_object, floor.cpu_per_object) if ok(orm) and ok(floor)
            and orm and floor else "-",
            _ratio(sdk.wall_per_object, orm.wall_per_object) if ok(orm) and ok(sdk)
            and orm and sdk else "-",
            _ratio(sdk.cpu_per_object, orm.cpu_per_object) if ok(orm) and ok(sdk)
            and orm and sdk else "-",
        ])
    out.extend(_table(["workload", "cvatorm / floor (wall)", "cvatorm / floor (CPU)",
                       "cvat-sdk / cvatorm (wall)", "cvat-sdk / cvatorm (CPU)"], rows))
    out.append("")
    out.append("Per object (divide by objects listed): cvat-sdk may run on fewer objects than "
               "the others, see \"how\".")
    out.append("")
    out.append("### Targets")
    out.append("")
    for w in workloads:
        for t in w.targets:
            mark = {True: "met", False: "MISSED", None: "not measured"}[t.met]
            out.append(f"- **{mark}**: {t.text}: {t.detail}")
    observations = [f"({w.key}) {o}" for w in workloads for o in w.observations]
    if observations:
        out.append("")
        out.append("### Observations")
        out.append("")
        out.extend(f"- {o}" for o in observations)
    problems = [f"({w.key}) {p}" for w in workloads for p in w.problems]
    if problems:
        out.append("")
        out.append("### Correctness problems")
        out.append("")
        out.extend(f"- {p}" for p in problems)
    out.append("")
    return "\n".join(out)
