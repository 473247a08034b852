"""The client's memory of which user id a username names.

``job.assignee = "alice"; job.save()`` needs alice's id: the first save asks the server
(``GET /api/users?filter=...``), later saves of the same client reuse the answer instead of asking
again per object (a loop over 200 jobs sent 200 extra GETs). A username keeps its id for the
lifetime of the account, so a short TTL (five minutes) and a small size (256 names) bound the
staleness that remains: an account deleted and recreated under the same name. A refusal that may
come from such a stale id (400 or 404 to a request that carried it) drops the id, and the next
save asks again; logging in or out forgets everything (another user may see other users).

Entries are kept per organization context, as the server answers the lookup in one. The cache is
shared by the client's threads: a lock guards each read and write, never a request.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from cachetools import TTLCache

__all__ = ["UsernameCache"]

#: How many usernames one client remembers, and for how long (seconds).
MAX_USERNAMES = 256
USERNAME_TTL = 300.0


class UsernameCache:
    """``(organization, username) -> the server's user data`` (a ``BasicUser`` dict), with a TTL."""

    def __init__(
        self, *, maxsize: int = MAX_USERNAMES, ttl: float = USERNAME_TTL, timer: Any = None
    ) -> None:
        options: dict[str, Any] = {"maxsize": maxsize, "ttl": ttl}
        if timer is not None:
            options["timer"] = timer
        self._entries: TTLCache[tuple[str | None, str], dict[str, Any]] = TTLCache(**options)
        self._lock = threading.Lock()

    def get(self, organization: str | None, username: str) -> dict[str, Any] | None:
        """A copy of the user data remembered for ``username``, or None."""
        with self._lock:
            found = self._entries.get((organization, username))
        return copy.deepcopy(found) if found is not None else None

    def put(self, organization: str | None, data: Mapping[str, Any]) -> None:
        """Remember a user the server returned (ignored without an int id and a username)."""
        username, user_id = data.get("username"), data.get("id")
        if not isinstance(username, str) or not isinstance(user_id, int):
            return
        kept = copy.deepcopy(dict(data))
        with self._lock:
            self._entries[(organization, username)] = kept

    def drop_ids(self, user_ids: Iterable[object]) -> None:
        """Forget the usernames that resolved to any of ``user_ids`` (in every organization)."""
        ids = {user_id for user_id in user_ids if user_id is not None}
        if not ids:
            return
        with self._lock:
            stale = [key for key, data in self._entries.items() if data.get("id") in ids]
            for key in stale:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
