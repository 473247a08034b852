"""Querying CVAT with cvatorm: filters, Q objects, ordering, slices, counts, relations, explain.

Runs against ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or ``CVAT_ACCESS_TOKEN``);
with no ``CVAT_URL`` it starts the embedded test server (LocalCVAT, seeded with CVAT's test
data). It only reads. Every step prints how many requests it took, counted on the client side.

    python examples/querying.py
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import cvatorm
from cvatorm import Job, Q, Task


class RequestCounter:
    """Counts the GET requests a client sends (a ``requests`` response hook)."""

    def __init__(self, client: Any) -> None:
        self.sent: list[str] = []
        client.session.hooks["response"].append(self._record)

    def _record(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.sent.append(f"{response.request.method} {response.request.path_url}")

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        start = len(self.sent)
        yield
        print(f"   ({len(self.sent) - start} request(s))\n")


def main() -> None:
    with cvatorm.connect_or_embedded() as client:
        if not os.environ.get("CVAT_URL"):
            print(f"No CVAT_URL set: using the embedded test server at {client.api_map.host}\n")
        counter = RequestCounter(client)
        Task.objects.count()  # the first query also reads the server's schema, once

        with counter.step("count"):
            print("1. Tasks being annotated:", Task.objects.filter(status="annotation").count())

        with counter.step("slice"):
            window = Task.objects.all()[10:20]
            print("2. Tasks 10 to 20 (newest first):", [t.id for t in window])

        with counter.step("server and local conditions"):
            query = Task.objects.filter(
                Q(name__icontains="TASK") | Q(project__name__contains="project"),
                owner__username="admin1",
            ).order_by("-updated_date")
            print("3. Mixed query; the planner's split:")
            print("   " + query.explain().replace("\n", "\n   "))
            print("   ->", [t.name for t in query[:3]])

        with counter.step("related lookups"):
            jobs = Job.objects.filter(task__project_id__isnull=False, state="new")
            print("4. New jobs of tasks in a project:", jobs.count())

        with counter.step("prefetch"):
            listed = list(Job.objects.prefetch_related("task")[:20])
            names = {job.task.name for job in listed}  # no request: prefetched
            print(f"5. {len(listed)} jobs and their {len(names)} tasks")

        with counter.step("values"):
            rows = Task.objects.values_list("id", "owner__username", "project__name")[:3]
            print("6. Rows:", list(rows))

        with counter.step("keyset walk"):
            walked = sum(1 for _ in Job.objects.iterator(chunk_size=20))
            print(f"7. Walked {walked} jobs, 20 per request, by id")

        with counter.step("get"):
            try:
                Task.objects.get(name="no such task")
            except Task.DoesNotExist as error:
                print("8. get():", error)


if __name__ == "__main__":
    main()
