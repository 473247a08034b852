"""The test server's database: every resource as the API serves it to the admin.

Objects are kept in their wire form (the JSON the real server returns), so listing, filtering and
the assets comparison work on exactly what a client sees. Fields the real server computes from
other rows (a task's ``jobs.count``, a job's ``project_name``, nested users, ``url`` fields, ...)
are recomputed after every change by :meth:`Store.refresh`, so they can never go stale.

All access goes through one re-entrant lock: the HTTP server is threaded.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

#: The resources a Store holds, by wire name.
RESOURCES: tuple[str, ...] = (
    "users",
    "organizations",
    "memberships",
    "invitations",
    "projects",
    "tasks",
    "jobs",
    "labels",
    "issues",
    "comments",
    "access_tokens",
)

Obj = dict[str, Any]


def now_iso() -> str:
    """The current time as DRF renders a ``DateTimeField`` (UTC, microseconds, ``Z``)."""
    stamp = datetime.datetime.now(datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """In-memory tables of wire-form objects, keyed by ``id`` (invitations by ``key``).

    ``passwords`` maps user id to password; ``token_secrets`` maps a personal access token's
    secret to its id (secrets are never part of the served objects, as on the real server).
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.lock = threading.RLock()
        self._tables: dict[str, dict[Any, Obj]] = {name: {} for name in RESOURCES}
        self._counters: dict[str, int] = {name: 0 for name in RESOURCES}
        self._counters["storages"] = 0
        self._counters["attributes"] = 0
        self.passwords: dict[int, str] = {}
        self.token_secrets: dict[str, int] = {}
        self._depth = 0

    # -- reading ------------------------------------------------------------------------------

    def all(self, resource: str) -> list[Obj]:
        """Every object of a resource as served to the admin (copies; newest id first).

        Labels: only first-level labels, as ``GET /api/labels`` lists them (sublabels are served
        nested in their parent and can be retrieved by id).
        """
        with self.lock:
            return [clone(row) for row in self.rows(resource)]

    def rows(self, resource: str) -> list[Obj]:
        """The stored objects themselves, as :meth:`all` lists them but without copying.

        For list requests over big tables (copying 100,000 tasks per request would dominate
        its time): the caller must hold :attr:`lock` while it reads them, must not change
        them, and copies only what it returns (see ``routes.common.list_page``).
        """
        with self.lock:
            rows = list(self._table(resource).values())
            if resource == "labels":
                rows = [row for row in rows if row.get("parent_id") is None]
            return rows

    def get(self, resource: str, key: int | str) -> Obj | None:
        """One object (a copy) or None. Invitations are keyed by their ``key`` string."""
        with self.lock:
            table = self._table(resource)
            row = table.get(key)
            if row is None and isinstance(key, str) and key.isdigit():
                row = table.get(int(key))
            return clone(row) if row is not None else None

    def find(self, resource: str, **equal: Any) -> list[Obj]:
        """Objects whose fields equal the given values (copies), e.g. ``find("jobs", task_id=3)``.

        Unlike :meth:`all`, sublabels are included for labels.
        """
        with self.lock:
            return [
                clone(row)
                for row in self._table(resource).values()
                if all(row.get(name) == value for name, value in equal.items())
            ]

    def user_by_username(self, username: str) -> Obj | None:
        """The user with this username (case-sensitive, as Django's default backend)."""
        with self.lock:
            for row in self._tables["users"].values():
                if row["username"] == username:
                    return clone(row)
            return None

    def user_by_email(self, email: str) -> Obj | None:
        """The user with this e-mail (case-insensitive, as CVAT's login by e-mail)."""
        with self.lock:
            for row in self._tables["users"].values():
                if row.get("email", "").lower() == email.lower() and email:
                    return clone(row)
            return None

    def basic_user(self, user_id: int | None) -> Obj | None:
        """A user as nested in other objects (``BasicUser``), or None."""
        if user_id is None:
            return None
        with self.lock:
            user = self._tables["users"].get(user_id)
            if user is None:
                return None
            return {
                "first_name": user["first_name"],
                "id": user["id"],
                "last_name": user["last_name"],
                "url": self.url(f"/api/users/{user['id']}"),
                "username": user["username"],
            }

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base_url + path

    # -- writing ------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock over several changes; derived fields are refreshed once at the end."""
        with self.lock:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                self._changed()

    def next_id(self, resource: str) -> int:
        """A fresh id, never reused (like a database sequence)."""
        with self.lock:
            self._counters[resource] += 1
            return self._counters[resource]

    def put(self, resource: str, obj: Obj) -> Obj:
        """Insert or replace an object (keyed by ``id``, or ``key`` for invitations)."""
        with self.lock:
            key = obj["key"] if resource == "invitations" else obj["id"]
            if isinstance(key, int):
                self._counters[resource] = max(self._counters[resource], key)
            self._tables[resource][key] = clone(obj)
            self._changed()
            return clone(self._tables[resource][key])

    def load(self, resource: str, obj: Obj) -> None:
        """Insert a freshly parsed seed object, taking ownership of it (no copies, no refresh:
        seeding runs in one :meth:`transaction`, and copying 100,000 rows twice was most of
        a big seed's start-up time)."""
        with self.lock:
            key = obj["key"] if resource == "invitations" else obj["id"]
            if isinstance(key, int):
                self._counters[resource] = max(self._counters[resource], key)
            self._tables[resource][key] = obj
            self._changed()

    def update(self, resource: str, key: int | str, changes: dict[str, Any]) -> Obj:
        """Apply field changes to a stored object; returns the refreshed copy."""
        with self.lock:
            row = self._table(resource)[key]
            row.update(clone(changes))
            self._changed()
            return clone(row)

    def remove(self, resource: str, key: int | str) -> None:
        """Delete one object without cascading (see :mod:`cvatorm.testing.cascade`)."""
        with self.lock:
            self._table(resource).pop(key, None)
            if resource == "users" and isinstance(key, int):
                self.passwords.pop(key, None)
            self._changed()

    def remove_many(self, resource: str, keys: Iterable[Any]) -> None:
        """Delete several objects of one resource."""
        with self.lock:
            table = self._table(resource)
            for key in list(keys):
                table.pop(key, None)
            self._changed()

    def note_id(self, counter: str, value: int) -> None:
        """Remember an id seen in the seed data (storages, attributes), so new ones are fresh."""
        with self.lock:
            self._counters[counter] = max(self._counters.get(counter, 0), value)

    def new_storage(self, spec: dict[str, Any] | None) -> Obj:
        """A task/project storage setting as served (``{"cloud_storage_id", "id", "location"}``)."""
        spec = spec or {}
        return {
            "cloud_storage_id": spec.get("cloud_storage_id"),
            "id": self.next_id("storages"),
            "location": spec.get("location", "local"),
        }

    # -- derived fields -----------------------------------------------------------------------

    def _changed(self) -> None:
        if self._depth == 0:
            self.refresh()

    def refresh(self) -> None:
        """Recompute every field the real server derives from other rows."""
        with self.lock:
            self._refresh_users_nested()
            self._refresh_projects_and_tasks()
            self._refresh_jobs()
            self._refresh_issues()
            self._refresh_org_objects()

    def _nest(self, row: Obj, field: str) -> None:
        value = row.get(field)
        if isinstance(value, dict) and "id" in value:
            row[field] = self.basic_user(value["id"])

    def _refresh_users_nested(self) -> None:
        for user in self._tables["users"].values():
            user["url"] = self.url(f"/api/users/{user['id']}")
        for resource in ("projects", "tasks", "jobs", "issues", "comments", "organizations"):
            for row in self._tables[resource].values():
                for field in ("owner", "assignee"):
                    self._nest(row, field)
        for resource in ("memberships", "invitations"):
            for row in self._tables[resource].values():
                self._nest(row, "user")
                self._nest(row, "owner")
        for token in self._tables["access_tokens"].values():
            self._nest(token, "owner")

    def _refresh_projects_and_tasks(self) -> None:
        tasks = self._tables["tasks"]
        projects = self._tables["projects"]
        tasks_of = _group(tasks.values(), "project_id")
        jobs_of = _group(self._tables["jobs"].values(), "task_id")
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

    def _refresh_jobs(self) -> None:
        tasks = self._tables["tasks"]
        projects = self._tables["projects"]
        issues_of = _group(self._tables["issues"].values(), "job")
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
                "count": len(issues_of.get(jid, [])),
                "url": self.url(f"/api/issues?job_id={jid}"),
            }
            job["labels"] = {"url": self.url(f"/api/labels?job_id={jid}")}
            job["url"] = self.url(f"/api/jobs/{jid}")

    def _refresh_issues(self) -> None:
        comments_of = _group(self._tables["comments"].values(), "issue")
        for issue in self._tables["issues"].values():
            iid = issue["id"]
            issue["comments"] = {
                "count": len(comments_of.get(iid, [])),
                "url": self.url(f"/api/comments?issue_id={iid}"),
            }

    def _refresh_org_objects(self) -> None:
        orgs = self._tables["organizations"]
        for invitation in self._tables["invitations"].values():
            org = orgs.get(invitation.get("organization"))
            if org is not None:
                invitation["organization_info"] = {"id": org["id"], "slug": org["slug"]}

    def _table(self, resource: str) -> dict[Any, Obj]:
        try:
            return self._tables[resource]
        except KeyError:
            raise KeyError(f"unknown resource {resource!r}") from None


def _group(rows: Iterable[Obj], field: str) -> dict[Any, list[Obj]]:
    """Rows by the value of one field (one pass, so refreshing stays linear)."""
    groups: dict[Any, list[Obj]] = {}
    for row in rows:
        groups.setdefault(row.get(field), []).append(row)
    return groups


def clone(row: Obj) -> Obj:
    """A deep copy of a wire-form object (dicts, lists and JSON scalars only).

    Several times faster than :func:`copy.deepcopy`, which matters because every object a
    request reads or returns is copied (callers must never alias the stored rows).
    """
    return {key: _clone_value(item) for key, item in row.items()}


def _clone_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone_value(item) for item in value]
    return value
