"""Fields the real server derives from other rows, kept up to date after every change.

A task's ``jobs`` summary, a job's ``task_name``/``project_name``/``organization``, a project's
``tasks.count``/``task_subsets``/``dimension``, issue and comment counters, nested users and
``url`` fields. :func:`refresh_all` recomputes everything (start-up, user changes);
:func:`refresh_changed` recomputes only the rows a change can affect, so a write to one task
costs a few linear scans of plain comparisons instead of rebuilding 100,000 tasks and jobs.

:class:`Changes` records what changed: rows whose own fields changed (``own``), rows whose
change reaches their children (``cascade``: a project's name is in its tasks and jobs), and
parents whose aggregates may have moved (``parents``: a job's task counts its jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
Tables = dict[str, dict[Any, Obj]]

#: The field of a row naming its parent row, by resource.
PARENT: dict[str, tuple[str, str]] = {
    "tasks": ("project_id", "projects"),
    "jobs": ("task_id", "tasks"),
    "issues": ("job", "jobs"),
    "comments": ("issue", "issues"),
}

#: Fields whose change must reach the children (see the refresh functions below).
CASCADE_FIELDS: dict[str, frozenset[str]] = {
    "projects": frozenset({"name", "organization", "organization_id", "bug_tracker"}),
    "tasks": frozenset(
        {
            "name", "project_id", "organization", "organization_id", "dimension",
            "source_storage", "target_storage", "bug_tracker",
        }
    ),
}

#: Nested user fields, by resource.
NESTED_USERS: dict[str, tuple[str, ...]] = {
    "projects": ("owner", "assignee"),
    "tasks": ("owner", "assignee"),
    "jobs": ("owner", "assignee"),
    "issues": ("owner", "assignee"),
    "comments": ("owner", "assignee"),
    "organizations": ("owner", "assignee"),
    "memberships": ("user", "owner"),
    "invitations": ("user", "owner"),
    "access_tokens": ("owner",),
    "webhooks": ("owner",),
}

#: Changes to these make the cheap path pointless or unsafe: everything is recomputed.
FULL_REFRESH = frozenset({"users", "organizations"})


@dataclass
class Changes:
    own: dict[str, set[Any]] = field(default_factory=dict)
    cascade: dict[str, set[Any]] = field(default_factory=dict)
    parents: dict[str, set[Any]] = field(default_factory=dict)
    full: bool = False

    def note(self, resource: str, key: Any, row: Obj | None, fields: Iterable[str] | None) -> None:
        """``row`` (its version before or after the change) changed in ``fields`` (None: all,
        as for an insert or a removal)."""
        self.own.setdefault(resource, set()).add(key)
        cascading = CASCADE_FIELDS.get(resource)
        if cascading is not None and (fields is None or cascading.intersection(fields)):
            self.cascade.setdefault(resource, set()).add(key)
        if resource in FULL_REFRESH:
            self.full = True
        link = PARENT.get(resource)
        if link is not None and row is not None:
            parent = _ref(row.get(link[0]))
            if parent is not None:
                self.parents.setdefault(link[1], set()).add(parent)

    def __bool__(self) -> bool:
        return self.full or bool(self.own)


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


class Context:
    """What the refresh functions need from the store."""

    def __init__(
        self,
        tables: Tables,
        url: Callable[[str], str],
        basic_user: Callable[[int | None], Obj | None],
    ) -> None:
        self.tables = tables
        self.url = url
        self.basic_user = basic_user


def refresh_all(ctx: Context) -> None:
    tables = ctx.tables
    for user in tables["users"].values():
        user["url"] = ctx.url(f"/api/users/{user['id']}")
    for resource, fields in NESTED_USERS.items():
        for row in tables[resource].values():
            _nest(ctx, row, fields)
    tasks_of = _group(tables["tasks"].values(), "project_id")
    jobs_of = _group(tables["jobs"].values(), "task_id")
    issues_of = _group(tables["issues"].values(), "job")
    comments_of = _group(tables["comments"].values(), "issue")
    for project in tables["projects"].values():
        _project(ctx, project, tasks_of.get(project["id"], []))
    for task in tables["tasks"].values():
        _task(ctx, task, jobs_of.get(task["id"], []))
    for job in tables["jobs"].values():
        _job(ctx, job, issues_of.get(job["id"], []))
    for issue in tables["issues"].values():
        _issue(ctx, issue, comments_of.get(issue["id"], []))
    _invitations(ctx)


def refresh_changed(ctx: Context, changes: Changes) -> None:
    """Recompute the rows ``changes`` can affect (all of them after a user/org change)."""
    if changes.full:
        refresh_all(ctx)
        return
    tables = ctx.tables
    own, cascade, parents = changes.own, changes.cascade, changes.parents
    for resource, fields in NESTED_USERS.items():
        table = tables[resource]
        for key in own.get(resource, ()):
            if key in table:
                _nest(ctx, table[key], fields)
    project_keys = own.get("projects", set()) | parents.get("projects", set())
    projects = _present(tables["projects"], project_keys)
    cascaded_projects = cascade.get("projects", set())
    tasks_of = _select(tables["tasks"].values(), "project_id", set(projects) | cascaded_projects)
    for key, project in projects.items():
        _project(ctx, project, tasks_of.get(key, []))
    task_keys = own.get("tasks", set()) | parents.get("tasks", set())
    cascaded_tasks = set(cascade.get("tasks", set()))
    for key in cascaded_projects:
        for task in tasks_of.get(key, []):
            task_keys.add(task["id"])
            cascaded_tasks.add(task["id"])
    tasks = _present(tables["tasks"], task_keys)
    jobs_of = _select(tables["jobs"].values(), "task_id", set(tasks) | cascaded_tasks)
    for key, task in tasks.items():
        _task(ctx, task, jobs_of.get(key, []))
    job_keys = own.get("jobs", set()) | parents.get("jobs", set())
    for key in cascaded_tasks:
        job_keys.update(job["id"] for job in jobs_of.get(key, []))
    jobs = _present(tables["jobs"], job_keys)
    issues_of = _select(tables["issues"].values(), "job", set(jobs))
    for key, job in jobs.items():
        _job(ctx, job, issues_of.get(key, []))
    issues = _present(tables["issues"], own.get("issues", set()) | parents.get("issues", set()))
    comments_of = _select(tables["comments"].values(), "issue", set(issues))
    for key, issue in issues.items():
        _issue(ctx, issue, comments_of.get(key, []))
    if "invitations" in own:
        _invitations(ctx)


# -- one row each -------------------------------------------------------------------------


def _nest(ctx: Context, row: Obj, fields: tuple[str, ...]) -> None:
    for name in fields:
        value = row.get(name)
        if isinstance(value, dict) and "id" in value:
            row[name] = ctx.basic_user(value["id"])


def _project(ctx: Context, project: Obj, own: list[Obj]) -> None:
    pid = project["id"]
    project["tasks"] = {"count": len(own), "url": ctx.url(f"/api/tasks?project_id={pid}")}
    project["task_subsets"] = sorted({t["subset"] for t in own if t.get("subset")})
    project["dimension"] = next(
        (t["dimension"] for t in sorted(own, key=lambda t: t["id"]) if t.get("dimension")),
        None,
    )
    project["labels"] = {"url": ctx.url(f"/api/labels?project_id={pid}")}
    project["url"] = ctx.url(f"/api/projects/{pid}")


def _task(ctx: Context, task: Obj, own_jobs: list[Obj]) -> None:
    tid = task["id"]
    parent = ctx.tables["projects"].get(task.get("project_id"))
    if parent is None:
        task["project_id"] = None
        task["project_name"] = None
    else:
        task["project_name"] = parent["name"]
        task["organization"] = parent["organization"]
        task["organization_id"] = parent["organization"]
    task["jobs"] = {
        "completed": sum(
            1 for j in own_jobs if j["state"] == "completed" and j["stage"] == "acceptance"
        ),
        "count": len(own_jobs),
        "url": ctx.url(f"/api/jobs?task_id={tid}"),
        "validation": sum(1 for j in own_jobs if j["stage"] == "validation"),
    }
    task["labels"] = {"url": ctx.url(f"/api/labels?task_id={tid}")}
    task["url"] = ctx.url(f"/api/tasks/{tid}")


def _job(ctx: Context, job: Obj, own_issues: list[Obj]) -> None:
    jid = job["id"]
    task = ctx.tables["tasks"].get(job.get("task_id"))
    if task is not None:
        job["task_name"] = task["name"]
        job["project_id"] = task["project_id"]
        job["project_name"] = task["project_name"]
        job["organization"] = task["organization"]
        job["dimension"] = task.get("dimension", job.get("dimension"))
        job["source_storage"] = task.get("source_storage")
        job["target_storage"] = task.get("target_storage")
        project = ctx.tables["projects"].get(task.get("project_id"))
        # Job.get_bug_tracker: the task's, else the project's (None without a project)
        job["bug_tracker"] = task.get("bug_tracker") or (
            project.get("bug_tracker") if project is not None else None
        )
    job["issues"] = {"count": len(own_issues), "url": ctx.url(f"/api/issues?job_id={jid}")}
    job["labels"] = {"url": ctx.url(f"/api/labels?job_id={jid}")}
    job["url"] = ctx.url(f"/api/jobs/{jid}")


def _issue(ctx: Context, issue: Obj, own_comments: list[Obj]) -> None:
    iid = issue["id"]
    issue["comments"] = {
        "count": len(own_comments),
        "url": ctx.url(f"/api/comments?issue_id={iid}"),
    }


def _invitations(ctx: Context) -> None:
    orgs = ctx.tables["organizations"]
    for invitation in ctx.tables["invitations"].values():
        org = orgs.get(invitation.get("organization"))
        if org is not None:
            invitation["organization_info"] = {"id": org["id"], "slug": org["slug"]}


# -- helpers ------------------------------------------------------------------------------


def _present(table: dict[Any, Obj], keys: set[Any]) -> dict[Any, Obj]:
    return {key: table[key] for key in keys if key in table}


def _group(rows: Iterable[Obj], name: str) -> dict[Any, list[Obj]]:
    """Rows by the value of one field (one pass, so refreshing stays linear)."""
    groups: dict[Any, list[Obj]] = {}
    for row in rows:
        groups.setdefault(row.get(name), []).append(row)
    return groups


def _select(rows: Iterable[Obj], name: str, wanted: set[Any]) -> dict[Any, list[Obj]]:
    """Like :func:`_group`, for the wanted values only (one pass of cheap comparisons)."""
    if not wanted:
        return {}
    groups: dict[Any, list[Obj]] = {}
    for row in rows:
        value = row.get(name)
        if value in wanted:
            groups.setdefault(value, []).append(row)
    return groups
