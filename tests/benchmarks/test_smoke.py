"""A tiny run of the benchmark (issue 6), so that it cannot rot.

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
from benchmarks.run import execute, parse_args  # noqa: E402

pytest.importorskip("cvat_sdk")


@pytest.fixture(scope="module")
def run() -> tuple[dict[str, WorkloadResult], str]:
    args = parse_args(["--tasks", "120", "--sdk-limit", "40", "--write-tasks", "30",
                       "--latency-tasks", "150", "--latency", "0.002"])
    results, text = execute(args)
    return {r.key: r for r in results}, text


def test_every_workload_ran_for_every_client(run: tuple[dict[str, WorkloadResult], str]) -> None:
    results, text = run
    assert sorted(results) == ["1", "2", "3", "4", "5", "6", "7"]
    for key, result in results.items():
        for client, m in result.results.items():
            assert m.error is None, f"({key}) {client}: {m.error}"
            if client != "cvatorm":  # cvatorm may lack a feature: reported, not faked
                assert m.available, f"({key}) {client}: {m.note}"
    assert "### Targets" in text


def test_the_clients_agree_and_walks_are_exact(
    run: tuple[dict[str, WorkloadResult], str],
) -> None:
    results, _ = run
    problems = [f"({key}) {p}" for key, r in results.items() for p in r.problems
                # page-number walks under concurrent writes may lose or repeat objects: that
                # is what workload 7 shows about the floor and cvat-sdk, not a harness bug
                if not (key == "7" and not p.startswith("cvatorm"))]
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
    for key in ("3", "4", "5", "6"):
        for target in results[key].targets:
            if target.met is None:
                pytest.skip(f"({key}) cvatorm not available: {target.detail}")
            assert target.met, f"({key}) {target.text}: {target.detail}"



def test_scaling_shim_serves_what_localcvat_serves(tmp_path: Path) -> None:
    """benchmarks/scaling.py changes how list pages are copied, not what they contain."""
    import json
    import subprocess

    from benchmarks import synthetic

    data = synthetic.generate(30, tmp_path / "seed")
    script = (
        "import json, sys, requests\n"
        "if sys.argv[1] == 'shim':\n"
        "    from benchmarks import scaling; scaling.install()\n"
        "from cvatorm.testing import LocalCVAT\n"
        "with LocalCVAT(data=sys.argv[2]) as s:\n"
        "    r = requests.Session(); r.auth = ('admin1', '!Q@W#E$R')\n"
        "    out = [r.get(s.url + '/api/' + q).json() for q in ('tasks?page=2&page_size=7',\n"
        "           'jobs?page_size=9&filter=' + json.dumps({'==': [{'var': 'state'}, 'new']}),\n"
        "           'tasks?search=Test&sort=name')]\n"
        "    r.patch(s.url + '/api/jobs/%d' % int(sys.argv[3]), json={'state': 'completed'})\n"
        "    out.append(r.get(s.url + '/api/tasks?page_size=3').json())\n"
        "    print(json.dumps(out).replace(s.url, 'URL'))\n"
    )
    answers = [
        json.loads(subprocess.run(
            [sys.executable, "-c", script, mode, str(data.folder), str(data.first_job_id)],
            capture_output=True, text=True, check=True, cwd=ROOT).stdout)
        for mode in ("plain", "shim")
    ]
    assert answers[0] == answers[1]
    assert answers[0][0]["count"] == data.total_tasks
