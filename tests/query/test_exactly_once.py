"""Every order walks every object exactly once, while the loop changes the objects.

A page-number walk skips and repeats objects when the loop changes the filtered field (the
pages ahead shrink) or the ordered one (saving moves ``updated_date``): the issue saw 400 of
865 jobs skipped. Orders other than the primary key are walked from a snapshot of the ids
(``cvatorm/query/snapshot.py``); these tests change the filtered and the ordered fields during
the walk, with small pages so that a few objects span many, against LocalCVAT or a real server.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from cvatorm import Task
from cvatorm.query.queryset import QuerySet

COUNT = 11


@pytest.fixture
def prefix(orm_connection: Any) -> Iterator[str]:
    """``COUNT`` new tasks whose names contain the returned prefix (deleted afterwards)."""
    marker = f"once-{uuid.uuid4().hex[:8]}"
    made = [
        Task.objects.create(name=f"{marker} {n:02d}", labels=[{"name": "car"}])
        for n in range(COUNT)
    ]
    yield marker
    for task in made:
        task.delete()


def _walk_changing(qs: QuerySet[Task], change: Any) -> Counter[int]:
    seen: Counter[int] = Counter()
    for task in qs.iterator(chunk_size=3):
        seen[task.id] += 1
        change(task)
        task.save()
    return seen


def _mark_done(task: Task) -> None:
    task.subset = "done"  # the filtered field, and saving moves updated_date to now


@pytest.mark.parametrize("order", ["updated_date", "-updated_date", "name", "-name", "-id", "id"])
def test_changing_the_filtered_field_skips_nothing(prefix: str, order: str) -> None:
    qs = Task.objects.filter(name__contains=prefix, subset="").order_by(order)
    seen = _walk_changing(qs, _mark_done)
    assert len(seen) == COUNT and set(seen.values()) == {1}
    assert not Task.objects.filter(name__contains=prefix, subset="").exists()


@pytest.mark.parametrize("order", ["name", "-name"])
def test_changing_the_ordered_field_repeats_nothing(prefix: str, order: str) -> None:
    def move_to_the_other_end(task: Task) -> None:
        task.name = ("~" if order == "name" else " ") + task.name

    qs = Task.objects.filter(name__contains=prefix).order_by(order)
    seen = _walk_changing(qs, move_to_the_other_end)
    assert len(seen) == COUNT and set(seen.values()) == {1}


def test_the_snapshot_keeps_the_server_order(prefix: str) -> None:
    qs = Task.objects.filter(name__contains=prefix).order_by("-name")
    names = [t.name for t in qs.iterator(chunk_size=3)]
    assert names == sorted(names, reverse=True) and len(names) == COUNT


def test_a_local_condition_with_a_server_order(prefix: str) -> None:
    # ``iregex`` is checked in Python: the walk reads every task, from the snapshot.
    qs = Task.objects.filter(name__iregex=f"^{prefix} 0[0-4]$", subset="").order_by("updated_date")
    seen = _walk_changing(qs, _mark_done)
    assert len(seen) == 5 and set(seen.values()) == {1}


def test_a_long_slice_beyond_one_request(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QuerySet, "max_page_size", 3)  # the slice needs several pages
    qs = Task.objects.filter(name__contains=prefix, subset="").order_by("updated_date")[1:9]
    seen = _walk_changing(qs, _mark_done)
    assert len(seen) == 8 and set(seen.values()) == {1}


def test_a_deleted_object_is_not_returned(prefix: str, orm_connection: Any) -> None:
    extra = Task.objects.create(name=f"{prefix} extra", labels=[{"name": "car"}])
    seen: list[int] = []
    for task in Task.objects.filter(name__contains=prefix).order_by("name").iterator(chunk_size=3):
        seen.append(task.id)
        if len(seen) == 1:
            extra.delete()  # the last by name: deleted before its batch is read
    assert extra.id not in seen and len(seen) == COUNT == len(set(seen))


def test_explain_names_the_snapshot_walk(prefix: str) -> None:
    text = Task.objects.filter(name__contains=prefix).order_by("updated_date").explain()
    assert "exact snapshot" in text
    assert "snapshot" not in Task.objects.filter(name__contains=prefix).explain()
