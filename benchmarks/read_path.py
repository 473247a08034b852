"""Client CPU per listed object, without a server: ``python -m benchmarks.read_path``.

A page of 500 tasks (the seed tasks of ``cvatorm/testing/data/tasks.json``, repeated with
distinct ids) as the server sends it. Three costs per task, best of ``--repeats`` runs of CPU
time (``time.process_time``):

- ``json.loads``: the floor, what any client pays to read the page;
- ``build + id``: ``json.loads`` + ``Task._from_wire`` + reading ``id`` (a listing loop);
- ``all fields``: the same, then every declared field read once (enums, datetimes, users,
  storages converted).

Ratios to the floor are printed; the benchmark (``python -m benchmarks``) measures the same
against the network floor (``requests`` + ``json``), whose CPU is higher, so its ratios are
lower than these.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cvatorm
from cvatorm.models import Task

TASKS = Path(cvatorm.__file__).parent / "testing" / "data" / "tasks.json"


def page_body(size: int) -> bytes:
    seeds = json.loads(TASKS.read_text(encoding="utf-8"))
    seeds = seeds["results"] if isinstance(seeds, dict) else seeds
    results = [dict(seeds[i % len(seeds)], id=i + 1) for i in range(size)]
    return json.dumps({"count": size, "next": None, "previous": None, "results": results}).encode()


def best(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def measure(size: int = 500, repeats: int = 15) -> dict[str, float]:
    """Microseconds of CPU per task for each of the three costs."""
    body = page_body(size)
    names = [
        name
        for name, field in Task._meta.fields.items()
        if not field.write_only and name not in Task._meta.relations
    ]

    def floor() -> None:
        json.loads(body)

    def listed() -> None:
        for raw in json.loads(body)["results"]:
            Task._from_wire(raw, client=None).id  # noqa: B018

    def every_field() -> None:
        for raw in json.loads(body)["results"]:
            task = Task._from_wire(raw, client=None)
            for name in names:
                getattr(task, name)

    return {
        "json.loads": best(floor, repeats) / size * 1e6,
        "build + id": best(listed, repeats) / size * 1e6,
        f"all {len(names)} fields": best(every_field, repeats) / size * 1e6,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500, help="tasks per page (default 500)")
    parser.add_argument("--repeats", type=int, default=15, help="runs; the best counts")
    args = parser.parse_args(argv)
    costs = measure(args.size, args.repeats)
    floor = costs["json.loads"]
    for name, cost in costs.items():
        print(f"{name:>16}: {cost:7.1f} us/task  {cost / floor:5.2f}x json.loads")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
