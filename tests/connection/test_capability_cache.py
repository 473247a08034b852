"""Capabilities without the schema download: bundled for 2.64.x, kept on disk per server and
version (``Config.cache_dir``), kept in the process, read from the server at most once per
server and version per process (docs/internals/capabilities-cache.md)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cvatorm
from cvatorm.connection import Client, Config
from cvatorm.connection.capability_store import (
    FILE_FORMAT,
    STORE,
    CapabilityStore,
    DiskCache,
)
from cvatorm.exceptions import TransportError
from cvatorm.models import Job, Project, Task
from cvatorm.wire import _defaults
from cvatorm.wire._generate_defaults import render
from cvatorm.wire.capabilities import (
    BUNDLED_VERSION,
    ResourceCapabilities,
    bundled_capabilities,
    bundled_table,
    parse_schema,
    table_from_json,
    table_to_json,
)

from .stub_server import Canned, StubCVAT

DATA = Path(cvatorm.__file__).parent / "testing" / "data"
SERVER = "http://cvat.example:8080"
TINY = {"/api/users": ResourceCapabilities(filter_fields=frozenset({"id", "username"}))}


def _tiny_schema() -> dict[str, Any]:
    """A schema whose only list is /api/users, filtering on id and username."""
    return {
        "info": {"version": "2.99.0"},
        "paths": {
            "/api/users": {
                "get": {
                    "parameters": [
                        {
                            "name": "filter",
                            "in": "query",
                            "description": "Available filter_fields: ['id', 'username']",
                        }
                    ]
                }
            }
        },
    }


# --------------------------------------------------------------------------- the bundled table


def test_the_bundled_module_is_what_the_generator_makes_of_the_bundled_schema() -> None:
    schema = json.loads((DATA / "schema.json").read_text(encoding="utf-8"))
    module = Path(_defaults.__file__).read_text(encoding="utf-8")
    assert render(schema) == module
    assert schema["info"]["version"] == BUNDLED_VERSION
    table = bundled_table(BUNDLED_VERSION)
    assert table == parse_schema(schema)


@pytest.mark.parametrize(
    ("version", "bundled"),
    [("2.64.1", True), ("2.64.0", True), ("2.64.7", True), ("2.64.1.dev0", True),
     ("2.65.0", False), ("2.6", False), ("3.64.1", False), ("nonsense", False), (None, False)],
)  # fmt: skip
def test_the_bundled_table_serves_its_major_minor_only(version: str | None, bundled: bool) -> None:
    assert (bundled_table(version) is not None) == bundled


def test_a_table_survives_its_json_form() -> None:
    table = bundled_table(BUNDLED_VERSION)
    assert table is not None
    assert table_from_json(json.loads(json.dumps(table_to_json(table)))) == table


@pytest.mark.parametrize(
    "data",
    [None, [], "x", {"/api/users": []}, {"users": TINY["/api/users"].as_lists()},
     {"/api/users": {"filter_fields": ["id"]}},
     {"/api/users": {**TINY["/api/users"].as_lists(), "filter_fields": "id"}},
     {"/api/users": {**TINY["/api/users"].as_lists(), "filter_fields": [1]}}],
)  # fmt: skip
def test_anything_else_is_no_table(data: Any) -> None:
    assert table_from_json(data) is None


# --------------------------------------------------------------------------- the store


class SchemaReads:
    def __init__(self, table: Any = TINY) -> None:
        self.table = table
        self.count = 0

    def __call__(self) -> Any:
        self.count += 1
        if isinstance(self.table, BaseException):
            raise self.table
        return self.table


def test_a_bundled_version_reads_neither_schema_nor_disk(tmp_path: Path) -> None:
    reads = SchemaReads()
    entry = CapabilityStore().get(SERVER, "2.64.3", read_schema=reads, disk=DiskCache(tmp_path))
    assert entry.source == "bundled" and not entry.complete
    assert entry.table["/api/tasks"] == bundled_capabilities("tasks")
    assert reads.count == 0
    assert not (tmp_path / "capabilities").exists()


def test_an_unknown_version_is_read_once_then_served_from_disk_in_the_next_process(
    tmp_path: Path,
) -> None:
    reads = SchemaReads()
    first = CapabilityStore()
    entry = first.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path))
    assert (entry.source, entry.table, reads.count) == ("schema", TINY, 1)
    assert first.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path)) is entry
    assert reads.count == 1
    (saved,) = (tmp_path / "capabilities").iterdir()
    assert "cvat.example" in saved.name and saved.name.endswith("-2.99.0.json")
    document = json.loads(saved.read_text())
    assert document["format"] == FILE_FORMAT and document["server"] == SERVER
    later = CapabilityStore().get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path))
    assert (later.source, later.table, reads.count) == ("disk", TINY, 1)


def test_each_server_and_version_has_its_own_table(tmp_path: Path) -> None:
    reads = SchemaReads()
    store = CapabilityStore()
    disk = DiskCache(tmp_path)
    store.get(SERVER, "2.99.0", read_schema=reads, disk=disk)
    store.get(SERVER, "2.99.1", read_schema=reads, disk=disk)
    store.get("http://other:8080", "2.99.0", read_schema=reads, disk=disk)
    assert reads.count == 3
    assert len(list((tmp_path / "capabilities").iterdir())) == 3


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"\xff\xfe\x00", b"[]", b'{"format": "other/9", "lists": {}}',
     json.dumps({"format": FILE_FORMAT, "server": "http://elsewhere", "version": "2.99.0",
                 "lists": table_to_json(TINY)}).encode(),
     json.dumps({"format": FILE_FORMAT, "server": SERVER, "version": "2.99.0",
                 "lists": {"/api/users": "everything"}}).encode()],
)  # fmt: skip
def test_a_damaged_or_foreign_cache_file_is_ignored_and_replaced(
    tmp_path: Path, content: bytes
) -> None:
    disk = DiskCache(tmp_path)
    path = disk.path_for(SERVER, "2.99.0")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    reads = SchemaReads()
    entry = CapabilityStore().get(SERVER, "2.99.0", read_schema=reads, disk=disk)
    assert (entry.source, entry.table, reads.count) == ("schema", TINY, 1)
    assert disk.read(SERVER, "2.99.0") == TINY


def test_a_cache_directory_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    reads = SchemaReads()
    entry = CapabilityStore().get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(blocker))
    assert entry.table == TINY


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    disk = DiskCache(tmp_path)
    for _ in range(3):
        disk.write(SERVER, "2.99.0", TINY)
    assert [p.name for p in (tmp_path / "capabilities").iterdir()] == [
        disk.path_for(SERVER, "2.99.0").name
    ]


def test_an_unreachable_server_keeps_nothing_and_the_next_lookup_asks_again(
    tmp_path: Path,
) -> None:
    reads = SchemaReads(TransportError("down"))
    store = CapabilityStore()
    with pytest.raises(TransportError):
        store.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path))
    reads.table = TINY
    assert store.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path)).table == TINY
    assert reads.count == 2


def test_an_unusable_schema_is_kept_in_the_process_but_not_on_disk(tmp_path: Path) -> None:
    reads = SchemaReads(None)
    store = CapabilityStore()
    entry = store.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path))
    assert (entry.source, entry.table, entry.complete) == ("unusable schema", {}, True)
    store.get(SERVER, "2.99.0", read_schema=reads, disk=DiskCache(tmp_path))
    assert reads.count == 1
    assert not (tmp_path / "capabilities").exists()


def test_a_list_the_bundled_table_lacks_reads_the_schema_once(tmp_path: Path) -> None:
    reads = SchemaReads()
    store = CapabilityStore()
    disk = DiskCache(tmp_path)
    assert store.get(SERVER, "2.64.1", read_schema=reads, disk=disk).source == "bundled"
    full = store.get(SERVER, "2.64.1", read_schema=reads, disk=disk, complete=True)
    assert (full.source, full.table) == ("schema", TINY)
    assert store.get(SERVER, "2.64.1", read_schema=reads, disk=disk, complete=True) is full
    assert store.get(SERVER, "2.64.1", read_schema=reads, disk=disk) is full
    assert reads.count == 1


def test_threads_share_one_schema_read_and_no_lock_is_held_during_it(tmp_path: Path) -> None:
    store = CapabilityStore()
    release = threading.Event()
    inside = threading.Event()
    reads = 0

    def slow_read() -> Any:
        nonlocal reads
        reads += 1
        inside.set()
        # Another lookup (another server) completes while this read is in flight: the store's
        # lock is not held across it.
        other = store.get("http://b:1", "2.64.1", read_schema=lambda: None, disk=None)
        assert other.source == "bundled"
        assert release.wait(10)
        return TINY

    results: list[Any] = []

    def lookup() -> None:
        results.append(store.get(SERVER, "2.99.0", read_schema=slow_read, disk=None).table)

    threads = [threading.Thread(target=lookup) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert inside.wait(10)
    release.set()
    for thread in threads:
        thread.join(10)
    assert reads == 1
    assert results == [TINY] * 8


# --------------------------------------------------------------------------- the client


@pytest.fixture
def unknown_stub() -> Iterator[StubCVAT]:
    server = StubCVAT(version="2.99.0").start()
    yield server
    server.stop()


def _schema_reads(stub: StubCVAT) -> int:
    return sum(1 for method, path in stub.paths() if path == "/api/schema/")


def test_a_client_of_an_unknown_version_reads_the_schema_once_per_process(
    unknown_stub: StubCVAT, tmp_path: Path
) -> None:
    unknown_stub.queue("GET", "/api/schema/", Canned(200, _tiny_schema()))
    config = Config(cache_dir=tmp_path)
    try:
        first = Client(unknown_stub.url, config=config)
        assert first.capabilities("/api/users") == ResourceCapabilities(
            filter_fields=frozenset({"id", "username"})
        )
        assert first.capability_source == "schema"
        second = Client(unknown_stub.url, config=config)
        assert second.capabilities("/api/users") == first.capabilities("/api/users")
        # A list the server's schema does not describe: the bundled 2.64 table answers it.
        assert second.capabilities("/api/tasks") == bundled_capabilities("tasks")
        assert _schema_reads(unknown_stub) == 1
        assert unknown_stub.paths().count(("GET", "/api/server/about")) == 2  # the checks
        # The next process finds it on disk.
        STORE.forget(first.server_id)
        third = Client(unknown_stub.url, config=config)
        assert third.capabilities("/api/users").filter_fields == {"id", "username"}
        assert third.capability_source == "disk"
        assert _schema_reads(unknown_stub) == 1
    finally:
        STORE.forget(unknown_stub.url)


def test_a_client_without_the_version_check_asks_about_not_the_schema(
    stub: StubCVAT, tmp_path: Path
) -> None:
    client = Client(stub.url, config=Config(cache_dir=tmp_path), check_server_version=False)
    assert stub.paths() == []
    client.capabilities("/api/tasks")
    client.capabilities("/api/jobs")
    assert stub.paths() == [("GET", "/api/server/about")]
    assert client.capability_source == "bundled"
    assert not (tmp_path / "capabilities").exists()


def test_a_server_without_a_version_falls_back_to_reading_its_schema(
    stub: StubCVAT, tmp_path: Path
) -> None:
    stub.queue("GET", "/api/server/about", Canned(200, {"name": "CVAT"}))
    stub.queue("GET", "/api/schema/", Canned(200, _tiny_schema()))
    try:
        client = Client(stub.url, config=Config(cache_dir=tmp_path), check_server_version=False)
        assert client.capabilities("/api/users").filter_fields == {"id", "username"}
        assert _schema_reads(stub) == 1
        assert not (tmp_path / "capabilities").exists()  # no version: nothing to key a file by
    finally:
        STORE.forget(stub.url)


def test_connect_and_query_send_no_schema_request(
    cvat_target: Any, traffic: Any, tmp_path: Path
) -> None:
    """On LocalCVAT and the real 2.64 server alike: the version check, the login, the query."""
    cvatorm.connect(
        cvat_target.url,
        credentials=cvat_target.credentials,
        alias="capabilities-test",
        config=Config(cache_dir=tmp_path),
    )
    try:
        client = cvatorm.connection.connections["capabilities-test"]
        traffic.attach(client)
        Task.objects.using("capabilities-test").count()
        Job.objects.using("capabilities-test").filter(state="new").count()
        list(Project.objects.using("capabilities-test").order_by("-id")[:2])
        assert not [e for e in traffic.exchanges if e.path.startswith("/api/schema")]
        assert client.capability_source == "bundled"
        assert len(traffic.select("GET", "/api/server/about")) == 0  # asked before attach
        assert os.path.isdir(tmp_path) and not (tmp_path / "capabilities").exists()
    finally:
        cvatorm.disconnect("capabilities-test")
