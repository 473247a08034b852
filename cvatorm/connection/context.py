"""``Context`` and ``Target``: what an operation needs to talk to the server, in one object.

Every operation used to receive ``(client, organization, progress, status_check_period,
timeout)`` and thread them through four layers. A ``Context`` carries them once; a ``Target``
adds the resource descriptor and the object's key, so an operation on one object (export its
dataset, read its annotations) receives exactly one argument that knows where to send what.
Both are frozen: an operation that needs a different progress reporter makes a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import requests

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.progress import NullProgress, ProgressReporter, resolve_progress
from cvatorm.wire.resource import Resource

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["Context", "Polling", "Target"]


@dataclass(frozen=True)
class Polling:
    """How to wait for a background request: ``period`` between status checks (``None``: the
    client's ``Config.status_check_period``) and an overall ``timeout`` (``None``: none)."""

    period: float | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Context:
    """A client, the organization requests are sent in, a progress reporter and polling."""

    client: Client
    organization: OrganizationArg = INHERIT
    progress: ProgressReporter = field(default_factory=NullProgress)
    polling: Polling = field(default_factory=Polling)

    @classmethod
    def of(
        cls,
        client: Client,
        *,
        organization: OrganizationArg = INHERIT,
        progress: object = None,
        status_check_period: float | None = None,
        timeout: float | None = None,
    ) -> Context:
        """A context from the public arguments (``progress=True``, a reporter, a cvat-sdk
        reporter...; see :func:`cvatorm.progress.resolve_progress`)."""
        return cls(
            client,
            organization,
            resolve_progress(progress),
            Polling(status_check_period, timeout),
        )

    def request(self, method: str, path: str, **options: Any) -> requests.Response:
        """``client.request`` in this context's organization (unless ``organization=`` given)."""
        options.setdefault("organization", self.organization)
        return self.client.request(method, path, **options)

    def on(self, api: Resource, pk: object) -> Target:
        """The object ``pk`` of the resource ``api`` in this context."""
        return Target(self, api, pk)

    def with_organization(self, organization: OrganizationArg) -> Context:
        return replace(self, organization=organization)


@dataclass(frozen=True)
class Target:
    """One object on the server: its context, its resource descriptor and its key."""

    context: Context
    api: Resource
    pk: object

    @property
    def client(self) -> Client:
        return self.context.client

    def path(self, action: str | None = None) -> str:
        """The object's path, or the path of one of its declared actions."""
        if action is None:
            return self.api.item_path(self.pk)
        return self.api.action_path(action, self.pk)

    def request(
        self,
        method: str,
        action: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> requests.Response:
        """Send ``method`` to the object (or to its action) in the target's organization."""
        return self.context.request(method, self.path(action), params=params, **options)

    def describe(self) -> str:
        """``task 7``: how progress bars and messages name the object."""
        return f"{self.api.name.rstrip('s').replace('_', ' ')} {self.pk}"
