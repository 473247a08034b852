"""``bulk_create()``: one POST per object (CVAT has no bulk endpoint), a bounded number at a time,
every object checked before the first request, each outcome reported, nothing retried.
Also: ``in_org()``/``organization()`` take an ``Organization`` as well as its slug."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from cvatorm import BulkCreateError
from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.models import Issue, Job, Organization, Project, Task


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Recorder:
    """A progress reporter that remembers its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.calls.append(("start", total))

    def advance(self, delta: float) -> None:
        self.calls.append(("advance", delta))

    def update(self, done: float) -> None:
        self.calls.append(("update", done))

    def finish(self) -> None:
        self.calls.append(("finish", None))


@pytest.mark.covers("POST /api/projects", call="Project.objects.bulk_create()")
def test_every_object_is_created_once_and_progress_counts_them(
    orm_connection: Any, traffic: Any
) -> None:
    names = [unique("bulk") for _ in range(6)]
    objs = [Project(name=name) for name in names]
    progress = Recorder()
    created = Project.objects.bulk_create(objs, concurrency=3, progress=progress)
    try:
        assert created == objs and all(p.pk is not None for p in created)
        assert sorted(p.name for p in created) == sorted(names)
        assert traffic.count("POST", "/api/projects") == 6
        assert progress.calls[0] == ("start", 6) and progress.calls[-1] == ("finish", None)
        assert progress.calls.count(("advance", 1)) == 6
    finally:
        for project in created:
            project.delete()


def test_at_most_concurrency_posts_are_in_flight(orm_connection: Any, traffic: Any) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    original = Project.save

    def counting_save(self: Project, **kwargs: Any) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            original(self, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    objs = [Project(name=unique("bounded")) for _ in range(6)]
    Project.save = counting_save  # type: ignore[method-assign]
    try:
        created = Project.objects.bulk_create(objs, concurrency=2)
    finally:
        Project.save = original  # type: ignore[method-assign]
    try:
        assert 1 <= peak <= 2
    finally:
        for project in created:
            project.delete()


def test_failures_are_reported_with_the_successes_and_not_retried(
    orm_connection: Any, traffic: Any
) -> None:
    job = Job.objects.filter(type="annotation").order_by("id").first()
    assert job is not None
    good = Issue(job_id=job.id, frame=job.start_frame, position=[1.0, 2.0, 3.0, 4.0], message="a")
    # a job that does not exist: the server refuses it (400), locally it looks fine
    bad = Issue(job_id=2**31 - 1, frame=0, position=[1.0, 2.0, 3.0, 4.0], message="b")
    with pytest.raises(BulkCreateError) as caught:
        Issue.objects.bulk_create([good, bad], concurrency=2)
    error = caught.value
    try:
        assert error.succeeded == [good] and good.pk is not None
        assert [obj for obj, _ in error.failed] == [bad] and bad.pk is None
        assert error.failed[0][1].status == 400  # type: ignore[attr-defined]
        assert error.uncertain == []  # a 400 is a refusal: nothing was created
        assert traffic.count("POST", "/api/issues") == 2  # the refused one was not sent again
    finally:
        good.delete()


def test_bad_objects_are_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    saved = Project.objects.first()
    fresh = Project(name=unique("fresh"))
    with pytest.raises(InvalidArgumentError, match="unsaved"):
        Project.objects.bulk_create([fresh, saved])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError, match="once"):
        Project.objects.bulk_create([fresh, fresh])
    with pytest.raises(InvalidArgumentError, match="Project"):
        Project.objects.bulk_create([fresh, Task(name="t")])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="name"):
        Project.objects.bulk_create([fresh, Project()])
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        Project.objects.bulk_create([fresh], concurrency=0)
    with pytest.raises(InvalidArgumentError, match="objs"):
        Project.objects.bulk_create("projects")  # type: ignore[arg-type]
    assert traffic.count("POST") == 0
    assert Project.objects.bulk_create([]) == []


def test_in_org_and_organization_take_an_organization_object(
    orm_connection: Any, traffic: Any
) -> None:
    org = Organization.objects.order_by("id").first()
    assert org is not None
    by_slug = [p.pk for p in Project.objects.in_org(org.slug)]
    traffic.clear()
    assert [p.pk for p in Project.objects.in_org(org)] == by_slug
    assert [p.pk for p in Project.objects.organization(org)] == by_slug
    assert {e.request_headers.get("X-Organization") for e in traffic.select("GET")} == {org.slug}
    with pytest.raises(InvalidArgumentError):
        Project.objects.in_org(42)
