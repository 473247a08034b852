"""``iterator(chunk_size=, concurrency=)``: disjoint keyset walks in threads, every object once.

Over the client double (which evaluates JSON Logic like the server) and against the test
server. Concurrent creations and deletions are made by the double between two requests.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cvatorm.exceptions import ServerError
from cvatorm.models import Job, Task
from cvatorm.query.parallel import split_range

from .fakeclient import FakeClient, load

TASK_IDS = sorted((t["id"] for t in load("tasks")), reverse=True)


def bounds_of(params: dict[str, Any]) -> str:
    return json.dumps(json.loads(params.get("filter", "null")))


@given(st.integers(-50, 50), st.integers(0, 200), st.integers(1, 12))
def test_split_range_covers_every_id_once(low: int, span: int, parts: int) -> None:
    ranges = split_range(low, low + span - 1, parts)
    covered = [i for start, stop in ranges for i in range(start, stop)]
    assert covered == list(range(low, low + span))
    assert len(ranges) <= parts and all(start < stop for start, stop in ranges)


def test_every_object_once_with_bounded_requests(fake: FakeClient) -> None:
    walked = [t.id for t in Task.objects.using(fake).iterator(chunk_size=4, concurrency=3)]
    assert sorted(walked, reverse=True) == TASK_IDS and len(walked) == len(set(walked))
    requests = fake.lists("tasks")
    # two requests for the id bounds, then only range walks
    assert [r["page_size"] for r in requests[:2]] == ["1", "1"]
    assert all(">=" in bounds_of(r) and r["page"] == "1" for r in requests[2:])
    # each range: ceil(its objects / 4) requests, and one more when a range is empty
    assert len(requests) - 2 <= len(TASK_IDS) // 4 + 3 + 3


def test_local_filters_and_values_are_applied(fake: FakeClient) -> None:
    qs = Task.objects.using(fake).filter(owner__first_name__istartswith="a")
    expected = sorted(t.id for t in qs)
    assert sorted(t.id for t in qs.iterator(chunk_size=3, concurrency=4)) == expected
    rows = Task.objects.using(fake).values_list("id", flat=True)
    assert sorted(rows.iterator(chunk_size=5, concurrency=2)) == sorted(TASK_IDS)


def test_objects_created_and_deleted_during_the_walk(fake: FakeClient) -> None:
    original = fake.request
    lock = threading.Lock()
    state = {"lists": 0}
    deleted = TASK_IDS[len(TASK_IDS) // 2]

    def changing(method: str, path: str, **kwargs: Any) -> Any:
        response = original(method, path, **kwargs)
        with lock:
            if path == "/api/tasks":
                state["lists"] += 1
                if state["lists"] == 3:  # the walks have started
                    tasks = fake.collection("tasks")
                    tasks.append(dict(load("tasks")[0], id=10_000, name="new"))
                    tasks[:] = [t for t in tasks if t["id"] != deleted]
        return response

    fake.request = changing  # type: ignore[method-assign]
    walked = [t.id for t in Task.objects.using(fake).iterator(chunk_size=2, concurrency=4)]
    assert len(walked) == len(set(walked))
    assert 10_000 not in walked  # created after the bounds were read
    assert set(TASK_IDS) - {deleted} <= set(walked) <= set(TASK_IDS)


def test_a_failing_walk_raises_in_the_callers_thread(fake: FakeClient) -> None:
    original = fake.request

    def failing(method: str, path: str, **kwargs: Any) -> Any:
        if ">=" in bounds_of(kwargs.get("params") or {}):
            raise ServerError(500, "Internal Server Error")
        return original(method, path, **kwargs)

    fake.request = failing  # type: ignore[method-assign]
    with pytest.raises(ServerError):
        list(Task.objects.using(fake).iterator(chunk_size=2, concurrency=3))


def test_stopping_early_ends_the_threads(fake: FakeClient) -> None:
    walk = Task.objects.using(fake).iterator(chunk_size=2, concurrency=3)
    assert next(walk).id in TASK_IDS
    walk.close()  # returns once every thread has given up
    assert not [t for t in threading.enumerate() if t.name.startswith("cvatorm-walk")]


def test_orders_and_slices_it_cannot_split_are_refused(fake: FakeClient) -> None:
    with pytest.raises(ValueError, match="primary-key order"):
        next(Task.objects.using(fake).order_by("name").iterator(concurrency=2))
    with pytest.raises(ValueError, match="slice"):
        Task.objects.using(fake).all()[:5].iterator(concurrency=2)
    with pytest.raises(ValueError):
        Task.objects.using(fake).iterator(concurrency=0)


def test_small_listings_and_concurrency_one_walk_sequentially(fake: FakeClient) -> None:
    assert [t.id for t in Task.objects.using(fake).iterator(concurrency=4)] == TASK_IDS
    assert len(fake.lists("tasks")) == 3  # the two bounds requests, then the one page
    ascending = [t.id for t in Task.objects.using(fake).order_by("id").iterator(chunk_size=5)]
    assert ascending == sorted(TASK_IDS)


def test_against_the_server(orm_connection: Any, traffic: Any) -> None:
    every = sorted(j.id for j in Job.objects.all())
    traffic.clear()
    walked = [j.id for j in Job.objects.iterator(chunk_size=5, concurrency=3)]
    assert sorted(walked) == every and len(walked) == len(set(walked))
    ascending = [j.id for j in Job.objects.order_by("id").iterator(chunk_size=5, concurrency=3)]
    assert sorted(ascending) == every
