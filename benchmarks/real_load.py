"""Load a real CVAT with tasks for ``python -m benchmarks --real URL``, and remove them again.

    python -m benchmarks.real_load --url http://127.0.0.1:8080 add 1000
    python -m benchmarks.real_load --url http://127.0.0.1:8080 remove

``add`` creates tasks named ``cvatorm-bench-NNNN`` (no data: listing them is what the
benchmark measures), one in 100 with ``subset == "Test"`` (workload 2's 1%); ``remove``
deletes every task whose name starts with that prefix and nothing else. Only 127.0.0.1 and
localhost are accepted: this writes to the server.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.clients import Floor
from benchmarks.synthetic import RARE_SUBSET, SyntheticData

PREFIX = "cvatorm-bench-"
_MINE = json.dumps({"in": [PREFIX, {"var": "name"}]})


def _ids(floor: Floor, resource: str, **params: str) -> list[int]:
    return sorted(item["id"] for item in floor.walk(resource, 500, **params))


def describe_server(floor: Floor) -> tuple[SyntheticData, list[int], str]:
    """What the workloads check their results against, read from the server: every task id
    (sorted), the counts, and the server's version."""
    task_ids = _ids(floor, "tasks")
    job_ids = _ids(floor, "jobs")
    rare = floor.get("/api/tasks", page_size=1, subset=RARE_SUBSET)["count"]
    version = str(floor.get("/api/server/about").get("version", "?"))
    data = SyntheticData(
        folder=Path("-"), tasks=len(task_ids), jobs=len(job_ids), rare_tasks=rare,
        first_task_id=task_ids[0] if task_ids else 0,
        first_job_id=job_ids[0] if job_ids else 0,
        total_tasks=len(task_ids), total_jobs=len(job_ids),
    )
    return data, task_ids, version


class _Relogin:
    """Token auth that logs in again on a 401: on a shared server another client's logout
    (``POST /api/auth/logout``) deletes the user's one DRF token."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor

    def send(self, method: str, path: str, **kwargs: object) -> int:
        for attempt in range(3):
            floor = self.floor
            response = floor.session.request(method, f"{floor.url}{path}", **kwargs)  # type: ignore[arg-type]
            if response.status_code != 401 or attempt == 2:
                if response.status_code >= 400 and response.status_code != 404:
                    response.raise_for_status()
                return response.status_code
            self.floor = Floor(floor.url, session_auth=True)
        raise AssertionError("unreachable")


def add(floor: Floor, count: int) -> int:
    existing = {task["name"] for task in floor.walk("tasks", 500, filter=_MINE)}
    names = [f"{PREFIX}{n:04d}" for n in range(count) if f"{PREFIX}{n:04d}" not in existing]

    def create(name: str) -> None:
        n = int(name.removeprefix(PREFIX))
        body = {"name": name, "labels": [{"name": "car"}],
                "subset": RARE_SUBSET if n % 100 == 0 else ""}
        sender.send("POST", "/api/tasks", json=body)

    sender = _Relogin(floor)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(create, names))
    return len(names)


def remove(floor: Floor) -> int:
    ids = [task["id"] for task in floor.walk("tasks", 500, filter=_MINE)
           if str(task["name"]).startswith(PREFIX)]

    def delete(task_id: int) -> None:
        sender.send("DELETE", f"/api/tasks/{task_id}")

    sender = _Relogin(floor)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(delete, ids))
    return len(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("action", choices=("add", "remove"))
    parser.add_argument("count", type=int, nargs="?", default=1000)
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
        print("only a server on 127.0.0.1 or localhost", file=sys.stderr)
        return 2
    floor = Floor(args.url, session_auth=True)
    if args.action == "add":
        print(f"created {add(floor, args.count)} tasks")
    else:
        print(f"deleted {remove(floor)} tasks")
    floor.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
