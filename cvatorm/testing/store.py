"""The test server's database: every resource as the API serves it to the admin.

Objects are kept in their wire form (the JSON the real server returns), so listing, filtering and
the assets comparison work on exactly what a client sees. Fields the real server computes from
other rows (a task's ``jobs.count``, a job's ``project_name``, nested users, ``url`` fields, ...)
are recomputed after every change (only the rows a change can reach; see
:mod:`cvatorm.testing.derived`), so they can never go stale.

All access goes through one re-entrant lock: the HTTP server is threaded.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cvatorm.testing import derived

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
    "webhooks",
    "webhook_deliveries",
    "cloudstorages",
    "quality_settings",
    "quality_reports",
    "quality_conflicts",
    "consensus_settings",
    "validation_layouts",
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
        self._pending = derived.Changes()
        self._derived = derived.Context(self._tables, self.url, self.basic_user)

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
            table = self._tables[resource]
            self._pending.note(resource, key, table.get(key), None)
            table[key] = clone(obj)
            self._pending.note(resource, key, table[key], None)
            self._changed()
            return clone(table[key])

    def load(self, resource: str, obj: Obj) -> None:
        """Insert a freshly parsed seed object, taking ownership of it (no copies, no refresh:
        seeding runs in one :meth:`transaction`, and copying 100,000 rows twice was most of
        a big seed's start-up time)."""
        with self.lock:
            key = obj["key"] if resource == "invitations" else obj["id"]
            if isinstance(key, int):
                self._counters[resource] = max(self._counters[resource], key)
            self._tables[resource][key] = obj
            self._pending.full = True  # a seed: everything is recomputed once
            self._changed()

    def update(self, resource: str, key: int | str, changes: dict[str, Any]) -> Obj:
        """Apply field changes to a stored object; returns the refreshed copy."""
        with self.lock:
            row = self._table(resource)[key]
            self._pending.note(resource, key, row, changes)  # the parent it leaves
            row.update(clone(changes))
            self._pending.note(resource, key, row, changes)
            self._changed()
            return clone(row)

    def remove(self, resource: str, key: int | str) -> None:
        """Delete one object without cascading (see :mod:`cvatorm.testing.cascade`)."""
        with self.lock:
            removed = self._table(resource).pop(key, None)
            if removed is not None:
                self._pending.note(resource, key, removed, None)
            if resource == "users" and isinstance(key, int):
                self.passwords.pop(key, None)
            self._changed()

    def remove_many(self, resource: str, keys: Iterable[Any]) -> None:
        """Delete several objects of one resource."""
        with self.lock:
            table = self._table(resource)
            for key in list(keys):
                removed = table.pop(key, None)
                if removed is not None:
                    self._pending.note(resource, key, removed, None)
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
            changes, self._pending = self._pending, derived.Changes()
            if changes:
                derived.refresh_changed(self._derived, changes)

    def refresh(self) -> None:
        """Recompute every field the real server derives from other rows."""
        with self.lock:
            self._pending = derived.Changes()
            derived.refresh_all(self._derived)

    def _table(self, resource: str) -> dict[Any, Obj]:
        try:
            return self._tables[resource]
        except KeyError:
            raise KeyError(f"unknown resource {resource!r}") from None


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
