"""Background waits follow the server: quick polls first, backing off to the period.

Timing is checked on a fake clock (the sleeps are recorded, never slept), by counting polls:
a request the server finishes in 0.1 s is returned about 0.1 s later, not after
``status_check_period``; a long one is not asked about more than a few times per period.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import pytest
import requests

from cvatorm.connection import Client
from cvatorm.connection.background import (
    FIRST_POLL_PERIOD,
    BackgroundRequest,
    poll_pauses,
    wait_for_request,
)
from cvatorm.exceptions import InvalidArgumentError

from .stub_server import StubCVAT


class FakeServer:
    """A background request that finishes ``duration`` seconds after it started, on a fake
    clock that only the waiting code's sleeps move."""

    def __init__(self, duration: float) -> None:
        self.now = 1000.0
        self.started = self.now
        self.duration = duration
        self.polls: list[float] = []
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def fetch(self, rq_id: str) -> requests.Response:
        elapsed = self.now - self.started
        self.polls.append(elapsed)
        done = elapsed >= self.duration
        document: dict[str, Any] = {
            "id": rq_id,
            "status": "finished" if done else "started",
            "message": "",
            "progress": 1.0 if done else round(elapsed / self.duration, 3),
            "operation": {"type": "export:dataset"},
        }
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(document).encode()
        return response

    def wait(self, period: float = 5.0, **options: Any) -> BackgroundRequest:
        request, _ = wait_for_request(
            self.fetch,
            "rq-1",
            status_check_period=period,
            logger=logging.getLogger("tests.background"),
            sleep=self.sleep,
            monotonic=self.clock,
            **options,
        )
        return request

    @property
    def waited(self) -> float:
        return self.now - self.started


def test_a_request_of_a_tenth_of_a_second_returns_within_a_tenth_more() -> None:
    server = FakeServer(duration=0.1)
    assert server.wait(period=5.0).status == "finished"
    assert server.duration <= server.waited <= server.duration + 0.1
    assert len(server.polls) == 3  # at 0, 0.05 and 0.125 s


@pytest.mark.parametrize("duration", [0.0, 0.3, 1.0, 2.5])
def test_short_requests_are_not_waited_for_much_longer_than_they_take(duration: float) -> None:
    server = FakeServer(duration=duration)
    server.wait(period=5.0)
    # Each pause is at most 1.5 times the time already waited (plus the first 0.05 s).
    assert server.waited <= max(duration * 1.5, duration + FIRST_POLL_PERIOD) + 1e-9


def test_an_instant_request_is_polled_once_and_never_slept_for() -> None:
    server = FakeServer(duration=0.0)
    server.wait()
    assert server.polls == [0.0]
    assert server.sleeps == []


def test_pauses_back_off_geometrically_to_the_period() -> None:
    server = FakeServer(duration=60.0)
    server.wait(period=5.0)
    assert server.sleeps[0] == pytest.approx(0.05)
    growing = server.sleeps[: server.sleeps.index(5.0)]
    assert all(b == pytest.approx(a * 1.5) for a, b in itertools.pairwise(growing))
    assert set(server.sleeps[len(growing) :]) == {5.0}
    # A minute-long request: a dozen quick polls, then one per period.
    assert len(server.polls) <= 12 + 60 / 5 + 1
    assert server.waited <= 60.0 + 5.0


def test_a_period_shorter_than_the_first_pause_is_used_from_the_start() -> None:
    assert list(zip(range(3), poll_pauses(0.01), strict=False)) == [(0, 0.01), (1, 0.01), (2, 0.01)]


def test_first_period_is_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="first_period"):
        FakeServer(1.0).wait(first_period=0)


def test_each_poll_is_handed_to_on_poll() -> None:
    server = FakeServer(duration=0.2)
    seen: list[float | None] = []
    server.wait(on_poll=lambda request: seen.append(request.progress))
    assert len(seen) == len(server.polls)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_the_log_has_one_line_per_status_not_per_poll(caplog: pytest.LogCaptureFixture) -> None:
    server = FakeServer(duration=10.0)
    with caplog.at_level(logging.INFO, logger="tests.background"):
        server.wait(period=5.0, log_prefix="Export")
    assert len(server.polls) > 5
    assert [r.getMessage() for r in caplog.records] == [
        "Export status: started (message=)",
        "Export status: finished (message=)",
    ]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.events.append(("start", (total, desc, unit)))

    def advance(self, delta: float) -> None:
        self.events.append(("advance", delta))

    def update(self, done: float) -> None:
        self.events.append(("update", done))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_wait_for_completion_reports_the_servers_progress(
    logged_in: Client, stub: StubCVAT
) -> None:
    stub.script_request(
        "rq-p",
        {"status": "queued", "message": ""},
        {"status": "started", "message": "", "progress": 0.25},
        {"status": "started", "message": "", "progress": 0.5},
        {"status": "finished", "message": "", "progress": 1.0},
    )
    recorder = Recorder()
    request, _ = logged_in.wait_for_completion(
        "rq-p", status_check_period=0.001, progress=recorder, log_prefix="Export of task 7"
    )
    assert request.status == "finished"
    assert recorder.events == [
        ("start", (100, "Export of task 7", "%")),
        ("update", 25.0),
        ("update", 50.0),
        ("update", 100.0),
        ("update", 100),
        ("finish", None),
    ]
