"""Shared fixtures of the integration tests: which CVAT to talk to, logged-in clients, traffic.

The server: with ``CVAT_URL`` set (plus ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN`` of an administrator) the tests target that real server, which must hold
CVAT's test database (the assets; every seed user's password is ``!Q@W#E$R``). Otherwise one
session-wide ``cvatorm.testing.LocalCVAT`` is started, the first time a test needs it, and reset
to its seed data after every module that used it.

Tests never assume which server they talk to: they count and inspect requests client-side with
``traffic`` (from ``session.hooks["response"]``, which works against a real server too), create
and delete their own objects when they change data, and mark what only LocalCVAT can do (fault
injection, resets) ``@pytest.mark.local_only``: skipped against a real server.

Every response ``traffic`` records is validated against CVAT's OpenAPI schema when the test
ends (``tests/support/openapi.py``); a mismatch fails the test at teardown.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

import cvatorm
from cvatorm.connection import (
    AccessTokenCredentials,
    Client,
    Config,
    PasswordCredentials,
    disconnect,
)
from cvatorm.connection.redaction import redact_headers

SEED_PASSWORD = "!Q@W#E$R"
ADMIN = "admin1"


def _real_server_url() -> str | None:
    return os.environ.get("CVAT_URL") or None


# --------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _real_server_url() is None:
        return
    skip = pytest.mark.skip(
        reason="local_only: exercises LocalCVAT; CVAT_URL targets a real server"
    )
    for item in items:
        if item.get_closest_marker("local_only") is not None:
            item.add_marker(skip)


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class CvatTarget:
    """The server the integration tests talk to.

    ``credentials`` are the administrator's (``admin1`` on LocalCVAT, the environment's on a
    real server); ``local`` is the ``LocalCVAT`` instance, or ``None`` for a real server.
    """

    url: str
    credentials: PasswordCredentials | AccessTokenCredentials
    is_local: bool
    local: Any = field(default=None, repr=False)


@dataclass
class _State:
    local: Any = None


_STATE = _State()


def _real_target(url: str) -> CvatTarget:
    token = os.environ.get("CVAT_ACCESS_TOKEN")
    user = os.environ.get("CVAT_USERNAME")
    password = os.environ.get("CVAT_PASSWORD")
    credentials: PasswordCredentials | AccessTokenCredentials
    if token:
        credentials = AccessTokenCredentials(token)
    elif user and password is not None:
        credentials = PasswordCredentials(user, password)
    else:
        raise pytest.UsageError(
            "CVAT_URL is set: also set CVAT_USERNAME and CVAT_PASSWORD (or CVAT_ACCESS_TOKEN) "
            "of an administrator of that server"
        )
    return CvatTarget(url=url, credentials=credentials, is_local=False)


@pytest.fixture(scope="session")
def cvat_target(request: pytest.FixtureRequest) -> CvatTarget:
    """The real server of ``CVAT_URL``, or the session's ``LocalCVAT`` (started on first use)."""
    url = _real_server_url()
    if url is not None:
        return _real_target(url)
    try:
        # Share the cvatorm pytest plugin's session server when the plugin is active.
        server = request.getfixturevalue("cvat_server_session")
    except pytest.FixtureLookupError:
        server = request.getfixturevalue("_own_local_cvat")
    _STATE.local = server
    return CvatTarget(
        url=server.url,
        credentials=PasswordCredentials(ADMIN, SEED_PASSWORD),
        is_local=True,
        local=server,
    )


#: What the suite must leave on a real server as it found it (the administrator's view).
_SEED_RESOURCES = (
    "users",
    "organizations",
    "memberships",
    "invitations",
    "projects",
    "tasks",
    "jobs",
    "labels",
    "issues",
    "comments",
)


def _seed_ids(target: CvatTarget) -> dict[str, list[Any]]:
    """Every object's id (invitation key) per resource, as the administrator lists them."""
    session = requests.Session()
    credentials = target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        session.headers["Authorization"] = f"Bearer {credentials.token}"
    else:
        session.auth = (credentials.user, credentials.password)
    found: dict[str, list[Any]] = {}
    with session:
        for resource in _SEED_RESOURCES:
            answer = session.get(
                f"{target.url.rstrip('/')}/api/{resource}", params={"page_size": "all"}, timeout=60
            )
            answer.raise_for_status()
            found[resource] = sorted(
                str(item.get("id", item.get("key"))) for item in answer.json()["results"]
            )
    return found


