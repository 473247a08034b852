"""wait_for_completion over /api/requests/<id>."""

from __future__ import annotations

import logging

import pytest

from cvatorm.connection import BackgroundRequest, Client
from cvatorm.connection.background import wait_for_request
from cvatorm.exceptions import BackgroundRequestException, NotFoundError, OperationTimeoutError

from .stub_server import StubCVAT


def test_polls_until_finished(logged_in: Client, stub: StubCVAT) -> None:
    stub.script_request(
        "rq-1",
        {"status": "queued", "message": ""},
        {"status": "started", "message": "", "progress": 0.5},
        {"status": "finished", "message": "", "result_url": "http://x/api/result"},
    )
    logged_in.organization_slug = "org1"
    request, response = logged_in.wait_for_completion("rq-1", status_check_period=0.001)
    assert isinstance(request, BackgroundRequest)
    assert request.status == "finished"
    assert request.id == "rq-1"
    assert request.result_url == "http://x/api/result"
    assert request["operation"]["type"] == "export:dataset"
    assert response.status_code == 200
    assert stub.paths() == [("GET", "/api/requests/rq-1")] * 3
    assert {r.headers.get("X-Organization") for r in stub.received} == {"org1"}


def test_failure_raises_with_the_servers_message(logged_in: Client, stub: StubCVAT) -> None:
    stub.script_request(
        "rq-2",
        {"status": "started", "message": ""},
        {"status": "failed", "message": "Dataset format 'X' is not supported"},
    )
    with pytest.raises(BackgroundRequestException) as info:
        logged_in.wait_for_completion("rq-2", status_check_period=0.001)
    assert info.value.message == "Dataset format 'X' is not supported"
    assert str(info.value) == "Dataset format 'X' is not supported"
    assert info.value.rq_id == "rq-2"
    assert info.value.status == "failed"


def test_timeout(logged_in: Client, stub: StubCVAT) -> None:
    stub.script_request("rq-3", {"status": "started", "message": ""})
    with pytest.raises(OperationTimeoutError, match="rq-3") as info:
        logged_in.wait_for_completion("rq-3", status_check_period=0.01, timeout=0.05)
    assert isinstance(info.value, TimeoutError)
    assert "started" in str(info.value)


def test_polling_schedule_on_a_fake_clock(logged_in: Client, stub: StubCVAT) -> None:
    """With no quick first polls, polls every period, shortens the last wait to the deadline,
    polls once more, gives up."""
    stub.script_request("rq-6", {"status": "started", "message": ""})
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(OperationTimeoutError):
        wait_for_request(
            lambda rq_id: logged_in.request("GET", f"/api/requests/{rq_id}"),
            "rq-6",
            status_check_period=2.0,
            timeout=5.0,
            logger=logging.getLogger("test"),
            sleep=sleep,
            monotonic=lambda: now[0],
            first_period=2.0,
        )
    assert sleeps == [2.0, 2.0, 1.0]
    assert len(stub.received) == 4


def test_status_is_logged_with_the_prefix(
    logged_in: Client, stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    stub.script_request("rq-4", {"status": "finished", "message": "done"})
    with caplog.at_level(logging.INFO, logger="cvatorm"):
        logged_in.wait_for_completion("rq-4", log_prefix="Export of task 7")
    assert "Export of task 7 status: finished (message=done)" in caplog.text


def test_default_prefix_names_the_operation(
    logged_in: Client, stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    stub.script_request("rq-5", {"status": "finished", "message": ""})
    with caplog.at_level(logging.INFO, logger="cvatorm"):
        logged_in.wait_for_completion("rq-5")
    assert "export:dataset operation status: finished" in caplog.text


def test_unknown_request_is_not_found(logged_in: Client, stub: StubCVAT) -> None:
    with pytest.raises(NotFoundError):
        logged_in.wait_for_completion("no-such-rq")


def test_request_ids_are_quoted(logged_in: Client, stub: StubCVAT) -> None:
    rq_id = "action=export&target=task&target_id=7&format=CVAT for images 1.1"
    stub.script_request(rq_id, {"status": "finished", "message": ""})
    request, _ = logged_in.wait_for_completion(rq_id)
    assert request.id == rq_id
    assert stub.received[0].path == (
        "/api/requests/action%3Dexport%26target%3Dtask%26target_id%3D7"
        "%26format%3DCVAT%20for%20images%201.1"
    )
