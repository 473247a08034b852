"""Synthetic seed data for LocalCVAT: N tasks (and their jobs) shaped exactly like the assets.

Every synthetic task is a copy of one of the asset tasks that has data (cycled in order), and
every synthetic job a copy of one of that template task's jobs, renumbered: new ids, urls,
names, storage ids, data ids, dates, and ``parent_job_id`` mapped inside the task. Every other
resource (users, organizations, projects, labels, issues, ...) is the assets' own, so
references stay valid. The asset tasks and jobs are kept too (ids below the synthetic ones).

One task in every 100 synthetic tasks has ``subset == "Test"`` (no asset task has that
subset): the 1% that workload 2 finds.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

#: The subset that marks the 1% of synthetic tasks workload 2 filters for.
RARE_SUBSET = "Test"

#: Files of the assets that are copied unchanged.
_ASSETS_PACKAGE = "cvatorm.testing"


def assets_dir() -> Path:
    """The folder of LocalCVAT's seed data (``cvatorm/testing/data``)."""
    return Path(str(resources.files(_ASSETS_PACKAGE).joinpath("data")))


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    with open(folder / f"{name}.json", encoding="utf-8") as f:
        page = json.load(f)
    results: list[dict[str, Any]] = page["results"]
    return results


def _page(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "000Z"


def _replace_id_in_url(url: str, old: int, new: int) -> str:
    """``.../api/tasks/35`` -> ``.../api/tasks/1035``; ``...?task_id=35`` -> ``...=1035``."""
    for sep in ("/", "="):
        suffix = f"{sep}{old}"
        if url.endswith(suffix):
            return url[: -len(suffix)] + f"{sep}{new}"
    return url


class SyntheticData:
    """The generated tasks and jobs, and counts a benchmark checks its results against."""

    def __init__(self, folder: Path, tasks: int, jobs: int, rare_tasks: int,
                 first_task_id: int, first_job_id: int, total_tasks: int, total_jobs: int):
        self.folder = folder
        self.tasks = tasks  # synthetic tasks
        self.jobs = jobs  # synthetic jobs
        self.rare_tasks = rare_tasks  # synthetic tasks with subset == RARE_SUBSET
        self.first_task_id = first_task_id
        self.first_job_id = first_job_id
        self.total_tasks = total_tasks  # synthetic + asset tasks: what the admin lists
        self.total_jobs = total_jobs

    def __repr__(self) -> str:
        return (f"SyntheticData({self.folder}, tasks={self.total_tasks}, "
                f"jobs={self.total_jobs}, rare={self.rare_tasks})")


def generate(n_tasks: int, folder: Path | None = None) -> SyntheticData:
    """Write a LocalCVAT data folder with the assets plus ``n_tasks`` synthetic tasks.

    ``folder`` defaults to a new temporary directory (the caller removes it).
    """
    source = assets_dir()
    target = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="cvatorm-bench-"))
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name not in ("tasks.json", "jobs.json", "projects.json") and path.is_file():
            shutil.copyfile(path, target / path.name)

    asset_tasks = _load(source, "tasks")
    asset_jobs = _load(source, "jobs")
    projects = _load(source, "projects")

    jobs_by_task: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for job in asset_jobs:
        jobs_by_task[job["task_id"]].append(job)
    for task_jobs in jobs_by_task.values():
        task_jobs.sort(key=lambda j: j["id"])
    templates = sorted(
        (t for t in asset_tasks if t.get("data") is not None and jobs_by_task.get(t["id"])),
        key=lambda t: t["id"],
    )

    # json.loads of a pre-serialized template is ~4x faster than copy.deepcopy.
    task_text = {t["id"]: json.dumps(t) for t in templates}
    job_text = {j["id"]: json.dumps(j) for t in templates for j in jobs_by_task[t["id"]]}

    task_id = max(t["id"] for t in asset_tasks) + 1
    job_id = max(j["id"] for j in asset_jobs) + 1
    first_task_id, first_job_id = task_id, job_id
    data_id = max(t["data"] for t in asset_tasks if t.get("data") is not None) + 1
    storage_ids = [s.get("id") or 0 for x in (*asset_tasks, *asset_jobs, *projects)
                   for s in (x.get("source_storage"), x.get("target_storage")) if s]
    storage_id = max(storage_ids) + 1
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)

    tasks: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    rare = 0
    tasks_per_project: dict[int, int] = defaultdict(int)
    for i in range(n_tasks):
        template = templates[i % len(templates)]
        old_id = template["id"]
        task = json.loads(task_text[old_id])
        created = start + timedelta(seconds=60 * i)
        task["id"] = task_id
        task["url"] = _replace_id_in_url(template["url"], old_id, task_id)
        task["name"] = f"{template['name']} #{i}"
        task["data"] = data_id
        task["created_date"] = _iso(created)
        task["updated_date"] = _iso(created + timedelta(seconds=1))
        task["jobs"]["url"] = _replace_id_in_url(template["jobs"]["url"], old_id, task_id)
        task["labels"]["url"] = _replace_id_in_url(template["labels"]["url"], old_id, task_id)
        if i % 100 == 0:
            task["subset"] = RARE_SUBSET
            rare += 1
        for key in ("source_storage", "target_storage"):
            if task.get(key):
                task[key]["id"] = storage_id
                storage_id += 1
        if task.get("project_id") is not None:
            tasks_per_project[task["project_id"]] += 1
        tasks.append(task)

        id_map: dict[int, int] = {}
        for template_job in jobs_by_task[old_id]:
            id_map[template_job["id"]] = job_id
            job = json.loads(job_text[template_job["id"]])
            job["id"] = job_id
            job["url"] = _replace_id_in_url(template_job["url"], template_job["id"], job_id)
            job["task_id"] = task_id
            job["task_name"] = task["name"]
            job["created_date"] = task["created_date"]
            job["updated_date"] = task["updated_date"]
            job["issues"] = {"count": 0, "url": _replace_id_in_url(
                template_job["issues"]["url"], template_job["id"], job_id)}
            job["labels"]["url"] = _replace_id_in_url(
                template_job["labels"]["url"], template_job["id"], job_id)
            for key in ("source_storage", "target_storage"):
                if job.get(key) and task.get(key):
                    job[key]["id"] = task[key]["id"]
            jobs.append(job)
            job_id += 1
        for job in jobs[len(jobs) - len(jobs_by_task[old_id]):]:
            if job.get("parent_job_id") is not None:
                job["parent_job_id"] = id_map.get(job["parent_job_id"], job["parent_job_id"])
        task_id += 1
        data_id += 1

    for project in projects:
        extra = tasks_per_project.get(project["id"], 0)
        if extra:
            project["tasks"]["count"] = project["tasks"].get("count", 0) + extra
            if RARE_SUBSET not in project.get("task_subsets", []):
                project["task_subsets"] = sorted([*project.get("task_subsets", []), RARE_SUBSET])

    all_tasks = sorted([*asset_tasks, *tasks], key=lambda t: -t["id"])
    all_jobs = sorted([*asset_jobs, *jobs], key=lambda j: -j["id"])
    for name, results in (("tasks", all_tasks), ("jobs", all_jobs), ("projects", projects)):
        with open(target / f"{name}.json", "w", encoding="utf-8") as f:
            # json.dumps (C encoder) then write: json.dump streams through the pure-Python one.
            f.write(json.dumps(_page(results), separators=(",", ":")))
    return SyntheticData(target, len(tasks), len(jobs), rare, first_task_id, first_job_id,
                         len(all_tasks), len(all_jobs))


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    data = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
                    Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(data)