@pytest.fixture(scope="session", autouse=True)
def _real_server_left_as_found() -> Iterator[None]:
    """Against a real server: the objects there after the session are the ones there before
    (every test deletes what it made). A difference is an error of the session's last test."""
    url = _real_server_url()
    if url is None:
        yield
        return
    target = _real_target(url)
    before = _seed_ids(target)
    yield
    after = _seed_ids(target)
    changed = {
        resource: {
            "left behind": sorted(set(after[resource]) - set(before[resource])),
            "gone": sorted(set(before[resource]) - set(after[resource])),
        }
        for resource in _SEED_RESOURCES
        if before[resource] != after[resource]
    }
    assert not changed, f"the suite changed the real server's objects: {changed}"


@pytest.fixture(scope="session")
def _own_local_cvat() -> Iterator[Any]:
    from cvatorm.testing import LocalCVAT

    with LocalCVAT() as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def _reset_local_cvat_after_module() -> Iterator[None]:
    """Back to the seed data after each module that used LocalCVAT (never a real server)."""
    yield
    if _STATE.local is not None:
        _STATE.local.reset()


@pytest.fixture
def local_cvat(cvat_target: CvatTarget) -> Any:
    """The LocalCVAT instance; the test is skipped against a real server."""
    if not cvat_target.is_local:
        pytest.skip("needs LocalCVAT; CVAT_URL targets a real server")
    return cvat_target.local


# --------------------------------------------------------------------------- traffic


@dataclass
class Exchange:
    """One request and its response, as the client sent and received them."""

    method: str
    url: str
    #: Header names compare case-insensitively (``CaseInsensitiveDict``): a real server behind
    #: uvicorn sends them in lower case, LocalCVAT and nginx in their usual spelling.
    request_headers: CaseInsensitiveDict[str]
    body: bytes | None
    status: int
    response_headers: CaseInsensitiveDict[str]
    response_body: bytes | None
    streamed: bool

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def json(self) -> Any:
        """The request body as JSON (``None`` when there is none or it is not JSON)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def response_json(self) -> Any:
        if not self.response_body or "json" not in self.response_headers.get("Content-Type", ""):
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def __repr__(self) -> str:
        headers = redact_headers(self.request_headers)
        return f"<Exchange {self.method} {self.url} -> {self.status} headers={headers}>"


#: Request headers of the upload protocol's intermediate steps (``Upload-Start``,
#: ``Upload-Multiple``, TUS creation and chunk ``HEAD``/``PATCH``). The real server's
#: ``UploadMixin`` answers them, but its OpenAPI schema describes none of them (it lists only
#: ``202`` for the data endpoint and no chunk URLs).
_UNDESCRIBED_UPLOAD_STEPS = ("upload-start", "upload-multiple", "upload-length", "tus-resumable")
#: Documented as JSON, but the real server answers with images and zip chunks.
_JOB_DATA = re.compile(r"^/api/jobs/\d+/data$")
#: Documented as ``application/vnd.cvat+json``; the real server answers ``application/json``
#: (JSON) or ``text/csv``.
_REPORT_DATA = re.compile(r"^/api/quality/reports/\d+/data$")


def described_by_schema(exchange: Exchange) -> bool:
    """Whether CVAT's schema describes this exchange, so that it can be validated against it.

    ``Upload-Finish`` requests are described (the data endpoint's ``202``) and stay checked.
    """
    if exchange.method == "GET" and (
        _JOB_DATA.match(exchange.path) or _REPORT_DATA.match(exchange.path)
    ):
        return False
    headers = {name.lower() for name in exchange.request_headers}
    if "upload-finish" in headers:
        return True
    return not any(step in headers for step in _UNDESCRIBED_UPLOAD_STEPS)


class Traffic:
    """Every exchange of the clients attached to it, in order."""

    exchange_type = Exchange

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        # Everything ever recorded, for the schema check: clear() must not let an exchange
        # escape validation.
        self._all: list[Exchange] = []

    def attach(self, client: Client) -> Client:
        """Record ``client``'s traffic from now on (the fixtures attach theirs)."""
        hooks = client.session.hooks.setdefault("response", [])
        if self._hook not in hooks:
            hooks.append(self._hook)
        return client

    def new_client(self, url: str, *, config: Config | None = None) -> Client:
        """A ``Client(url)`` whose every request is recorded, its version check included."""
        client = self.attach(Client(url, config=config, check_server_version=False))
        client.check_server_version()
        return client

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        prepared = response.request
        streamed = bool(kwargs.get("stream"))
        raw_body = prepared.body
        body = raw_body.encode() if isinstance(raw_body, str) else raw_body
        exchange = Exchange(
            method=(prepared.method or "").upper(),
            url=prepared.url or "",
            request_headers=CaseInsensitiveDict(prepared.headers),
            body=body if isinstance(body, bytes) else None,
            status=response.status_code,
            response_headers=CaseInsensitiveDict(response.headers),
            response_body=None if streamed else response.content,
            streamed=streamed,
        )
        self.exchanges.append(exchange)
        self._all.append(exchange)

    def __len__(self) -> int:
        return len(self.exchanges)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self.exchanges))

    def __getitem__(self, index: int) -> Exchange:
        return self.exchanges[index]

    @property
    def last(self) -> Exchange:
        return self.exchanges[-1]

    def clear(self) -> None:
        self.exchanges.clear()

    def select(self, method: str | None = None, path: str | None = None) -> list[Exchange]:
        """The exchanges with this method and/or path (``/api/tasks``; a trailing ``/``
        does not matter)."""
        return [
            e
            for e in self.exchanges
            if (method is None or e.method == method.upper())
            and (path is None or e.path.rstrip("/") == path.rstrip("/"))
        ]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return len(self.select(method, path))

    def calls(self) -> list[tuple[str, str]]:
        """``[(method, path), ...]``: the usual thing to assert exactly."""
        return [(e.method, e.path) for e in self.exchanges]

    def validate(self) -> None:
        """Check every recorded response (cleared ones too) against CVAT's OpenAPI schema."""
        # tests/ is on sys.path (pytest puts the root conftest's folder there).
        from support.openapi import validate_exchange

        recorded = {id(e) for e in self._all}
        extra = [e for e in self.exchanges if id(e) not in recorded]  # appended by hand
        for exchange in [*self._all, *extra]:
            if exchange.streamed or not described_by_schema(exchange):
                continue
            validate_exchange(
                exchange.method,
                exchange.url,
                exchange.status,
                exchange.response_body,
                exchange.response_headers.get("Content-Type"),
            )


