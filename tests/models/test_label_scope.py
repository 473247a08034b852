"""``Label.objects.filter(task_id=N)`` gives the labels that apply to task N, as the server's
``GET /api/labels?task_id=N`` does, and as ``task.labels`` does: a task inside a project has
its project's labels (whose own ``task_id`` is null)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cvatorm import Label, Q, Task


def _server_label_ids(cvat_target: Any, task_id: int) -> list[int]:
    creds = cvat_target.credentials
    response = requests.get(
        f"{cvat_target.url}/api/labels",
        params={"task_id": task_id, "page_size": 1000},
        auth=(creds.user, creds.password),
        timeout=30,
    )
    response.raise_for_status()
    return sorted(label["id"] for label in response.json()["results"])


def _task_in_a_project(orm_connection: Any) -> Task:
    task = Task.objects.filter(project_id__isnull=False).order_by("id").first()
    assert task is not None
    return task


def test_filter_by_task_gives_the_labels_that_apply_to_it(
    orm_connection: Any, cvat_target: Any
) -> None:
    if not hasattr(cvat_target.credentials, "password"):
        pytest.skip("compares with the server's own answer, read with a password login")
    task = _task_in_a_project(orm_connection)
    ids = sorted(label.id for label in Label.objects.filter(task_id=task.id))
    assert ids and ids == _server_label_ids(cvat_target, task.id)
    assert ids == sorted(label.id for label in task.labels.all())
    assert ids == sorted(label.id for label in Label.objects.filter(task=task))
    assert Label.objects.filter(task_id=task.id).count() == len(ids)
    assert Label.objects.filter(task_id=task.id).exists()


def test_a_task_outside_a_project_gives_its_own_labels(orm_connection: Any) -> None:
    task = Task.objects.filter(project_id__isnull=True).order_by("id").first()
    assert task is not None
    ids = sorted(label.id for label in Label.objects.filter(task_id=task.id))
    assert ids == sorted(label.id for label in task.labels.all())


def test_a_missing_task_has_no_labels(orm_connection: Any) -> None:
    # The server answers ?task_id=<missing> with a 500 page: nothing is listed instead.
    assert list(Label.objects.filter(task_id=987654)) == []
    assert Label.objects.filter(task_id=987654).count() == 0


def test_other_conditions_still_apply(orm_connection: Any) -> None:
    task = _task_in_a_project(orm_connection)
    labels = list(Label.objects.filter(task_id=task.id))
    name = labels[0].name
    assert [la.name for la in Label.objects.filter(task_id=task.id, name=name)] == [name]
    # Inside Q(), task_id compares the field: project labels have none.
    assert list(Label.objects.filter(Q(task_id=task.id))) == []
