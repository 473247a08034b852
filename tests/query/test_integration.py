"""Querysets against the test server (LocalCVAT, or a real CVAT with the assets' data).

Requests are counted client-side (``traffic``), so the same assertions hold on a real server.
Tests that write create their own objects and delete them.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cvatorm.exceptions import FieldError
from cvatorm.models import Job, Project, Task, User
from cvatorm.query import Q


def gets(traffic: Any, path: str) -> list[Any]:
    return traffic.select("GET", path)


def test_slice_inside_a_page_is_one_get(orm_connection: Any, traffic: Any) -> None:
    every = [t.id for t in Task.objects.all()]
    traffic.clear()
    window = [t.id for t in Task.objects.all()[10:20]]
    assert window == every[10:20]
    (request,) = gets(traffic, "/api/tasks")
    assert request.query["page"] == ["2"] and request.query["page_size"] == ["10"]
    traffic.clear()
    assert Task.objects.all()[13].id == every[13]
    assert len(gets(traffic, "/api/tasks")) == 1


def test_count_is_one_request_and_agrees_with_iteration(orm_connection: Any, traffic: Any) -> None:
    expected = len(list(Task.objects.filter(status="annotation")))
    traffic.clear()
    assert Task.objects.filter(status="annotation").count() == expected
    (request,) = gets(traffic, "/api/tasks")
    assert request.query["page_size"] == ["1"]
    traffic.clear()
    assert Task.objects.filter(id=-1).exists() is False
    assert len(gets(traffic, "/api/tasks")) == 1


def test_prefetching_tasks_of_jobs_takes_two_list_requests(
    orm_connection: Any, traffic: Any
) -> None:
    jobs = list(Job.objects.prefetch_related("task").iterator(chunk_size=1000))
    assert len(gets(traffic, "/api/jobs")) == 1
    assert len(gets(traffic, "/api/tasks")) == 1
    assert jobs and all(job.task.id == job.task_id for job in jobs)
    assert len(gets(traffic, "/api/tasks")) == 1  # reading job.task sent nothing more


def test_keyset_walk_returns_the_same_objects_as_one_big_page(orm_connection: Any) -> None:
    whole = [j.id for j in Job.objects.all()]
    walked = [j.id for j in Job.objects.iterator(chunk_size=7)]
    assert walked == whole
    ascending = [j.id for j in Job.objects.order_by("id").iterator(chunk_size=9)]
    assert ascending == sorted(whole)


def test_server_and_local_lookups_agree(orm_connection: Any) -> None:
    everything = list(Task.objects.all())
    names = {t.id: t._raw["name"] for t in everything}
    contains = {t.id for t in Task.objects.filter(name__contains="task")}
    assert contains == {i for i, n in names.items() if "task" in n}
    icontains = {t.id for t in Task.objects.filter(name__icontains="TASK")}
    assert icontains == {i for i, n in names.items() if "task" in n.lower()}
    assert contains <= icontains
    starts = {t.id for t in Task.objects.filter(name__startswith="task")}
    assert starts == {i for i, n in names.items() if n.startswith("task")}


def test_related_lookups(orm_connection: Any) -> None:
    tasks = {t.id: t._raw for t in Task.objects.all()}
    in_project = [t for t in tasks.values() if t["project_name"]]
    name = in_project[0]["project_name"]
    found = {t.id for t in Task.objects.filter(project__name=name)}
    assert found == {t["id"] for t in in_project if t["project_name"] == name}
    admin_tasks = {t.id for t in Task.objects.filter(owner__username="admin1")}
    assert admin_tasks == {
        t["id"] for t in tasks.values() if (t["owner"] or {}).get("username") == "admin1"
    }
    project_id = in_project[0]["project_id"]
    jobs = {j.id for j in Job.objects.filter(task__project_id=project_id)}
    assert jobs == {
        j.id for j in Job.objects.all() if tasks[j._raw["task_id"]]["project_id"] == project_id
    }
    jobs_by_task_name = {j.id for j in Job.objects.filter(task__name=in_project[0]["name"])}
    assert jobs_by_task_name == {
        j.id for j in Job.objects.all() if tasks[j._raw["task_id"]]["name"] == in_project[0]["name"]
    }


def test_owner_as_user_or_id_give_the_same_tasks(orm_connection: Any) -> None:
    admin = User.objects.get(username="admin1")
    by_user = [t.id for t in Task.objects.filter(owner=admin)]
    by_id = [t.id for t in Task.objects.filter(owner=admin.id)]
    assert by_user == by_id and by_user


def test_get_raises_the_models_exceptions(orm_connection: Any) -> None:
    with pytest.raises(Task.DoesNotExist):
        Task.objects.get(id=-1)
    with pytest.raises(Task.MultipleObjectsReturned):
        Task.objects.get(id__gt=0)
    with pytest.raises(FieldError):
        Task.objects.filter(nope=1)


def test_organization_context(orm_connection: Any, traffic: Any) -> None:
    org = orm_connection.request("GET", "/api/organizations").json()["results"][0]
    in_org = list(Task.objects.in_org(org["slug"]))
    assert all(t._raw["organization"] == org["id"] for t in in_org)
    assert gets(traffic, "/api/tasks")[-1].request_headers.get("X-Organization") == org["slug"]
    personal = list(Task.objects.in_org(""))
    assert all(t._raw["organization"] is None for t in personal)
    everything = Task.objects.organization(None).count()
    assert everything >= len(in_org) + len(personal)


def test_visibility_follows_the_client(client_as: Any) -> None:
    user = client_as("user1")
    visible = [t.id for t in Task.objects.using(user).organization(None)]
    assert Task.objects.using(user).organization(None).count() == len(visible)


def test_create_update_delete_round_trip(orm_connection: Any, traffic: Any) -> None:
    prefix = f"cvatorm-query-{uuid.uuid4().hex[:8]}"
    created = [Project.objects.create(name=f"{prefix}-{i}") for i in range(3)]
    try:
        mine = Project.objects.filter(name__startswith=prefix)
        assert sorted(p.id for p in mine) == sorted(p.id for p in created)
        project, was_created = Project.objects.get_or_create(name=f"{prefix}-0")
        assert not was_created and project.id == created[0].id
        traffic.clear()
        assert mine.filter(name__endswith="-1").update(name=f"{prefix}-one") == 1
        assert len(traffic.select("PATCH")) == 1
        assert Project.objects.get(id=created[1].id).name == f"{prefix}-one"
        updated, was_created = Project.objects.update_or_create(
            defaults={"name": f"{prefix}-two"}, id=created[2].id
        )
        assert not was_created and updated.name == f"{prefix}-two"
        traffic.clear()
        assert mine.delete() == (3, {"Project": 3})
        assert len(traffic.select("DELETE")) == 3
        assert not Project.objects.filter(name__startswith=prefix).exists()
    finally:
        for leftover in Project.objects.filter(name__startswith=prefix):
            leftover.delete()


def test_q_objects_mix_server_and_local_parts(orm_connection: Any) -> None:
    tasks = [t._raw for t in Task.objects.all()]
    query = Task.objects.filter(Q(name__icontains="GT") | Q(project_id__isnull=True), ~Q(id=1))
    expected = {
        t["id"]
        for t in tasks
        if ("gt" in t["name"].lower() or t["project_id"] is None) and t["id"] != 1
    }
    assert {t.id for t in query} == expected
    assert query.count() == len(expected)


def test_keyset_walk_neither_repeats_nor_skips_when_objects_appear(orm_connection: Any) -> None:
    prefix = f"cvatorm-walk-{uuid.uuid4().hex[:8]}"
    before = [p.id for p in Project.objects.all()]
    added: list[Project] = []
    try:
        walked: list[int] = []
        for index, project in enumerate(Project.objects.iterator(chunk_size=4)):
            walked.append(project.id)
            if index in (0, 5):  # new projects appear at the top while the walk goes on
                added.append(Project.objects.create(name=f"{prefix}-{index}"))
        assert len(walked) == len(set(walked))
        assert walked == before  # newer ids are above the walk: never returned, nothing skipped
    finally:
        for project in added:
            project.delete()


def test_jobs_40_to_50_is_one_get_of_page_5(orm_connection: Any, traffic: Any) -> None:
    every = [j.id for j in Job.objects.all()]
    traffic.clear()
    assert [j.id for j in Job.objects.all()[40:50]] == every[40:50]
    (request,) = gets(traffic, "/api/jobs")
    assert request.query["page"] == ["5"] and request.query["page_size"] == ["10"]


def test_values_and_explain(orm_connection: Any, traffic: Any) -> None:
    row = Task.objects.values("id", "name", "project__name").first()
    assert row is not None and set(row) == {"id", "name", "project__name"}
    traffic.clear()
    text = Task.objects.filter(name__icontains="x", status="annotation").explain()
    assert "local filter: name__icontains='x'" in text
    assert '"var":"status"' in text
    assert gets(traffic, "/api/tasks") == []  # explain sends no list request


def test_labels_of_a_task_or_project_are_one_request(orm_connection: Any, traffic: Any) -> None:
    from cvatorm.models import Label

    every = list(Label.objects.all())
    in_project = Task.objects.filter(project_id__isnull=False).first()
    alone = next(t for t in Task.objects.filter(project_id__isnull=True) if t.labels.exists())
    assert in_project is not None
    cases = [
        (in_project, "project_id", in_project.project_id),
        (alone, "task_id", alone.id),
        (in_project.project, "project_id", in_project.project_id),
    ]
    for parent, key, value in cases:
        traffic.clear()
        labels = sorted(label.id for label in parent.labels)
        (request,) = gets(traffic, "/api/labels")
        assert request.query[key] == [str(value)]
        assert labels == sorted(lb.id for lb in every if lb._raw.get(key) == value)
        assert f"{key}={value}" in parent.labels.explain()
    # A plain filter never sends the simple filter: it would fail for a missing object.
    traffic.clear()
    assert list(Label.objects.filter(project_id=-1)) == []
    assert "project_id" not in gets(traffic, "/api/labels")[0].query


def test_prefetched_owners_are_the_full_users(orm_connection: Any, traffic: Any) -> None:
    tasks = list(Task.objects.filter(owner__isnull=False).prefetch_related("owner")[:20])
    assert tasks and len(gets(traffic, "/api/users")) == 1
    for task in tasks:
        assert task.owner is task._prefetched["owner"]
        assert "email" in task.owner.raw  # the nested BasicUser has no e-mail
    assert len(gets(traffic, "/api/users")) == 1


def test_prefetching_labels_is_refused_with_the_reason(orm_connection: Any) -> None:
    with pytest.raises(FieldError, match="its project's when it is in one"):
        Task.objects.prefetch_related("labels")
