"""Which client a model instance talks through, and what the models need from it.

Instances built from a server response remember the client (and organization) they came from;
new instances use ``save(using=alias)`` or the ``"default"`` connection. The models depend only on
the small ``ApiClient`` protocol below (``docs/architecture.md``), so unit tests can pass a
recording fake and the connection layer stays free to grow.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from cvatorm._sentinels import INHERIT, Inherit

__all__ = ["ApiClient", "OrganizationArg", "resolve_client", "resolve_organization"]

#: ``INHERIT``: the client's current context; ``None``: no organization; ``""``: the personal
#: workspace; a slug: that organization.
OrganizationArg = str | None | Inherit


@runtime_checkable
class ApiClient(Protocol):
    """The part of ``cvatorm.connection.Client`` the models use."""

    @property
    def server_id(self) -> str: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        organization: OrganizationArg = INHERIT,
    ) -> Any: ...


def resolve_organization(client: object, organization: OrganizationArg) -> OrganizationArg:
    """``INHERIT`` made concrete: the client's context at the time of the request.

    Objects read (or created) under the client's context remember that organization, so they
    keep using it after the context changes. A client without contexts keeps ``INHERIT``.
    """
    if organization is not INHERIT:
        return organization
    slug: OrganizationArg = getattr(client, "organization_slug", INHERIT)
    return slug


def resolve_client(using: str | ApiClient | None) -> ApiClient:
    """The client for ``using``: a client as is, an alias from ``cvatorm.connection.connections``,
    or (``None``) the ``"default"`` connection. A missing alias raises ``ConfigurationError``."""
    if using is not None and not isinstance(using, str):
        return using
    from cvatorm.connection import connections

    client: ApiClient = connections[using or "default"]
    return client
