"""cvatorm in two minutes.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``). With no ``CVAT_URL``, it starts the embedded test server
(``cvatorm.testing.LocalCVAT``, seeded with CVAT's own test data) and logs in as its admin.

Everything it changes on the server it puts back or deletes, so it is safe to run against a
real server holding data you care about.
"""

from __future__ import annotations

import os

import cvatorm
from cvatorm import Job, Project, Q, Task


def main() -> None:
    with cvatorm.connect_or_embedded() as client:
        if os.environ.get("CVAT_URL"):
            print(f"Connected to {os.environ['CVAT_URL']}")
        else:
            print(f"No CVAT_URL set: started the embedded test server at {client.api_map.host}")
        print("Server version:", client.get_server_version())

        # Querysets are lazy: nothing is sent until the results are needed.
        print("Tasks visible:", Task.objects.count())  # one small request

        recent = Task.objects.order_by("-id")[:5]  # one request
        for task in recent:
            print(f"  {task!r} owner={task.owner.username if task.owner else None}")

        # Filters go to the server when it can evaluate them exactly, the rest runs locally.
        query = Task.objects.filter(Q(name__contains="task") | Q(status="completed")).exclude(
            project_id=None
        )
        print("\nWhat will be sent:\n" + query.explain())
        print("Matching tasks:", [t.id for t in query])

        # Walk a listing lazily, in constant memory, and follow relations.
        new_jobs = Job.objects.filter(state="new").prefetch_related("task")
        for job in new_jobs.iterator():
            print(f"  job {job.id} of task {job.task.name!r} stage={job.stage}")

        # Create, change and delete: save() PATCHes only what changed.
        project = Project.objects.create(
            name="cvatorm quickstart", labels=[{"name": "car"}, {"name": "person"}]
        )
        task = Task.objects.create(name="quickstart task", project_id=project.id)
        task.name = "quickstart task (renamed)"
        task.save()  # PATCH {"name": ...}
        print(f"\nCreated {project!r} with {task!r}; its labels:", [lb.name for lb in task.labels])
        project.delete()  # deletes its tasks too, as CVAT does
        print("Deleted them again; tasks named 'quickstart':",
              Task.objects.filter(name__contains="quickstart").count())


if __name__ == "__main__":
    main()
