"""Other clients changing the data during a walk: they create tasks and delete existing ones.

Runs in a child process (so its work neither counts as the walking client's requests nor
competes for the walking client's GIL). Each of ``threads`` clients loops: create a task,
delete one task from ``delete_ids``, until told to stop, bounded by ``max_seconds`` and
``max_operations``. The parent gets back the ids created and deleted.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from typing import Any


@dataclass
class Churn:
    created: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _worker(url: str, ids: list[int], stop: Event, churn: Churn, deadline: float,
            max_operations: int) -> None:
    from benchmarks.clients import Floor

    floor = Floor(url)
    pending = iter(ids)
    operations = 0
    while not stop.is_set() and time.monotonic() < deadline and operations < max_operations:
        try:
            response = floor.session.post(
                f"{floor.url}/api/tasks",
                json={"name": "churn", "labels": [{"name": "churn"}]},
            )
            response.raise_for_status()
            churn.created.append(int(response.json()["id"]))
            victim = next(pending, None)
            if victim is not None:
                response = floor.session.delete(f"{floor.url}/api/tasks/{victim}")
                if response.status_code in (204, 404):
                    churn.deleted.append(victim)
                else:
                    churn.errors.append(f"DELETE {victim}: {response.status_code}")
            operations += 2
        except Exception as error:  # reported to the parent
            churn.errors.append(f"{type(error).__name__}: {error}")
            time.sleep(0.05)


def _main(url: str, ids: list[int], threads: int, stop: Event, ready: Event,
          results: Any, max_seconds: float, max_operations: int) -> None:
    churn = Churn()
    deadline = time.monotonic() + max_seconds
    shares = [ids[i::threads] for i in range(threads)]
    workers = [
        threading.Thread(target=_worker,
                         args=(url, share, stop, churn, deadline, max_operations // threads))
        for share in shares
    ]
    ready.set()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((churn.created, churn.deleted, churn.errors))


class Mutator:
    """``with Mutator(url, delete_ids): walk()``: churn runs while the block runs."""

    def __init__(self, url: str, delete_ids: list[int], *, threads: int = 2,
                 max_seconds: float = 120.0, max_operations: int = 4000) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._ready = context.Event()
        self._results: Any = context.Queue()
        self._process = context.Process(
            target=_main,
            args=(url, list(delete_ids), threads, self._stop, self._ready, self._results,
                  max_seconds, max_operations),
            daemon=True,
        )
        self.churn = Churn()

    def __enter__(self) -> Mutator:
        self._process.start()
        self._ready.wait(60)
        time.sleep(0.2)  # let the churn get going before the walk starts
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            created, deleted, errors = self._results.get(timeout=60)
            self.churn = Churn(list(created), list(deleted), list(errors))
        finally:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
