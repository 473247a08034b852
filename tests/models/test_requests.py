"""``Request``: the user's background requests as a queryset, against LocalCVAT or a real
server. A project backup makes a request of our own; the queryset finds it by the server's
filters (sent as simple filters: CVAT 2.64's JSON Logic for requests fails on an ``and``),
checks other lookups locally, retrieves it by its string id, relates it to the project, waits
for it and is refused a cancel of a finished request with the server's message."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cvatorm import Project
from cvatorm.exceptions import (
    BackgroundRequestException,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    ValidationError,
)
from cvatorm.models import Request, RequestStatus


@pytest.fixture
def backed_up(orm_connection: Any, tmp_path: Path) -> Iterator[Project]:
    """A new project whose backup was made: one finished ``export:backup`` request."""
    project = Project.objects.create(
        name=f"requests {uuid.uuid4().hex[:8]}", labels=[{"name": "car"}]
    )
    try:
        project.download_backup(tmp_path / "backup.zip", status_check_period=0.05)
        yield project
    finally:
        with contextlib.suppress(NotFoundError):
            project.delete()


def _list_queries(traffic: Any) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(e.url).query)
        for e in traffic.exchanges
        if e.method == "GET" and urlsplit(e.url).path.rstrip("/") == "/api/requests"
    ]


@pytest.mark.covers("GET /api/requests", call="Request.objects.filter(...)")
@pytest.mark.covers("GET /api/requests/{id}", call="Request.objects.retrieve(rq_id)")
def test_a_backup_request_is_found_by_the_servers_filters(
    backed_up: Project, orm_connection: Any, traffic: Any
) -> None:
    traffic.exchanges.clear()
    found = list(
        Request.objects.filter(
            project_id=backed_up.id, action="export", target="project", status="finished"
        )
    )
    assert len(found) == 1
    request = found[0]
    assert request.status is RequestStatus.FINISHED
    assert request.type == "export:backup"
    assert (request.action, request.target, request.subresource) == ("export", "project", "backup")
    assert request.format is None and request.task_id is None
    assert request.project == backed_up
    assert request.owner.username == orm_connection.user
    assert request.result_url is not None
    assert request.progress == 0.0  # CVAT 2.64: exports record no progress, even finished
    # equalities go as simple filters (ANDed by the server), no JSON Logic
    (query,) = _list_queries(traffic)
    assert query["project_id"] == [str(backed_up.id)]
    assert query["action"] == ["export"] and query["status"] == ["finished"]
    assert "filter" not in query

    again = orm_connection.requests.retrieve(request.id)
    assert again == request and again.raw["operation"] == request.raw["operation"]
    assert Request.objects.get(id=request.id, project_id=backed_up.id) == request


def test_other_lookups_are_checked_on_the_listed_requests(
    backed_up: Project, orm_connection: Any
) -> None:
    mine = Request.objects.filter(project_id=backed_up.id)
    assert mine.filter(subresource__in=["backup", "dataset"]).count() == 1
    assert mine.filter(subresource__startswith="data").count() == 0
    assert mine.filter(format__isnull=True, project_id__gte=backed_up.id).exists()
    assert mine.exclude(status="finished").count() == 0
    assert list(mine.values_list("subresource", flat=True)) == ["backup"]
    ordered = list(Request.objects.order_by("-created_date")[:5])
    stamps = [r.created_date for r in ordered]
    assert stamps == sorted(stamps, reverse=True)


def test_wait_returns_the_finished_request(backed_up: Project) -> None:
    request = Request.objects.get(project_id=backed_up.id, action="export")
    assert request.wait(timeout=30, status_check_period=0.05) is request
    assert request.status is RequestStatus.FINISHED and not request.is_active


@pytest.mark.covers("POST /api/requests/{id}/cancel", call="Request.cancel()")
def test_a_finished_request_cannot_be_cancelled(backed_up: Project) -> None:
    request = Request.objects.get(project_id=backed_up.id, action="export")
    with pytest.raises(BadRequestError) as refused:
        request.cancel()
    assert "not yet been started" in str(refused.value.body)
    request.refresh()
    assert request.status is RequestStatus.FINISHED


def test_an_unknown_request_does_not_exist(orm_connection: Any) -> None:
    with pytest.raises(Request.DoesNotExist):
        Request.objects.retrieve("action=export&target=task&target_id=999999&subresource=backup")


def test_bad_input_is_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    traffic.exchanges.clear()
    for key in ("..", "", 5, None):
        with pytest.raises(ValidationError):
            Request.objects.retrieve(key)
    with pytest.raises(InvalidArgumentError):
        Request.objects.filter(status="done")
    request = Request._from_wire(
        {"id": "action=create&target=task&target_id=1", "status": "queued"}, client=orm_connection
    )
    for bad in ({"timeout": -1}, {"status_check_period": 0}, {"timeout": float("nan")}):
        with pytest.raises(InvalidArgumentError):
            request.wait(**bad)
    assert traffic.exchanges == []


def test_the_derived_keys_come_from_the_operation() -> None:
    request = Request._from_wire(
        json.loads(
            '{"id": "x", "status": "started", "operation": {"type": "export:annotations",'
            ' "target": "job", "task_id": 3, "job_id": 9, "project_id": null,'
            ' "format": "COCO 1.0"}}'
        ),
        client=None,
    )
    assert (request.action, request.target, request.subresource) == ("export", "job", "annotations")
    assert (request.task_id, request.job_id, request.format) == (3, 9, "COCO 1.0")
    assert request.is_active
    created = Request._from_wire(
        {"id": "y", "status": "finished", "operation": {"type": "create:task", "target": "task"}},
        client=None,
    )
    assert (created.action, created.target, created.subresource) == ("create", "task", None)


@pytest.mark.local_only
def test_a_queued_request_is_cancelled_and_gone(local_cvat: Any, backed_up: Project) -> None:
    local_cvat.background.pause()
    try:
        backed_up._target().request("POST", "backup_export")
        queued = Request.objects.get(project_id=backed_up.id, status="queued")
        assert queued.is_active
        queued.cancel()
        with pytest.raises(Request.DoesNotExist):
            Request.objects.retrieve(queued.id)
    finally:
        local_cvat.background.resume()


@pytest.mark.local_only
def test_waiting_for_a_failing_request_raises_its_message(
    local_cvat: Any, backed_up: Project
) -> None:
    local_cvat.background.fail_next(message="disk full", operation="export:backup")
    local_cvat.background.pause()
    try:
        backed_up._target().request("POST", "backup_export")
        queued = Request.objects.get(project_id=backed_up.id, status="queued")
    finally:
        local_cvat.background.resume()
    with pytest.raises(BackgroundRequestException) as failed:
        queued.wait(status_check_period=0.02, timeout=30)
    assert failed.value.message == "disk full" and failed.value.rq_id == queued.id
