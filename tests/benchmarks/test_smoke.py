"""A tiny run of the benchmark (issues 6 and 12), so that it cannot rot.

Only correctness and request counts are asserted, never a timing: the numbers of a run on a
shared CI machine mean nothing, and docs/performance.md holds the measured ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.report import WorkloadResult  # noqa: E402
from benchmarks.run import DEFAULT_WORKLOADS, execute, parse_args  # noqa: E402

pytest.importorskip("cvat_sdk")


@pytest.fixture(scope="module")
def run() -> tuple[dict[str, WorkloadResult], str]:
    args = parse_args(["--tasks", "120", "--sdk-limit", "40", "--write-tasks", "30",
                       "--latency-tasks", "150", "--latency", "0.002", "--cold-tasks", "25",
                       "--schema-delay", "0.01", "--scale-tasks", "300", "--repeats", "1",
                       "--no-profile"])
    results, text = execute(args)
    return {r.key: r for r in results}, text


def test_every_workload_ran_for_every_client(run: tuple[dict[str, WorkloadResult], str]) -> None:
    results, text = run
    assert sorted(results) == sorted(DEFAULT_WORKLOADS)
    for key, result in results.items():
        for client, m in result.results.items():
            assert m.error is None, f"({key}) {client}: {m.error}"
            # cvatorm may lack a feature: reported, not faked; (11) does not run cvat-sdk
            if client != "cvatorm" and not (key == "11" and client == "cvat-sdk"):
                assert m.available, f"({key}) {client}: {m.note}"
    assert "### Targets" in text


def test_the_clients_agree_and_walks_are_exact(
    run: tuple[dict[str, WorkloadResult], str],
) -> None:
    results, _ = run
    problems = [
        f"({key}) {p}"
        for key, r in results.items()
        for p in r.problems
        # page-number walks under concurrent writes may lose or repeat objects: that
        # is what workload 7 shows about the floor and cvat-sdk, not a harness bug
        if not (key == "7" and not p.startswith("cvatorm"))
    ]
    assert problems == []


def test_floor_request_counts(run: tuple[dict[str, WorkloadResult], str]) -> None:
    results, _ = run
    assert results["3"].results["floor"].total_requests == 1
    assert results["4"].results["floor"].total_requests == 1
    assert results["5"].results["floor"].total_requests == 2
    floor6 = results["6"].results["floor"]
    assert floor6.objects > 0
    assert dict(floor6.requests) == {"PATCH": floor6.objects}


def test_cvatorm_request_count_targets(run: tuple[dict[str, WorkloadResult], str]) -> None:
    results, _ = run
    for key in ("3", "4", "5", "6", "13"):
        for target in results[key].targets:
            if target.met is None:
                pytest.skip(f"({key}) cvatorm not available: {target.detail}")
            assert target.met, f"({key}) {target.text}: {target.detail}"


def test_the_new_workloads_report_their_figures(
    run: tuple[dict[str, WorkloadResult], str],
) -> None:
    results, text = run
    scale = results["11"].results["floor"]
    assert scale.outcome is not None
    assert scale.outcome.extra["page_server_ms"] > 0  # measured inside the server process
    assert "a keyset page of 500" in text
    cold = results["9"].results
    assert cold["floor"].total_requests == 2  # login + one GET
    assert results["10"].results["cvatorm"].objects == results["10"].results["floor"].objects
    assert results["1b"].results["cvat-sdk"].page_sizes[0] == 500
    assert "cvatorm: the server's time (created to finished)" in text  # (12)
    saves = results["13"].results["cvatorm"]
    assert saves.requests["PATCH"] == saves.objects > 0
    assert all(m.rounds == 1 for r in results.values() for m in r.results.values()
               if m.available and m.error is None)
