"""Model instances travel: they pickle and deep-copy, keep which connection they came from
(server and user, never a credential) and rebind to this process's connection to the same
server on use, so ``multiprocessing.Pool.map(work, tasks)`` reads and saves in the workers."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cvatorm import Job, Task
from cvatorm.connection.credentials import AccessTokenCredentials
from cvatorm.connection.registry import ConnectionRef, connections
from cvatorm.exceptions import ConnectionNotFoundError

from . import pickle_workers


@pytest.fixture
def tasks(orm_connection: Any) -> Iterator[list[Task]]:
    made = [
        Task.objects.create(name=f"pickle {uuid.uuid4().hex[:8]} {n}", labels=[{"name": "car"}])
        for n in range(3)
    ]
    yield made
    for task in made:
        task.delete()


def _connect_args(cvat_target: Any) -> tuple[str, str | None, str | None, str | None]:
    credentials = cvat_target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        return cvat_target.url, None, None, credentials.token
    return cvat_target.url, credentials.user, credentials.password, None


def test_pickle_keeps_the_server_and_user_but_no_credential(
    tasks: list[Task], orm_connection: Any, cvat_target: Any
) -> None:
    data = pickle.dumps(tasks[0])
    credentials = cvat_target.credentials
    secret = getattr(credentials, "password", None) or getattr(credentials, "token", None)
    assert secret and secret.encode() not in data
    assert b"_thread" not in data
    clone = pickle.loads(data)
    assert clone == tasks[0] and clone.name == tasks[0].name
    assert clone._connection() is orm_connection  # rebound to the registered connection


def test_unsaved_changes_travel_and_are_saved_by_the_receiver(tasks: list[Task]) -> None:
    task = tasks[0]
    task.subset = "train"
    clone = pickle.loads(pickle.dumps(task))
    assert clone.dirty_fields == ("subset",)
    clone.save()
    task.refresh()
    assert task.subset == "train"


def test_deepcopy_is_independent_and_shares_the_client(tasks: list[Task]) -> None:
    task = tasks[0]
    clone = copy.deepcopy(task)
    assert clone._client is task._client
    clone.subset = "val"
    assert task.dirty_fields == () and clone.dirty_fields == ("subset",)
    shallow = copy.copy(task)
    shallow.subset = "test"
    assert task.dirty_fields == () and shallow._client is task._client


def test_a_process_without_that_connection_gets_a_typed_error_on_use(
    tasks: list[Task], orm_connection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pickle.dumps(tasks[0])
    monkeypatch.setattr(connections, "_clients", {})  # as a fresh process: nothing connected
    clone = pickle.loads(data)  # loading works: the connection is looked up on use
    assert clone.name == tasks[0].name  # reading the data needs no connection
    clone.subset = "val"
    with pytest.raises(ConnectionNotFoundError) as caught:
        clone.save()
    assert caught.value.server == orm_connection.server_id
    assert "cvatorm.connect(" in str(caught.value)
    # The error travels back from a worker too.
    again = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(again, ConnectionNotFoundError) and again.server == caught.value.server


def test_the_alias_wins_among_connections_to_the_same_server(orm_connection: Any) -> None:
    ref = ConnectionRef.of(orm_connection)
    assert ref.alias == "default" and ref.server == orm_connection.server_id
    assert ref.resolve() is orm_connection
    elsewhere = ConnectionRef(server="http://127.0.0.1:9", user=ref.user)
    with pytest.raises(ConnectionNotFoundError):
        elsewhere.resolve()


def test_a_prefetched_relation_travels_as_a_queryset(orm_connection: Any, traffic: Any) -> None:
    job = Job.objects.first()
    assert job is not None
    task = Task.objects.filter(id=job.task_id).prefetch_related("jobs").get()
    expected = [j.id for j in task.jobs.all()]
    assert job.id in expected
    clone = pickle.loads(pickle.dumps(task))
    traffic.clear()
    assert [j.id for j in clone.jobs.all()] == expected  # from the pickled cache
    assert clone.jobs.count() == len(expected) and traffic.count("GET") == 0
    assert clone.jobs.filter(id=job.id).get().id == job.id  # asks again, connected here


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_pool_map_reads_and_saves_in_worker_processes(
    method: str, tasks: list[Task], cvat_target: Any
) -> None:
    context = multiprocessing.get_context(method)
    if method == "spawn":
        # A spawned worker starts empty: it connects itself, from its own configuration.
        pool = context.Pool(
            2, initializer=pickle_workers.connect, initargs=_connect_args(cvat_target)
        )
    else:
        pool = context.Pool(2)  # a forked worker inherits the parent's registered connection
    with pool:
        results = pool.map(pickle_workers.rename_subset, tasks)
    assert results == [(t.id, t.name) for t in tasks]
    for task in tasks:
        task.refresh()
        assert task.subset == "from worker"
