"""Fixtures of LocalCVAT's own tests: one server per session, reset before every module.

These tests talk to LocalCVAT with plain ``requests`` (no cvatorm client code), so they judge
the server on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from cvatorm.testing import LocalCVAT

PASSWORD = "!Q@W#E$R"


@pytest.fixture(scope="session")
def _session_server() -> Iterator[LocalCVAT]:
    with LocalCVAT() as local:
        yield local


@pytest.fixture(scope="module")
def server(_session_server: LocalCVAT) -> LocalCVAT:
    """The session's LocalCVAT, back to its seed data at the start of each module."""
    _session_server.reset()
    return _session_server


@pytest.fixture(scope="module")
def url(server: LocalCVAT) -> str:
    return server.url


def _session(username: str) -> requests.Session:
    session = requests.Session()
    session.auth = (username, PASSWORD)
    return session


@pytest.fixture
def admin() -> Iterator[requests.Session]:
    """A session authenticating as the superuser ``admin1`` with HTTP basic auth."""
    session = _session("admin1")
    yield session
    session.close()


@pytest.fixture
def as_user() -> Iterator[Callable[[str], requests.Session]]:
    """``as_user("user1")``: a session authenticating as that seed user (basic auth)."""
    made: list[requests.Session] = []

    def make(username: str) -> requests.Session:
        session = _session(username)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()