@pytest.fixture
def traffic() -> Iterator[Traffic]:
    """The requests and responses of the clients made by these fixtures, validated against
    the schema when the test ends."""
    recorder = Traffic()
    yield recorder
    recorder.validate()


@pytest.fixture(autouse=True)
def _covered_operations_were_sent(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``@pytest.mark.covers(operation, call=...)`` must have sent that
    operation through a client ``traffic`` recorded (``tests/support/coverage.py``).

    With ``CVATORM_RECORD_OPERATIONS=<file>`` every test's sent requests are appended there
    as JSON lines (how the markers were first placed: ``tests/support/coverage.py``)."""
    from support.coverage import Covered, missing

    markers = list(request.node.iter_markers("covers"))
    record_to = os.environ.get("CVATORM_RECORD_OPERATIONS")
    if not markers and not (record_to and "traffic" in request.fixturenames):
        yield
        return
    recorder: Traffic = request.getfixturevalue("traffic")
    yield
    sent = [(e.method, e.path) for e in recorder._all]
    if record_to:
        with open(record_to, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": request.node.nodeid, "sent": sent}) + "\n")
    covered = [Covered(m.args[0], m.kwargs.get("call", "")) for m in markers]
    absent = missing(covered, sent)
    if absent:
        pytest.fail(
            "marked covers but never sent: " + ", ".join(c.operation for c in absent),
            pytrace=False,
        )


# --------------------------------------------------------------------------- clients


def _new_client(target: CvatTarget, traffic: Traffic) -> Client:
    return traffic.new_client(target.url)


@pytest.fixture
def admin_client(cvat_target: CvatTarget, traffic: Traffic) -> Iterator[Client]:
    """A client logged in as the administrator (``admin1``, or the environment's user)."""
    client = _new_client(cvat_target, traffic)
    client.login(cvat_target.credentials)
    with client:
        yield client


@pytest.fixture
def client_as(cvat_target: CvatTarget, traffic: Traffic) -> Iterator[Callable[[str], Client]]:
    """``client_as("user1")``: a client logged in as that seed user (password ``!Q@W#E$R``)."""
    made: list[Client] = []

    def make(username: str, password: str = SEED_PASSWORD) -> Client:
        client = _new_client(cvat_target, traffic)
        made.append(client)
        client.login(PasswordCredentials(username, password))
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture
def orm_connection(cvat_target: CvatTarget, traffic: Traffic) -> Iterator[Client]:
    """``cvatorm.connect(...)`` as the administrator for alias ``"default"``; disconnected
    after the test."""
    credentials = cvat_target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        client = cvatorm.connect(cvat_target.url, access_token=credentials.token)
    else:
        client = cvatorm.connect(cvat_target.url, credentials=credentials)
    traffic.attach(client)
    yield client
    disconnect("default")
