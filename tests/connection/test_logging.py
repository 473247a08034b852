"""Logging goes through ``logging``, to the client's logger (a passed one, or cvatorm's)."""

from __future__ import annotations

import logging

import pytest

from cvatorm.connection import Client, Config

from .conftest import PASSWORD
from .stub_server import Canned, StubCVAT


def test_default_logger(stub: StubCVAT) -> None:
    client = Client(stub.url, check_server_version=False)
    assert client.logger is logging.getLogger("cvatorm.connection")


def test_a_passed_logger_receives_the_clients_records(
    stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    mine = logging.getLogger("my_cvat_client")
    config = Config(backoff_base=0.001, backoff_cap=0.001)
    client = Client(stub.url, logger=mine, config=config, check_server_version=False)
    assert client.logger is mine
    stub.queue("GET", "/api/echo", Canned(503, {"detail": "busy"}))
    with caplog.at_level(logging.DEBUG, logger="my_cvat_client"):
        client.login(("admin1", PASSWORD))
        client.request("GET", "/api/echo")
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("my_cvat_client", logging.INFO, f"Logged in to {stub.url} as 'admin1'") in records
    retry = [m for name, level, m in records if level == logging.WARNING and name == mine.name]
    assert retry and "503" in retry[0] and "retry 1/3" in retry[0]
    requests_logged = [m for name, level, m in records if level == logging.DEBUG]
    assert f"GET {stub.url}/api/echo -> 200 OK" in " ".join(requests_logged)
    assert all(name == "my_cvat_client" for name, _, _ in records if "cvat" in name)


def test_client_logger_can_be_used_directly(
    stub: StubCVAT, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(stub.url, check_server_version=False)
    with caplog.at_level(logging.INFO, logger="cvatorm"):
        client.logger.info("Custom log message")
    assert "Custom log message" in caplog.text
