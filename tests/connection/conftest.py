"""Fixtures for the connection layer's unit tests: a stub CVAT per test, fast retry settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cvatorm.connection import Client, Config

from .stub_server import USERS, StubCVAT

PASSWORD = USERS["admin1"]


@pytest.fixture
def stub() -> Iterator[StubCVAT]:
    server = StubCVAT().start()
    yield server
    server.stop()


@pytest.fixture
def fast_config() -> Config:
    """Tiny backoff so retry tests are quick; generous timeouts for a loaded machine."""
    return Config(
        max_retries=2,
        backoff_base=0.001,
        backoff_cap=0.002,
        connect_timeout=5.0,
        read_timeout=10.0,
    )


@pytest.fixture
def client(stub: StubCVAT, fast_config: Config) -> Iterator[Client]:
    c = Client(stub.url, config=fast_config)
    stub.received.clear()
    yield c
    c.close()


@pytest.fixture
def logged_in(client: Client, stub: StubCVAT) -> Client:
    client.login(("admin1", PASSWORD))
    stub.received.clear()
    return client
