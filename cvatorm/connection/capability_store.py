"""Where a client finds its server's capabilities without downloading the schema each time.

Reading ``/api/schema/`` (0.65 MB on a real 2.64 server: half a second, seconds when the server
is busy) before the first query of every connection made short scripts several times slower
than they need be. A client now looks, in order:

1. in this process: a table already found for the same server (``Client.server_id``) and
   version, by any client (:data:`STORE`);
2. in the package: the table bundled for the server's version (2.64.x today,
   :func:`cvatorm.wire.capabilities.bundled_table`);
3. on disk: ``<Config.cache_dir>/capabilities/<host>-<hash>-<version>.json``, written after an
   earlier process read that server's schema;
4. on the server: its schema, read once per server and version per process, then written to
   disk (atomically: a temporary file renamed over the target) for the next processes.

A bundled table is not "complete": when a query needs a list it does not describe (a model this
version of cvatorm declares for a newer server), the schema is read after all (steps 3, 4).
A damaged, foreign or unreadable cache file is ignored (and replaced when the schema is read);
a cache directory that cannot be written is ignored too: the cache never makes a query fail.

Threads: the table of a server is looked up under a lock, but no lock is held while the schema is
downloaded. The first thread that needs it fetches it; the others wait for that fetch (an event,
not a lock) and use its result, so the schema is fetched at most once per server and version per
process; a fetch that fails (the server cannot be reached) lets the next caller try again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cvatorm.wire.capabilities import (
    CapabilityTable,
    bundled_table,
    table_from_json,
    table_to_json,
)

__all__ = ["STORE", "CapabilityEntry", "CapabilityStore", "DiskCache"]

_LOGGER = logging.getLogger("cvatorm.connection")
#: The ``format`` of cache files this version writes and reads.
FILE_FORMAT = "cvatorm-capabilities/1"


@dataclass(frozen=True)
class CapabilityEntry:
    """A server's table; ``complete`` when it was read from that server's schema (or the schema
    could not be used: asking again would not help), not bundled."""

    table: CapabilityTable
    complete: bool
    source: str  # "bundled", "disk", "schema" or "unusable schema"


class DiskCache:
    """One JSON file per server and version under ``<cache_dir>/capabilities``."""

    def __init__(self, cache_dir: Path) -> None:
        self.directory = Path(cache_dir) / "capabilities"

    def path_for(self, server_id: str, version: str) -> Path:
        host = re.sub(r"[^A-Za-z0-9.-]+", "_", server_id.split("://", 1)[-1])[:60]
        digest = hashlib.sha256(server_id.encode()).hexdigest()[:12]
        safe_version = re.sub(r"[^A-Za-z0-9.+-]+", "_", version)[:40]
        return self.directory / f"{host}-{digest}-{safe_version}.json"

    def read(self, server_id: str, version: str) -> CapabilityTable | None:
        """The table saved for this server and version; None when there is none, or the file is
        damaged, of another format, or written for another server or version."""
        path = self.path_for(server_id, version)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            _LOGGER.debug("capability cache %s ignored: %s", path, type(exc).__name__)
            return None
        if (
            not isinstance(document, dict)
            or document.get("format") != FILE_FORMAT
            or document.get("server") != server_id
            or document.get("version") != version
        ):
            _LOGGER.debug("capability cache %s ignored: not this server's", path)
            return None
        table = table_from_json(document.get("lists"))
        if not table:
            _LOGGER.debug("capability cache %s ignored: no usable table", path)
        return table or None

    def write(self, server_id: str, version: str, table: CapabilityTable) -> None:
        """Save ``table`` atomically (readers see the old file or the new one, never a part);
        a directory that cannot be written is logged and ignored."""
        path = self.path_for(server_id, version)
        document = {
            "format": FILE_FORMAT,
            "server": server_id,
            "version": version,
            "lists": table_to_json(table),
        }
        temporary: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, separators=(",", ":"))
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            _LOGGER.debug("capability cache %s not written: %s", path, exc)
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


class CapabilityStore:
    """The process's tables by ``(server_id, version)``; see the module docstring."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str | None], CapabilityEntry] = {}
        self._fetching: dict[tuple[str, str | None], threading.Event] = {}
        self._lock = threading.Lock()

    def get(
        self,
        server_id: str,
        version: str | None,
        *,
        read_schema: Callable[[], CapabilityTable | None],
        disk: DiskCache | None,
        complete: bool = False,
    ) -> CapabilityEntry:
        """The table for this server and version (``complete``: read from the schema, not the
        bundled one). ``read_schema`` fetches and parses the server's schema (None when it is
        unusable; it raises when the server cannot be reached, and nothing is kept)."""
        key = (server_id, version)
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and (entry.complete or not complete):
                    return entry
                if entry is None and not complete:
                    bundled = bundled_table(version)
                    if bundled is not None:
                        entry = self._entries[key] = CapabilityEntry(bundled, False, "bundled")
                        return entry
                waiting = self._fetching.get(key)
                if waiting is None:
                    mine = self._fetching[key] = threading.Event()
            if waiting is not None:
                waiting.wait()  # another thread is reading this table: use its result
                continue
            try:
                entry = self._load(server_id, version, read_schema, disk)
                with self._lock:
                    self._entries[key] = entry
                return entry
            finally:
                with self._lock:
                    self._fetching.pop(key, None)
                mine.set()

    @staticmethod
    def _load(
        server_id: str,
        version: str | None,
        read_schema: Callable[[], CapabilityTable | None],
        disk: DiskCache | None,
    ) -> CapabilityEntry:
        if disk is not None and version is not None:
            saved = disk.read(server_id, version)
            if saved is not None:
                return CapabilityEntry(saved, True, "disk")
        table = read_schema()
        if not table:
            # The bundled table answers each list (``bundled_capabilities``); not saved, so a
            # server that publishes its schema later is read then.
            return CapabilityEntry({}, True, "unusable schema")
        if disk is not None and version is not None:
            disk.write(server_id, version, table)
        return CapabilityEntry(table, True, "schema")

    def forget(self, server_id: str | None = None) -> None:
        """Drop the tables of ``server_id`` (every server's with None): the next lookup finds
        them again (bundled, disk or schema)."""
        with self._lock:
            for key in list(self._entries):
                if server_id is None or key[0] == server_id:
                    del self._entries[key]

    def entry(self, server_id: str, version: str | None) -> CapabilityEntry | None:
        with self._lock:
            return self._entries.get((server_id, version))


#: The process's store, shared by every client.
STORE = CapabilityStore()
