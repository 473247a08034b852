"""The transport formats a request's safe-to-show URL only when something shows it: a request
that succeeds with logging off pays no prepared request and no scrubbing for a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from cvatorm.connection import Config
from cvatorm.connection import transport as transport_module
from cvatorm.connection.redaction import Redactor
from cvatorm.connection.transport import ShownUrl, Transport
from cvatorm.exceptions import NotFoundError

from .stub_server import Canned, StubCVAT


class CountingRedactUrl:
    def __init__(self) -> None:
        self.calls = 0
        self.real = transport_module.redact_url

    def __call__(self, url: str) -> str:
        self.calls += 1
        return self.real(url)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> CountingRedactUrl:
    counter = CountingRedactUrl()
    monkeypatch.setattr(transport_module, "redact_url", counter)
    return counter


@pytest.fixture
def quiet_logger() -> logging.Logger:
    logger = logging.getLogger("tests.transport.lazy")
    logger.setLevel(logging.WARNING)
    return logger


@pytest.fixture
def transport(fast_config: Config, quiet_logger: logging.Logger) -> Iterator[Transport]:
    t = Transport(fast_config, logger=quiet_logger)
    yield t
    t.close()


def test_a_successful_request_with_logging_off_never_formats_its_url(
    transport: Transport, stub: StubCVAT, counted: CountingRedactUrl
) -> None:
    for _ in range(3):
        assert transport.send("GET", stub.url + "/api/echo", params={"page": 2}).json()
    assert counted.calls == 0


def test_debug_logging_formats_the_url_once_per_request(
    transport: Transport,
    stub: StubCVAT,
    counted: CountingRedactUrl,
    quiet_logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger=quiet_logger.name):
        transport.send("GET", stub.url + "/api/echo", params={"page": 2, "key": "s3cr3t"})
    assert counted.calls == 1  # the request line and the answer line share one formatting
    assert any("/api/echo?page=2" in r.getMessage() for r in caplog.records)
    assert not any("s3cr3t" in r.getMessage() for r in caplog.records)


def test_an_error_still_names_the_redacted_url(
    transport: Transport, stub: StubCVAT, counted: CountingRedactUrl
) -> None:
    stub.queue("GET", "/api/echo", Canned(404, {"detail": "Not found."}))
    with pytest.raises(NotFoundError) as caught:
        transport.send("GET", stub.url + "/api/echo", params={"token": "s3cr3t"})
    assert caught.value.url is not None and "/api/echo?token=" in caught.value.url
    assert "s3cr3t" not in str(caught.value)
    assert counted.calls == 1


def test_shown_url_masks_secrets_and_formats_like_a_string() -> None:
    redactor = Redactor()
    redactor.add("hunter2")
    shown = ShownUrl("http://h/api/x", {"q": "hunter2", "page": 1}, redactor)
    assert f"GET {shown}" == f"GET {shown!s}"
    assert "hunter2" not in str(shown)
    assert "page=1" in str(shown)
