"""Issue 4's queryset and manager guarantees, against the test server (LocalCVAT, or a real CVAT
given ``CVAT_URL``). The unit tests over a fake client cover the same methods in detail; these
check that they hold on a server, counting requests client-side where the number is the point.
Objects a test creates are deleted by it.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import cvatorm
from cvatorm.connection import connections, disconnect
from cvatorm.exceptions import BulkOperationError, NotFoundError
from cvatorm.models import Job, Project, Task
from cvatorm.query import Q


def lists(traffic: Any, resource: str) -> list[Any]:
    return traffic.select("GET", f"/api/{resource}")


@pytest.fixture
def projects(orm_connection: Any) -> Iterator[list[Project]]:
    """Three fresh projects named ``<prefix>-0..2``; whatever is left is deleted afterwards."""
    prefix = f"orm-acceptance-{uuid.uuid4().hex[:8]}"
    made = [Project.objects.create(name=f"{prefix}-{i}") for i in range(3)]
    yield made
    for project in made:
        with contextlib.suppress(NotFoundError):
            orm_connection.request("DELETE", f"/api/projects/{project.id}")


def test_using_an_alias_and_the_default_organization(
    orm_connection: Any, cvat_target: Any, traffic: Any
) -> None:
    other = cvatorm.connect(cvat_target.url, credentials=cvat_target.credentials, alias="other")
    traffic.attach(other)
    try:
        traffic.clear()
        first = Task.objects.using("other").order_by("id").first()
        assert first is not None and first._connection() is connections["other"]
        assert [e.url.startswith(cvat_target.url) for e in lists(traffic, "tasks")] == [True]
        assert first == Task.objects.get(id=first.id)  # same server, same id

        org = Task.objects.filter(organization_id__isnull=False).first()
        assert org is not None
        slug = orm_connection.request("GET", f"/api/organizations/{org.organization_id}").json()[
            "slug"
        ]
        orm_connection.organization_slug = slug  # the client's context is the default
        traffic.clear()
        in_org = list(Task.objects.all()[:3])
        assert lists(traffic, "tasks")[-1].request_headers.get("X-Organization") == slug
        assert in_org and {t.organization_id for t in in_org} == {org.organization_id}
        orm_connection.organization_slug = None
        traffic.clear()
        in_org[0].refresh()  # the object remembers where it came from
        assert traffic.last.request_headers.get("X-Organization") == slug
    finally:
        orm_connection.organization_slug = None
        disconnect("other")


def test_result_cache_reverse_and_negative_indexes(orm_connection: Any, traffic: Any) -> None:
    qs = Job.objects.filter(state__in=["new", "in progress"])
    traffic.clear()
    ids = [j.id for j in qs]
    walked = len(lists(traffic, "jobs"))
    assert (len(qs), bool(qs), qs.count(), qs[2].id) == (len(ids), True, len(ids), ids[2])
    assert [j.id for j in qs] == ids and len(lists(traffic, "jobs")) == walked  # the cache
    assert [j.id for j in qs.reverse()] == ids[::-1]
    assert qs.first().id == ids[0] and qs.last().id == ids[-1]  # type: ignore[union-attr]
    traffic.clear()
    with pytest.raises(ValueError, match="negative indexing"):
        Job.objects.all()[-1]
    assert lists(traffic, "jobs") == []


def test_iterator_is_lazy_and_takes_one_request_per_chunk(
    orm_connection: Any, traffic: Any
) -> None:
    total = Job.objects.count()
    traffic.clear()
    walk = Job.objects.iterator(chunk_size=4)
    first = next(walk)
    assert len(lists(traffic, "jobs")) == 1  # only the first page so far
    rest = [j.id for j in walk]
    assert len(rest) + 1 == total and len(set(rest)) == len(rest) and first.id not in rest
    assert len(lists(traffic, "jobs")) == math.ceil(total / 4)


def test_in_bulk_values_list_exclude_and_not(orm_connection: Any) -> None:
    raws = {t.id: t.raw for t in Task.objects.all()}
    some = sorted(raws)[:3]
    assert {k: v.id for k, v in Task.objects.in_bulk(some).items()} == {i: i for i in some}
    assert list(Task.objects.values_list("id", flat=True)) == sorted(raws, reverse=True)
    not_annotating = {i for i, r in raws.items() if r["status"] != "annotation"}
    assert {t.id for t in Task.objects.exclude(status="annotation")} == not_annotating
    assert {t.id for t in Task.objects.filter(~Q(status="annotation"))} == not_annotating


def _delete_behind_its_back(client: Any, victim: Project, method: str) -> Any:
    """A response hook that deletes ``victim`` when the first ``method`` request is answered:
    another client changing the data in the middle of a bulk operation."""
    done: list[bool] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        if response.request.method == method and not done:
            done.append(True)
            client.request("DELETE", f"/api/projects/{victim.id}")

    client.session.hooks["response"].append(hook)
    return hook


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_bulk_operations_report_partial_failures(
    orm_connection: Any, projects: list[Project], operation: str
) -> None:
    prefix = projects[0].name.rsplit("-", 1)[0]
    victim = projects[0]  # the oldest: the default order (-id) reaches it last
    hook = _delete_behind_its_back(
        orm_connection, victim, "PATCH" if operation == "update" else "DELETE"
    )
    try:
        mine = Project.objects.filter(name__startswith=prefix)
        with pytest.raises(BulkOperationError, match=r"1 of 3 objects failed") as caught:
            if operation == "update":
                mine.update(bug_tracker="https://example.com/bug")
            else:
                mine.delete()
    finally:
        orm_connection.session.hooks["response"].remove(hook)
    error = caught.value
    # (deleted objects forget their id, as in Django: compare names)
    assert sorted(p.name for p in error.succeeded) == sorted(p.name for p in projects[1:])
    ((failed, exc),) = error.failed
    assert failed.name == victim.name and isinstance(exc, NotFoundError)
    if operation == "update":
        assert {p.bug_tracker for p in Project.objects.filter(name__startswith=prefix)} == {
            "https://example.com/bug"
        }
        projects[1].refresh_from_db()  # the alias of refresh()
        assert projects[1].bug_tracker == "https://example.com/bug"
    else:
        assert not Project.objects.filter(name__startswith=prefix).exists()


def test_keyset_walk_neither_repeats_nor_skips_when_objects_are_deleted(
    orm_connection: Any, traffic: Any
) -> None:
    prefix = f"orm-walk-{uuid.uuid4().hex[:8]}"
    made = [Project.objects.create(name=f"{prefix}-{i}") for i in range(8)]
    newest_first = [p.id for p in reversed(made)]
    try:
        walked: list[int] = []
        traffic.clear()
        for index, project in enumerate(
            Project.objects.filter(name__startswith=prefix).iterator(chunk_size=3)
        ):
            walked.append(project.id)
            if index == 3:
                # With page numbers, deleting what was read shifts the rest one place left
                # and page 3 would skip an object; an unread object deleted is not returned.
                orm_connection.request("DELETE", f"/api/projects/{newest_first[0]}")
                orm_connection.request("DELETE", f"/api/projects/{newest_first[6]}")
        expected = [i for i in newest_first if i != newest_first[6]]
        assert walked == expected
        assert all(r.query["page"] == ["1"] for r in lists(traffic, "projects"))
    finally:
        for project in made:
            with contextlib.suppress(NotFoundError):
                orm_connection.request("DELETE", f"/api/projects/{project.id}")


def test_capabilities_are_read_once_per_connection(
    orm_connection: Any, cvat_target: Any, traffic: Any
) -> None:
    fresh = cvatorm.connect(cvat_target.url, credentials=cvat_target.credentials, alias="fresh")
    traffic.attach(fresh)
    try:
        Task.objects.using("fresh").count()
        Job.objects.using("fresh").filter(state="new").count()
        list(Project.objects.using("fresh")[:2])
        schema_reads = [e for e in traffic.select("GET") if e.path.startswith("/api/schema")]
        # At most once; never for a 2.64.x server, whose table is bundled.
        assert len(schema_reads) <= 1
    finally:
        disconnect("fresh")


@pytest.mark.covers("GET /api/issues", call="Issue.objects.filter(...)")
def test_job_issues_and_back(orm_connection: Any, traffic: Any) -> None:
    from cvatorm.models import Issue

    issue = Issue.objects.order_by("id").first()
    assert issue is not None
    job = issue.job
    traffic.clear()
    issues = list(job.issues)
    assert len(traffic.select("GET", "/api/issues")) == 1
    assert issue in issues and all(i.job_id == job.id for i in issues)
    assert {i.id for i in issues} == {i.id for i in Issue.objects.all() if i.job_id == job.id}


def test_listing_uses_a_large_configurable_page_and_converts_nothing(
    orm_connection: Any, traffic: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cvatorm.query import QuerySet

    assert QuerySet.default_page_size >= 100
    traffic.clear()
    jobs = list(Job.objects.all())
    (request,) = lists(traffic, "jobs")
    assert request.query["page_size"] == [str(QuerySet.default_page_size)]
    assert jobs and all(job._values == {} for job in jobs)  # raw JSON kept, nothing converted
    monkeypatch.setattr(QuerySet, "default_page_size", 7)
    traffic.clear()
    assert len(list(Job.objects.all())) == len(jobs)
    sent = lists(traffic, "jobs")
    assert len(sent) == math.ceil(len(jobs) / 7) and sent[0].query["page_size"] == ["7"]


def test_combining_a_relation_keeps_or_drops_its_narrowing(
    orm_connection: Any, traffic: Any
) -> None:
    from cvatorm.models import Label

    project = Project.objects.filter(id__in=[lb.project_id for lb in Label.objects.all()]).first()
    assert project is not None
    others = Label.objects.exclude(project_id=project.id)
    expected = {lb.id for lb in Label.objects.all()}
    traffic.clear()
    assert {lb.id for lb in project.labels | others} == expected
    assert "project_id" not in lists(traffic, "labels")[0].query
    traffic.clear()
    mine = {lb.id for lb in project.labels & Label.objects.filter(id__gt=0)}
    assert mine == {lb.id for lb in project.labels}
    assert lists(traffic, "labels")[0].query["project_id"] == [str(project.id)]
