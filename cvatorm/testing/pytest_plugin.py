"""The LocalCVAT half of cvatorm's pytest plugin: ``cvat_server`` and ``cvat_server_session``.

The ``cvatorm`` plugin (``cvatorm.pytest_plugin``, the ``pytest11`` entry point, active wherever
cvatorm is installed) re-exports these fixtures and adds ``cvat_client``, a connected cvatorm
client. This module imports nothing of cvatorm outside ``cvatorm.testing``: the test server
stays an independent judge of the client. One :class:`LocalCVAT` is started per test session
(lazily, on first use) and reset to its seed data before every test that uses ``cvat_server``::

    def test_pipeline(cvat_server):
        run_my_pipeline(cvat_server.url, "admin1", "!Q@W#E$R")
        ...

Options: ``--cvat-latency=SECONDS`` adds a delay to every request; ``--cvat-data=PATH`` seeds
from a folder of JSON files instead of the bundled assets (``empty`` for just ``admin1``).
``cvat_server`` is always a LocalCVAT, whatever ``CVAT_URL`` says (docs/testing.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cvatorm.testing.server import LocalCVAT


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cvatorm", "LocalCVAT test server (cvatorm.testing)")
    group.addoption(
        "--cvat-data",
        default="assets",
        help='seed of the cvat_server fixture: "assets" (default), "empty" or a folder of JSON',
    )
    group.addoption(
        "--cvat-latency",
        type=float,
        default=0.0,
        help="seconds of delay LocalCVAT adds to every request (default 0)",
    )


@pytest.fixture(scope="session")
def cvat_server_session(pytestconfig: pytest.Config) -> Iterator[LocalCVAT]:
    """The session's LocalCVAT, not reset between tests (prefer ``cvat_server``)."""
    server = LocalCVAT(
        data=pytestconfig.getoption("--cvat-data"),
        latency=pytestconfig.getoption("--cvat-latency"),
    )
    with server:
        yield server


@pytest.fixture
def cvat_server(cvat_server_session: LocalCVAT) -> LocalCVAT:
    """A running LocalCVAT holding the seed data, with no faults and an empty request log."""
    cvat_server_session.reset()
    return cvat_server_session
