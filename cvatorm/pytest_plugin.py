"""The ``cvatorm`` pytest plugin: ``cvat_server`` and a connected ``cvat_client`` for your tests.

Registered as the ``pytest11`` entry point ``cvatorm``, so it is active wherever cvatorm is
installed (``-p no:cvatorm`` turns it off). It gives:

- ``cvat_server``: a :class:`~cvatorm.testing.LocalCVAT` reset to its seed data before the test
  (``cvat_server_session``: the same server, not reset); from ``cvatorm.testing.pytest_plugin``,
  which knows nothing of the client, as the test server must not;
- ``cvat_client``: a logged-in :class:`~cvatorm.Client`, also registered as the ``"default"``
  connection (``Task.objects`` uses it), polling background requests every 0.05 s instead of
  5 s. Without ``CVAT_URL`` it talks to ``cvat_server`` as ``admin1``, and the server is reset
  before the test. With ``CVAT_URL`` (and ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
  ``CVAT_ACCESS_TOKEN``, ``CVAT_ORG``: what ``cvatorm.connect()`` reads) it talks to that server
  and, after the test, deletes every object the test created through it (see
  :class:`CreatedObjects`); a real server is never reset. A test that asks for both
  ``cvat_client`` and ``cvat_server`` needs LocalCVAT (its faults, its seed) and is skipped when
  ``CVAT_URL`` is set.

This module sits above the models (it imports ``cvatorm`` and the test server), beside
``cvatorm.embedded``; docs/testing.md shows a whole test module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import inflection
import pytest
import requests

import cvatorm
from cvatorm.connection import Client, connections
from cvatorm.connection.registry import DEFAULT_ALIAS
from cvatorm.exceptions import CvatOrmError, NotFoundError
from cvatorm.testing import SEED_PASSWORD, LocalCVAT
from cvatorm.testing.pytest_plugin import cvat_server, cvat_server_session
from cvatorm.testing.pytest_plugin import pytest_addoption as _server_options
from cvatorm.wire.endpoints import REQUESTS
from cvatorm.wire.headers import ORG_HEADER
from cvatorm.wire.resource import Resource, resources

__all__ = ["CreatedObjects", "cvat_client", "cvat_server", "cvat_server_session"]

#: The seed data's administrator, whom ``cvat_client`` logs in as on LocalCVAT.
LOCAL_ADMIN = "admin1"
#: Seconds between two polls of a background request: LocalCVAT's requests run for 0.05 s.
LOCAL_POLL = 0.05
#: A real server's requests take seconds; a poll every quarter second keeps the load light.
REAL_POLL = 0.25


def pytest_addoption(parser: pytest.Parser) -> None:
    _server_options(parser)
    group = parser.getgroup("cvatorm")
    group.addoption(
        "--cvat-poll",
        type=float,
        default=None,
        help=(
            "seconds between polls of a background request by cvat_client "
            f"(default {LOCAL_POLL} on LocalCVAT, {REAL_POLL} with CVAT_URL)"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    poll = config.getoption("--cvat-poll", None)
    if poll is not None and not poll > 0:
        raise pytest.UsageError(f"--cvat-poll must be a number of seconds > 0, not {poll}")


@dataclass(frozen=True)
class Created:
    """One object a test created: where to delete it, and in which organization."""

    path: str
    organization: str | None
    #: For an invitation: ``(key, username)``, to find the membership it made.
    invitation: tuple[str, str] | None = None


@dataclass
class CreatedObjects:
    """The objects created through one client, recorded from its responses, to delete later.

    Recorded: a ``POST`` to a resource's collection (``/api/tasks``, ``/api/auth/access_tokens``:
    every resource a model declares) answered ``201`` with the new object's key, and an object a
    finished background request made from a backup (``import:backup``, its ``result_id``).
    Objects made by the server as a side effect of another (a task's jobs, a project's tasks
    from a dataset import, an organization's owner membership) go with their parent.
    :meth:`delete_all` deletes the newest first, each in the organization it was created in;
    one already gone (the test deleted it, or a parent's deletion took it) counts as deleted.
    """

    client: Client
    created: list[Created] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._collections: dict[str, Resource] = {}
        self.client.session.hooks.setdefault("response", []).append(self._record)

    def _resource_for(self, path: str) -> Resource | None:
        if not self._collections:  # models declared after the client was made count too
            self._collections = {r.collection_path(): r for r in resources}
        return self._collections.get(path.rstrip("/"))

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        path = urlsplit(request.url or "").path
        method = (request.method or "").upper()
        if method == "POST" and response.status_code == 201:
            resource = self._resource_for(path)
            if resource is not None and resource.allows("delete"):
                body = _json_object(response)
                key = body.get(resource.pk)
                if key is not None:
                    self._add(
                        resource.item_path(key),
                        request.headers.get(ORG_HEADER),
                        _invitation_of(resource, key, body),
                    )
        elif method == "GET" and path.startswith(REQUESTS + "/") and response.ok:
            self._record_background(_json_object(response), request.headers.get(ORG_HEADER))

    def _record_background(self, document: dict[str, Any], organization: str | None) -> None:
        operation = document.get("operation")
        result_id = document.get("result_id")
        if (
            document.get("status") != "finished"
            or not isinstance(operation, dict)
            or operation.get("type") != "import:backup"
            or not isinstance(result_id, int)
        ):
            return
        resource = resources.get(inflection.pluralize(str(operation.get("target"))))
        if resource is not None:
            self._add(resource.item_path(result_id), organization)

    def _add(
        self, path: str, organization: str | None, invitation: tuple[str, str] | None = None
    ) -> None:
        entry = Created(path, organization, invitation)
        if entry not in self.created:
            self.created.append(entry)

    def delete_all(self) -> list[str]:
        """Delete what was recorded, newest first; the ``"path: error"`` of each failure."""
        self.client.session.hooks["response"].remove(self._record)
        failures = []
        for entry in reversed(self.created):
            try:
                if entry.invitation is not None:
                    self._delete_membership(entry.invitation, entry.organization)
                self.client.request("DELETE", entry.path, organization=entry.organization)
            except NotFoundError:
                pass
            except CvatOrmError as error:
                failures.append(f"{entry.path}: {error}")
        self.created.clear()
        return failures


    def _delete_membership(self, invitation: tuple[str, str], organization: str | None) -> None:
        """The membership an invitation made (active at once for an existing user): deleting
        the invitation alone would leave it; deleting it takes the invitation along."""
        key, username = invitation
        memberships = resources.get("memberships")
        if memberships is None:
            return
        listed = self.client.request(
            "GET",
            memberships.collection_path(),
            params={"user": username, "page_size": 100},
            organization=organization,
        ).json()
        for membership in listed.get("results", []):
            if membership.get("invitation") == key:
                self.client.request(
                    "DELETE", memberships.item_path(membership["id"]), organization=organization
                )


def _invitation_of(resource: Resource, key: Any, body: dict[str, Any]) -> tuple[str, str] | None:
    user = body.get("user")
    if resource.name != "invitations" or not isinstance(user, dict):
        return None
    return str(key), str(user.get("username", ""))


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _disconnect(client: Client) -> None:
    """Unregister ``client`` if it is still the default connection; log it out either way."""
    if connections.get(DEFAULT_ALIAS) is client:
        cvatorm.disconnect(DEFAULT_ALIAS)
    else:
        with client:  # logs out and closes
            pass


def _poll(config: pytest.Config, default: float) -> float:
    value = config.getoption("--cvat-poll", None)
    return default if value is None else float(value)


@pytest.fixture
def cvat_client(request: pytest.FixtureRequest) -> Iterator[Client]:
    """A logged-in client, registered as the ``"default"`` connection for the test.

    LocalCVAT (no ``CVAT_URL``): ``cvat_server``, reset before the test, as ``admin1``. A real
    server (``CVAT_URL``): ``cvatorm.connect()`` from the environment; what the test created
    through this client is deleted afterwards, and a deletion that fails fails the test.
    """
    if not os.environ.get("CVAT_URL"):
        server: LocalCVAT = request.getfixturevalue("cvat_server")
        client = cvatorm.connect(
            server.url,
            credentials=(LOCAL_ADMIN, SEED_PASSWORD),
            status_check_period=_poll(request.config, LOCAL_POLL),
        )
        try:
            yield client
        finally:
            _disconnect(client)
        return

    if "cvat_server" in request.fixturenames:
        pytest.skip(
            "uses cvat_server (LocalCVAT) with cvat_client, and CVAT_URL names a real server"
        )
    client = cvatorm.connect(status_check_period=_poll(request.config, REAL_POLL))
    created = CreatedObjects(client)
    try:
        yield client
    finally:
        try:
            failures = created.delete_all()
        finally:
            _disconnect(client)
        if failures:
            pytest.fail(
                "cvat_client could not delete what the test created on "
                f"{os.environ['CVAT_URL']}: " + "; ".join(failures),
                pytrace=False,
            )
