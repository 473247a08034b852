"""The test server's database: every resource as the API serves it to the admin.

Objects are kept in their wire form (the JSON the real server returns), so listing, filtering and
the assets comparison work on exactly what a client sees. Fields the real server computes from
other rows (a task's ``jobs.count``, a job's ``project_name``, nested users, ``url`` fields, ...)
are recomputed after every change (only the rows a change can reach; see
:mod:`cvatorm.testing.derived`), so they can never go stale.

The HTTP server is threaded, and a test server at scale (100,000 tasks) must answer list
requests in milliseconds, side by side. So:

- access goes through a readers-writer lock (:mod:`cvatorm.testing.rwlock`): reads share it,
  a write holds it alone (:attr:`Store.lock` is the write hold, :meth:`Store.reading` the
  read hold), so no reader sees a half-made change;
- each table keeps its keys sorted (maintained on insert and delete), so a list request takes
  an id range with a binary search instead of sorting the table;
- :attr:`Store.generation` changes with every write, and :meth:`Store.memo` keeps what a
  read computed from the tables (an equality index, a user's visible rows) until it does.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from cvatorm.testing import derived
from cvatorm.testing.rwlock import RWLock, _Hold

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
T = TypeVar("T")

#: Memoized read results kept at once (each is at most one table's worth of references).
_MEMO_SIZE = 64


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
        self._rw = RWLock()
        self._tables: dict[str, dict[Any, Obj]] = {name: {} for name in RESOURCES}
        #: Each table's keys in ascending order; tables in ``_unsorted`` rebuild it when read
        #: (a seed loads rows in any order, and sorting once beats inserting one by one).
        self._keys: dict[str, list[Any]] = {name: [] for name in RESOURCES}
        self._unsorted: set[str] = set()
        #: Bumped by every write: what :meth:`memo` computed at an older one is stale.
        self.generation = 0
        self._memo: dict[Hashable, tuple[int, Any]] = {}
        self._counters: dict[str, int] = {name: 0 for name in RESOURCES}
        self._counters["storages"] = 0
        self._counters["attributes"] = 0
        self.passwords: dict[int, str] = {}
        self.token_secrets: dict[str, int] = {}
        self._depth = 0
        self._pending = derived.Changes()
        self._derived = derived.Context(self._tables, self.url, self.basic_user)

    # -- locking ------------------------------------------------------------------------------

    @property
    def lock(self) -> _Hold:
        """The write hold: ``with store.lock:`` keeps every other request out (several changes
        that must look like one). Re-entrant; a thread that only reads uses :meth:`reading`."""
        return self._rw.write

    def reading(self) -> _Hold:
        """The read hold: ``with store.reading():`` reads rows in place while other readers do
        the same; writes wait until it is released."""
        return self._rw.read

    @property
    def upgrades(self) -> int:
        """How many times a thread holding only a read hold had to write (diagnostics)."""
        return self._rw.upgrades

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept until the next write: for indexes and per-user views over the
        tables, which list requests would otherwise rebuild in O(N) each time."""
        with self._rw.read:
            generation = self.generation
            found = self._memo.get(key)
            if found is not None and found[0] == generation:
                result: T = found[1]
                return result
            value = compute()
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = (generation, value)
            return value

    # -- reading ------------------------------------------------------------------------------

    def all(self, resource: str) -> list[Obj]:
        """Every object of a resource as served to the admin (copies; newest id first).

        Labels: only first-level labels, as ``GET /api/labels`` lists them (sublabels are served
        nested in their parent and can be retrieved by id).
        """
        with self._rw.read:
            return [clone(row) for row in self.rows(resource)]

    def rows(self, resource: str) -> list[Obj]:
        """The stored objects themselves, as :meth:`all` lists them but without copying.

        For list requests over big tables (copying 100,000 tasks per request would dominate
        its time): the caller must hold :meth:`reading` (or :attr:`lock`) while it reads them,
        must not change them, and copies only what it returns (see ``routes.common.list_page``).
        """
        with self._rw.read:
            rows = list(self._table(resource).values())
            if resource == "labels":
                rows = [row for row in rows if row.get("parent_id") is None]
            return rows

    def sorted_rows(self, resource: str) -> list[Obj]:
        """:meth:`rows` in ascending key order (the order list requests tie-break in), from
        the table's sorted key index: no sort per request. Same rules as :meth:`rows`."""
        with self._rw.read:
            table = self._table(resource)
            rows = [table[key] for key in self.sorted_keys(resource)]
            if resource == "labels":
                rows = [row for row in rows if row.get("parent_id") is None]
            return rows

    def sorted_keys(self, resource: str) -> list[Any]:
        """Every key of a table in ascending order (the live index: do not change it; hold
        :meth:`reading` while using it)."""
        with self._rw.read:
            table = self._table(resource)
            keys = self._keys.get(resource)
            if keys is None or resource in self._unsorted:
                # rebuilt by whichever reader gets here first; readers only ever see a
                # finished list (one assignment), and writers are kept out meanwhile
                keys = sorted(table)
                self._keys[resource] = keys
                self._unsorted.discard(resource)
            return keys

    def equal_index(self, resource: str, name: str) -> dict[Any, list[Any]] | None:
        """``{value: [keys in table order]}`` of a plain field (``task_id``, ``status``), kept
        until the next write; None when some value cannot be a dict key. (A value matches
        what ``==`` matches: ``True`` and ``1`` are one key, as they are equal.)"""

        def build() -> dict[Any, list[Any]] | None:
            index: dict[Any, list[Any]] = {}
            try:
                for key, row in self._table(resource).items():
                    index.setdefault(row.get(name), []).append(key)
            except TypeError:  # a dict or list value
                return None
            return index

        return self.memo(("equal", resource, name), build)

    def get(self, resource: str, key: int | str) -> Obj | None:
        """One object (a copy) or None. Invitations are keyed by their ``key`` string."""
        with self._rw.read:
            table = self._table(resource)
            row = table.get(key)
            if row is None and isinstance(key, str) and key.isdigit():
                row = table.get(int(key))
            return clone(row) if row is not None else None

    def find(self, resource: str, **equal: Any) -> list[Obj]:
        """Objects whose fields equal the given values (copies), e.g. ``find("jobs", task_id=3)``.

        Unlike :meth:`all`, sublabels are included for labels. One field with a scalar value is
        answered from an equality index (:meth:`equal_index`), in table order.
        """
        with self._rw.read:
            if len(equal) == 1:
                [(name, value)] = equal.items()
                index = self.equal_index(resource, name)
                if index is not None and isinstance(value, (int, str, bool, type(None))):
                    table = self._tables[resource]
                    return [clone(table[key]) for key in index.get(value, ())]
            return [
                clone(row)
                for row in self._table(resource).values()
                if all(row.get(name) == value for name, value in equal.items())
            ]

    def user_by_username(self, username: str) -> Obj | None:
        """The user with this username (case-sensitive, as Django's default backend)."""
        with self._rw.read:
            for row in self._tables["users"].values():
                if row["username"] == username:
                    return clone(row)
            return None

    def user_by_email(self, email: str) -> Obj | None:
        """The user with this e-mail (case-insensitive, as CVAT's login by e-mail)."""
        with self._rw.read:
            for row in self._tables["users"].values():
                if row.get("email", "").lower() == email.lower() and email:
                    return clone(row)
            return None

    def basic_user(self, user_id: int | None) -> Obj | None:
        """A user as nested in other objects (``BasicUser``), or None."""
        if user_id is None:
            return None
        with self._rw.read:
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
        with self._rw.write:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                self._changed()

    def next_id(self, resource: str) -> int:
        """A fresh id, never reused (like a database sequence)."""
        with self._rw.write:
            self._counters[resource] += 1
            return self._counters[resource]

    def put(self, resource: str, obj: Obj) -> Obj:
        """Insert or replace an object (keyed by ``id``, or ``key`` for invitations)."""
        with self._rw.write:
            key = obj["key"] if resource == "invitations" else obj["id"]
            if isinstance(key, int):
                self._counters[resource] = max(self._counters[resource], key)
            table = self._tables[resource]
            self._pending.note(resource, key, table.get(key), None)
            if key not in table:
                self._insert_key(resource, key)
            table[key] = clone(obj)
            self._pending.note(resource, key, table[key], None)
            self._changed()
            return clone(table[key])

    def load(self, resource: str, obj: Obj) -> None:
        """Insert a freshly parsed seed object, taking ownership of it (no copies, no refresh:
        seeding runs in one :meth:`transaction`, and copying 100,000 rows twice was most of
        a big seed's start-up time)."""
        with self._rw.write:
            key = obj["key"] if resource == "invitations" else obj["id"]
            if isinstance(key, int):
                self._counters[resource] = max(self._counters[resource], key)
            self._tables[resource][key] = obj
            self._unsorted.add(resource)
            self._pending.full = True  # a seed: everything is recomputed once
            self._changed()

    def update(self, resource: str, key: int | str, changes: dict[str, Any]) -> Obj:
        """Apply field changes to a stored object; returns the refreshed copy."""
        with self._rw.write:
            row = self._table(resource)[key]
            self._pending.note(resource, key, row, changes)  # the parent it leaves
            row.update(clone(changes))
            self._pending.note(resource, key, row, changes)
            self._changed()
            return clone(row)

    def remove(self, resource: str, key: int | str) -> None:
        """Delete one object without cascading (see :mod:`cvatorm.testing.cascade`)."""
        with self._rw.write:
            removed = self._table(resource).pop(key, None)
            if removed is not None:
                self._pending.note(resource, key, removed, None)
                self._delete_key(resource, key)
            if resource == "users" and isinstance(key, int):
                self.passwords.pop(key, None)
            self._changed()

    def remove_many(self, resource: str, keys: Iterable[Any]) -> None:
        """Delete several objects of one resource."""
        with self._rw.write:
            table = self._table(resource)
            for key in list(keys):
                removed = table.pop(key, None)
                if removed is not None:
                    self._pending.note(resource, key, removed, None)
                    self._delete_key(resource, key)
            self._changed()

    def note_id(self, counter: str, value: int) -> None:
        """Remember an id seen in the seed data (storages, attributes), so new ones are fresh."""
        with self._rw.write:
            self._counters[counter] = max(self._counters.get(counter, 0), value)

    def new_storage(self, spec: dict[str, Any] | None) -> Obj:
        """A task/project storage setting as served (``{"cloud_storage_id", "id", "location"}``)."""
        spec = spec or {}
        return {
            "cloud_storage_id": spec.get("cloud_storage_id"),
            "id": self.next_id("storages"),
            "location": spec.get("location", "local"),
        }

    # -- the sorted key index -----------------------------------------------------------------

    def _insert_key(self, resource: str, key: Any) -> None:
        """A new key (under the write hold): new ids are the largest, so this is an append."""
        if resource in self._unsorted:
            return
        keys = self._keys.setdefault(resource, [])
        if not keys or keys[-1] < key:
            keys.append(key)
        else:
            bisect.insort(keys, key)

    def _delete_key(self, resource: str, key: Any) -> None:
        if resource in self._unsorted:
            return
        keys = self._keys.get(resource)
        if keys is None:
            return
        at = bisect.bisect_left(keys, key)
        if at < len(keys) and keys[at] == key:
            del keys[at]

    # -- derived fields -----------------------------------------------------------------------

    def _changed(self) -> None:
        self.generation += 1  # also inside a transaction: its own reads must not see old memos
        if self._depth == 0:
            changes, self._pending = self._pending, derived.Changes()
            if changes:
                derived.refresh_changed(self._derived, changes)
            self.generation += 1

    def refresh(self) -> None:
        """Recompute every field the real server derives from other rows."""
        with self._rw.write:
            self._pending = derived.Changes()
            derived.refresh_all(self._derived)
            self.generation += 1

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
