"""A stopgap that lets LocalCVAT hold 100,000 tasks: installed in the benchmark's server only.

LocalCVAT (cvatorm/testing/store.py) is written for the assets' 30 tasks, and two of its
choices are quadratic or linear per request at benchmark sizes (profiled at 3,000 tasks: a
PATCH took 1.5 s, a list request 0.17 s, start-up 3.5 s; all three grow with N, the first and
last with N x jobs):

1. ``Store._refresh_projects_and_tasks`` scans every job for every task (and every task for
   every project) on each write and once at start-up; ``Store._refresh_jobs`` scans every
   issue for every job. Here the rows are grouped once per refresh: same results, O(N).
2. ``Store.all`` deep-copies every row of a table on every list request, before filtering and
   paginating. Here list requests for tasks and jobs read the stored rows in place and only
   the returned page is copied (``listing.list_response`` results, under the store's lock).

Nothing else changes: same routes, same filters, same responses. The fix belongs in LocalCVAT
itself; when it lands there, :func:`install` finds nothing to do (it checks that the code it
replaces is still the code it was written against, and otherwise leaves LocalCVAT alone).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections import defaultdict
from typing import Any

log = logging.getLogger("benchmarks.scaling")

#: Tables big enough in the benchmark to be read in place by list requests.
BIG_TABLES = frozenset({"tasks", "jobs"})

#: Hashes of the source of the methods replaced here, as this shim was written against.
_EXPECTED = {
    "_refresh_projects_and_tasks": "86301f6c6d60",
    "_refresh_jobs": "95cb0b248c70",
}


def _digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:12]


def _refresh_projects_and_tasks(self: Any) -> None:
    tasks = self._tables["tasks"]
    projects = self._tables["projects"]
    jobs = self._tables["jobs"]
    tasks_of: dict[Any, list[Any]] = defaultdict(list)
    for task in tasks.values():
        tasks_of[task.get("project_id")].append(task)
    jobs_of: dict[Any, list[Any]] = defaultdict(list)
    for job in jobs.values():
        jobs_of[job.get("task_id")].append(job)
    for project in projects.values():
        pid = project["id"]
        own = tasks_of.get(pid, [])
        project["tasks"] = {"count": len(own), "url": self.url(f"/api/tasks?project_id={pid}")}
        project["task_subsets"] = sorted({t["subset"] for t in own if t.get("subset")})
        project["dimension"] = next(
            (t["dimension"] for t in sorted(own, key=lambda t: t["id"]) if t.get("dimension")),
            None,
        )
        project["labels"] = {"url": self.url(f"/api/labels?project_id={pid}")}
        project["url"] = self.url(f"/api/projects/{pid}")
    for task in tasks.values():
        tid = task["id"]
        parent = projects.get(task.get("project_id"))
        if parent is None:
            task["project_id"] = None
            task["project_name"] = None
        else:
            task["project_name"] = parent["name"]
            task["organization"] = parent["organization"]
            task["organization_id"] = parent["organization"]
        own_jobs = jobs_of.get(tid, [])
        task["jobs"] = {
            "completed": sum(
                1 for j in own_jobs if j["state"] == "completed" and j["stage"] == "acceptance"
            ),
            "count": len(own_jobs),
            "url": self.url(f"/api/jobs?task_id={tid}"),
            "validation": sum(1 for j in own_jobs if j["stage"] == "validation"),
        }
        task["labels"] = {"url": self.url(f"/api/labels?task_id={tid}")}
        task["url"] = self.url(f"/api/tasks/{tid}")


def _refresh_jobs(self: Any) -> None:
    tasks = self._tables["tasks"]
    projects = self._tables["projects"]
    issues_of: dict[Any, int] = defaultdict(int)
    for issue in self._tables["issues"].values():
        issues_of[issue.get("job")] += 1
    for job in self._tables["jobs"].values():
        jid = job["id"]
        task = tasks.get(job.get("task_id"))
        if task is not None:
            job["task_name"] = task["name"]
            job["project_id"] = task["project_id"]
            job["project_name"] = task["project_name"]
            job["organization"] = task["organization"]
            job["dimension"] = task.get("dimension", job.get("dimension"))
            job["source_storage"] = task.get("source_storage")
            job["target_storage"] = task.get("target_storage")
            project = projects.get(task.get("project_id"))
            # Job.get_bug_tracker: the task's, else the project's (None without a project)
            job["bug_tracker"] = task.get("bug_tracker") or (
                project.get("bug_tracker") if project is not None else None
            )
        job["issues"] = {
            "count": issues_of.get(jid, 0),
            "url": self.url(f"/api/issues?job_id={jid}"),
        }
        job["labels"] = {"url": self.url(f"/api/labels?job_id={jid}")}
        job["url"] = self.url(f"/api/jobs/{jid}")


def install() -> list[str]:
    """Patch LocalCVAT in this process; returns what was patched (empty: nothing)."""
    from cvatorm.testing import listing
    from cvatorm.testing.store import Store

    patched: list[str] = []
    for name, replacement in (("_refresh_projects_and_tasks", _refresh_projects_and_tasks),
                              ("_refresh_jobs", _refresh_jobs)):
        current = getattr(Store, name, None)
        if current is None:
            continue
        found = _digest(current)
        if found != _EXPECTED[name]:
            log.warning("LocalCVAT's Store.%s changed (%s): not patched", name, found)
            continue
        setattr(Store, name, replacement)
        patched.append(f"Store.{name}")

    original_all = Store.all
    original_list_response = listing.list_response
    if getattr(original_all, "__module__", "") != __name__:

        def all_rows(self: Any, resource: str) -> list[Any]:
            if resource not in BIG_TABLES:
                return original_all(self, resource)
            with self.lock:
                return list(self._table(resource).values())

        def list_response(resource: str, items: list[Any], query: Any, *, store: Any,
                          **kwargs: Any) -> dict[str, Any]:
            body: dict[str, Any] = original_list_response(resource, items, query, store=store,
                                                          **kwargs)
            if resource in BIG_TABLES:
                with store.lock:  # the page is copied, as Store.all would have copied it
                    body["results"] = json.loads(json.dumps(body["results"]))
            return body

        Store.all = all_rows  # type: ignore[method-assign]
        listing.list_response = list_response
        patched.append("Store.all (tasks, jobs: page copied, not table)")
    return patched
