"""LocalCVAT at scale (issue 12): the readers-writer lock, the sorted key index, the memo, and
the list engine's fast path (an id range cut by binary search, no sort for an id ordering),
which must answer exactly what the general path answers.

No timings here: speed is measured by ``python -m benchmarks`` (docs/performance.md).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cvatorm.testing import LocalCVAT
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import Ordered, list_response, visible_rows
from cvatorm.testing.rwlock import RWLock
from cvatorm.testing.seed import populate
from cvatorm.testing.store import Store

BASE = "http://testserver"
PASSWORD = "!Q@W#E$R"


@pytest.fixture
def store() -> Store:
    seeded = Store(BASE)
    populate(seeded, "assets")
    return seeded


# ------------------------------------------------------------------------------ the lock


def _in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_readers_share_the_lock_and_a_writer_waits_for_them() -> None:
    lock = RWLock()
    inside = threading.Event()
    wrote = threading.Event()
    lock.acquire_read()
    other_read = _in_thread(lambda: (lock.acquire_read(), inside.set(), lock.release_read()))
    assert inside.wait(5), "a second reader was kept out by the first"
    other_read.join(5)

    def write() -> None:
        with lock.write:
            wrote.set()

    writer = _in_thread(write)
    assert not wrote.wait(0.2), "a writer got in while a reader held the lock"
    lock.release_read()
    assert wrote.wait(5)
    writer.join(5)


def test_a_waiting_writer_goes_before_new_readers() -> None:
    lock = RWLock()
    order: list[str] = []
    lock.acquire_read()
    writer = _in_thread(lambda: (lock.acquire_write(), order.append("write"), lock.release_write()))
    time.sleep(0.1)  # the writer now waits for the held read
    reader = _in_thread(lambda: (lock.acquire_read(), order.append("read"), lock.release_read()))
    time.sleep(0.1)
    assert order == []
    lock.release_read()
    writer.join(5)
    reader.join(5)
    assert order == ["write", "read"]


def test_holds_are_reentrant_and_a_reader_may_write() -> None:
    lock = RWLock()
    with lock.write, lock.write, lock.read:
        assert lock.holds_write()
    with lock.read, lock.read:
        with lock.write:  # an upgrade: the read holds are given up, then given back
            assert lock.holds_write()
        assert not lock.holds_write()
    assert lock.upgrades == 1
    done = threading.Event()
    _in_thread(lambda: (lock.acquire_write(), done.set(), lock.release_write()))
    assert done.wait(5), "a hold was left behind"


def test_two_upgrading_readers_do_not_deadlock() -> None:
    lock = RWLock()
    both_reading = threading.Barrier(2)
    finished: list[int] = []

    def read_then_write(n: int) -> None:
        with lock.read:
            both_reading.wait(5)
            with lock.write:
                finished.append(n)

    threads = [_in_thread(lambda n=n: read_then_write(n)) for n in (1, 2)]
    for thread in threads:
        thread.join(5)
    assert sorted(finished) == [1, 2]


# ------------------------------------------------------------------------------ the store


def test_sorted_keys_follow_inserts_and_deletes(store: Store) -> None:
    ids = list(store.sorted_keys("tasks"))
    assert ids == sorted(task["id"] for task in store.all("tasks"))
    low = store.all("tasks")[0] | {"id": 1}  # below every seeded id: an insert, not an append
    store.put("tasks", store.get("tasks", ids[0]) | {"id": 100_000})
    store.put("tasks", low)
    store.remove("tasks", ids[1])
    store.remove_many("tasks", [ids[2], ids[3]])
    expected = sorted({*ids, 1, 100_000} - {ids[1], ids[2], ids[3]})
    assert store.sorted_keys("tasks") == expected
    assert [row["id"] for row in store.sorted_rows("tasks")] == expected
    assert store.sorted_keys("invitations") == sorted(i["key"] for i in store.all("invitations"))


def test_sorted_rows_of_labels_leave_out_sublabels(store: Store) -> None:
    assert [row["id"] for row in store.sorted_rows("labels")] == sorted(
        label["id"] for label in store.all("labels")
    )


def test_find_by_one_field_answers_like_a_scan(store: Store) -> None:
    task_id = store.all("jobs")[0]["task_id"]
    scanned = [job for job in store.all("jobs") if job["task_id"] == task_id]
    assert store.find("jobs", task_id=task_id) == scanned
    job = scanned[0]
    store.remove("jobs", job["id"])  # the index is rebuilt after a write
    assert store.find("jobs", task_id=task_id) == scanned[1:]
    assert store.find("jobs", task_id=-5) == []
    assert store.find("users", is_active=1) == store.find("users", is_active=True)


def test_memo_lasts_until_the_next_write(store: Store) -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert store.memo("k", compute) == 1
    assert store.memo("k", compute) == 1
    store.update("tasks", store.sorted_keys("tasks")[0], {"name": "renamed"})
    assert store.memo("k", compute) == 2


# ------------------------------------------------------------------------------ the list engine

QUERIES: list[dict[str, str]] = [
    {},
    {"page_size": "7"},
    {"page_size": "7", "page": "2"},
    {"page_size": "7", "page": "last"},
    {"sort": "id", "page_size": "5", "page": "3"},
    {"sort": "-id,name"},
    {"sort": "name"},
    {"filter": json.dumps({"<": [{"var": "id"}, 15]}), "page_size": "4"},
    {"filter": json.dumps({">=": [{"var": "id"}, 10.5]}), "sort": "id"},
    {"filter": json.dumps({"<": [{"var": "id"}, 10.5]})},
    {"filter": json.dumps({"==": [{"var": "id"}, 12]})},
    {"filter": json.dumps({"<=": [5, {"var": "id"}, 20]}), "page_size": "3", "page": "2"},
    {"filter": json.dumps({"and": [{">=": [{"var": "id"}, 3]}, {"<": [{"var": "id"}, 25]}]})},
    {"filter": json.dumps({"and": [{"<": [{"var": "id"}, 25]}, {"==": [{"var": "status"},
                                                                        "annotation"]}]})},
    {"filter": json.dumps({"or": [{"<": [{"var": "id"}, 5]}, {">": [{"var": "id"}, 20]}]})},
    {"filter": json.dumps({"<": [{"var": "id"}, None]})},
    {"filter": json.dumps({"==": [{"var": "id"}, None]})},
    {"filter": json.dumps({"<": [{"var": "id"}, "abc"]})},
    {"filter": json.dumps({"<": [{"var": "id"}, 1]})},
    {"filter": json.dumps({"<": [{"var": "nope"}, 1]}), "status": "bogus"},
    {"status": "annotation", "sort": "-id"},
    {"search": "task", "filter": json.dumps({">": [{"var": "id"}, 3]})},
    {"owner": "admin1", "sort": "id", "page_size": "2", "page": "9"},
]


def _answer(resource: str, items: list[Any] | Ordered, query: dict[str, str],
            store: Store) -> Any:
    try:
        return list_response(resource, items, query, store=store, base_url=BASE,
                             path=f"/api/{resource}")
    except HttpError as error:
        return ("error", error.status, error.body)


@pytest.mark.parametrize("resource", ["tasks", "jobs", "labels", "projects", "users"])
@pytest.mark.parametrize("query", QUERIES, ids=[json.dumps(q) for q in QUERIES])
def test_the_ordered_fast_path_answers_like_the_general_path(
    store: Store, resource: str, query: dict[str, str]
) -> None:
    general = _answer(resource, store.rows(resource), query, store)
    ordered = visible_rows(store, resource, "everyone", lambda rows: rows)
    fast = _answer(resource, ordered, query, store)
    assert fast == general


def test_visible_rows_are_filtered_once_per_write(store: Store) -> None:
    calls: list[int] = []

    def visible(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls.append(len(rows))
        return [row for row in rows if row["id"] % 2 == 0]

    first = visible_rows(store, "tasks", "even", visible)
    again = visible_rows(store, "tasks", "even", visible)
    assert again is first and len(calls) == 1
    assert first.keys == sorted(first.keys) and all(key % 2 == 0 for key in first.keys)
    store.remove("tasks", first.keys[0])
    assert visible_rows(store, "tasks", "even", visible).keys == first.keys[1:]
    assert len(calls) == 2


# ------------------------------------------------------------------------------ over HTTP


@pytest.fixture(scope="module")
def server() -> Iterator[LocalCVAT]:
    with LocalCVAT() as local:
        yield local


def test_list_requests_run_while_another_request_reads(server: LocalCVAT) -> None:
    """Reads share the data: a list is answered while a read hold is taken elsewhere, and a
    write waits until that read is over."""
    session = requests.Session()
    session.auth = ("admin1", PASSWORD)
    task_id = session.get(f"{server.url}/api/tasks").json()["results"][0]["id"]
    patched = threading.Event()
    with server.store.reading():
        listed = session.get(f"{server.url}/api/tasks", params={"page_size": 3}, timeout=5)
        assert listed.status_code == 200

        def patch() -> None:
            answer = session.patch(f"{server.url}/api/tasks/{task_id}", json={"name": "later"})
            assert answer.status_code == 200
            patched.set()

        writer = _in_thread(patch)
        assert not patched.wait(0.3), "a write went through while a read was in progress"
    assert patched.wait(10)
    writer.join(5)


def test_a_keyset_walk_under_concurrent_writes_sees_each_survivor_once(
    server: LocalCVAT,
) -> None:
    url = server.url
    admin = requests.Session()
    admin.auth = ("admin1", PASSWORD)
    before = {t["id"] for t in admin.get(f"{url}/api/tasks", params={"page_size": "all"})
              .json()["results"]}
    victims = sorted(before)[::3]
    stop = threading.Event()
    created: list[int] = []
    deleted: list[int] = []

    def churn() -> None:
        writer = requests.Session()
        writer.auth = ("admin1", PASSWORD)
        for n, victim in enumerate(victims):
            if stop.is_set():
                return
            made = writer.post(f"{url}/api/tasks", json={"name": f"churn {n}", "labels": [
                {"name": "car"}]})
            if made.status_code == 201:
                created.append(made.json()["id"])
            if writer.delete(f"{url}/api/tasks/{victim}").status_code == 204:
                deleted.append(victim)

    thread = _in_thread(churn)
    seen: list[int] = []
    last = None
    while True:
        logic = {"<": [{"var": "id"}, last]} if last is not None else None
        params = {"page_size": "2"} | ({"filter": json.dumps(logic)} if logic else {})
        page = admin.get(f"{url}/api/tasks", params=params).json()
        seen.extend(task["id"] for task in page["results"])
        if len(page["results"]) >= page["count"]:
            break
        last = page["results"][-1]["id"]
    stop.set()
    thread.join(30)
    assert len(seen) == len(set(seen)), "a task was listed twice"
    assert (before - set(deleted)) <= set(seen) <= before | set(created)
    for task_id in created:
        admin.delete(f"{url}/api/tasks/{task_id}")


# ------------------------------------------------------------------------------ routing


def test_the_router_remembers_matches_and_forgets_them_when_routes_are_added() -> None:
    from cvatorm.testing.messages import Response
    from cvatorm.testing.routing import Router

    router = Router()
    router.add("GET", "/api/things/{id}", lambda ctx: Response.empty(200))
    route, params, allowed = router.match("GET", "/api/things/7")
    assert route is not None and params == {"id": "7"} and allowed == ["GET"]
    params["id"] = "changed by a handler"
    assert router.match("GET", "/api/things/7")[1] == {"id": "7"}
    router.add("DELETE", "/api/things/{id}", lambda ctx: Response.empty(204), public=True)
    assert router.match("DELETE", "/api/things/7")[2] == ["GET", "DELETE"]
    assert router.is_public("/api/things/7")
    assert router.match("GET", "/api/other")[0] is None
