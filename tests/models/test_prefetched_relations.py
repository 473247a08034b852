"""After ``prefetch_related("jobs")``, ``task.jobs`` is still a queryset (Django's behaviour):
iterating, ``len()``, ``count()``, ``exists()``, ``all()`` and indexing read the prefetched
objects without a request; ``filter()`` and other chaining ask the server again."""

from __future__ import annotations

from typing import Any

from cvatorm import Job, Task
from cvatorm.query import QuerySet


def _tasks_with_jobs(orm_connection: Any) -> list[Task]:
    ids = sorted({job.task_id for job in Job.objects.all()[:200]})[:4]
    assert ids
    return list(Task.objects.filter(id__in=ids).prefetch_related("jobs"))


def test_the_prefetched_relation_is_a_queryset_read_from_the_cache(
    orm_connection: Any, traffic: Any
) -> None:
    tasks = _tasks_with_jobs(orm_connection)
    traffic.clear()
    for task in tasks:
        jobs = task.jobs
        assert isinstance(jobs, QuerySet) and jobs.model is Job
        ids = [job.id for job in jobs]
        assert ids and all(job.task_id == task.id for job in jobs)
        assert jobs.count() == len(jobs) == len(ids)
        assert [job.id for job in jobs.all()] == ids
        assert jobs.exists() and jobs[0].id == ids[0] and jobs.first() is not None
    assert traffic.count("GET") == 0


def test_filter_on_a_prefetched_relation_asks_the_server(
    orm_connection: Any, traffic: Any
) -> None:
    tasks = _tasks_with_jobs(orm_connection)
    task = tasks[0]
    expected = sorted(j.id for j in Job.objects.filter(task_id=task.id, state="new"))
    traffic.clear()
    got = sorted(j.id for j in task.jobs.filter(state="new"))
    assert got == expected
    assert traffic.count("GET", "/api/jobs") == 1
    assert task.jobs.order_by("id").count() == len(list(task.jobs))


def test_the_same_answers_as_without_prefetch(orm_connection: Any) -> None:
    for task in _tasks_with_jobs(orm_connection):
        plain = Task.objects.get(id=task.id)
        assert sorted(j.id for j in plain.jobs.all()) == sorted(j.id for j in task.jobs.all())
        assert plain.jobs.count() == task.jobs.count()
