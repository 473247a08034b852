"""Give every unassigned job the assignee of its task, and report deactivated assignees.

A typical clean-up script written with cvatorm's models:

- tasks that have an assignee are listed once, with their jobs prefetched (one request for
  all the jobs, not one per task);
- each job without an assignee gets the task's assignee: ``job.save()`` sends one PATCH whose
  body is exactly ``{"assignee": <id>}``; jobs that need nothing send nothing;
- each task whose assignee is no longer an active user is reported.

Runs against ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or ``CVAT_ACCESS_TOKEN``),
where it only *prints* what it would change unless ``--apply`` is given. With no ``CVAT_URL``
it starts the embedded test server (LocalCVAT, seeded with CVAT's test data) and applies the
changes there, which touches nothing real.

    python examples/fix_assignees.py               # LocalCVAT, applied
    CVAT_URL=https://cvat.example python examples/fix_assignees.py --org org2 [--apply]
"""

from __future__ import annotations

import argparse
import os

import cvatorm
from cvatorm import Job, Task, User


def unassigned_jobs(tasks: list[Task]) -> list[tuple[Job, Task]]:
    """(job, its task) for every job without an assignee whose task has one."""
    found = []
    for task in tasks:
        for job in task.jobs:  # prefetched: no request here
            if job.assignee is None:
                found.append((job, task))
    return found


def fix(organization: str | None, apply: bool) -> int:
    tasks = Task.objects.filter(assignee__isnull=False).prefetch_related("jobs")
    if organization is not None:
        tasks = tasks.in_org(organization)
    tasks_list = list(tasks)
    print(f"{len(tasks_list)} assigned task(s)")

    changed = 0
    for job, task in unassigned_jobs(tasks_list):
        print(f"  {job!r} of {task!r}: assign {task.assignee.username!r}")
        if apply:
            job.assignee = task.assignee
            job.save()  # PATCH /api/jobs/<id> {"assignee": <user id>}
            changed += 1

    active = {u.id for u in User.objects.filter(is_active=True)}
    for task in tasks_list:
        if task.assignee.id not in active:
            print(f"  {task!r} is assigned to inactive user {task.assignee.username!r}")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", help="only this organization (slug)")
    parser.add_argument("--apply", action="store_true", help="write the changes (real server)")
    args = parser.parse_args()
    embedded = not os.environ.get("CVAT_URL")
    with cvatorm.connect_or_embedded() as client:
        if embedded:
            print(f"No CVAT_URL set: using the embedded test server at {client.api_map.host}")
        apply = args.apply or embedded
        changed = fix(args.org, apply)
        if apply:
            print(f"{changed} job(s) assigned")
        else:
            print("dry run: nothing was changed (use --apply)")


if __name__ == "__main__":
    main()
