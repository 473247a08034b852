"""``client.events``: logging client events and exporting the event log, against LocalCVAT or a
real server. The real server of ``../shared/realcvat`` records events but has no analytics
store (ClickHouse): its export request fails with the connection error, which is an
``AnalyticsUnavailableError``; LocalCVAT exports the CSV as the real server writes it."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import (
    AnalyticsUnavailableError,
    BackgroundRequestException,
    InvalidArgumentError,
    TargetExistsError,
    ValidationError,
)
from cvatorm.models import Events


@pytest.mark.covers("POST /api/events", call="client.events.log([...])")
def test_client_events_are_recorded_with_the_user(orm_connection: Any) -> None:
    marker = uuid.uuid4().hex
    recorded = orm_connection.events.log(
        [
            {"scope": "debug:info", "obj_name": "pipeline", "obj_val": marker,
             "payload": {"step": "export", "frames": 3}},
            {"scope": "click:element", "timestamp": dt.datetime.now(dt.timezone.utc)},
        ]
    )  # fmt: skip
    assert [e["scope"] for e in recorded] == ["debug:info", "click:element"]
    first = recorded[0]
    assert first["obj_val"] == marker and first["source"] == "client"
    assert first["user_name"] == orm_connection.user
    assert first["payload"] == '{"step": "export", "frames": 3}'
    assert Events(orm_connection).log([]) == []


@pytest.mark.covers("POST /api/events/export", call="client.events.export(path)")
def test_the_log_exports_as_csv_or_names_the_missing_store(
    orm_connection: Any, cvat_target: Any, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    orm_connection.events.log([{"scope": "debug:info", "obj_val": marker}])
    target = tmp_path / "events.csv"
    if not cvat_target.is_local:
        with pytest.raises(AnalyticsUnavailableError) as failed:
            orm_connection.events.export(target, status_check_period=0.1, timeout=60)
        assert isinstance(failed.value, BackgroundRequestException)
        assert "clickhouse" in failed.value.message.lower() and failed.value.rq_id
        assert not target.exists()
        return
    path = orm_connection.events.export(
        target, since=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1),
        status_check_period=0.05,
    )  # fmt: skip
    assert path == target
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert any(row["obj_val"] == marker and row["scope"] == "debug:info" for row in rows)
    with pytest.raises(TargetExistsError):
        orm_connection.events.export(target)


def test_bad_input_is_refused_before_any_request(
    orm_connection: Any, traffic: Any, tmp_path: Path
) -> None:
    traffic.exchanges.clear()
    events = orm_connection.events
    with pytest.raises(ValidationError):
        events.log([{"scope": "delete:task"}])  # a server scope, refused from a client
    with pytest.raises(ValidationError):
        events.log([{"scope": "debug:info", "payload": object()}])
    with pytest.raises(ValidationError):
        events.log([{"scope": "debug:info", "colour": "red"}])
    with pytest.raises(InvalidArgumentError):
        events.log({"scope": "debug:info"})  # one event, not a list of them
    with pytest.raises(InvalidArgumentError):
        events.log([{"scope": "debug:info", "timestamp": "yesterday"}])
    with pytest.raises(InvalidArgumentError):
        events.export(tmp_path / "e.csv", task=0)
    with pytest.raises(InvalidArgumentError):
        events.export(tmp_path / "e.csv", since="last week")
    with pytest.raises(InvalidArgumentError):
        events.export(tmp_path / "e.csv", timeout=-1)
    assert traffic.exchanges == []


@pytest.mark.local_only
def test_only_a_missing_analytics_store_is_analytics_unavailable(
    local_cvat: Any, orm_connection: Any, tmp_path: Path
) -> None:
    local_cvat.background.fail_next(
        message="clickhouse_connect.driver.exceptions.OperationalError: Error "
        "HTTPConnectionPool(host='localhost', port=8123): connection refused",
        operation="export:events",
    )
    with pytest.raises(AnalyticsUnavailableError):
        orm_connection.events.export(tmp_path / "a.csv", status_check_period=0.02)
    local_cvat.background.fail_next(message="disk full", operation="export:events")
    with pytest.raises(BackgroundRequestException) as other:
        orm_connection.events.export(tmp_path / "b.csv", status_check_period=0.02)
    assert not isinstance(other.value, AnalyticsUnavailableError)
    assert other.value.message == "disk full"
