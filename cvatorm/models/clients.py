"""Which client a model instance talks through.

Instances built from a server response remember the client (and organization) they came from;
new instances use ``save(using=alias)`` or the ``"default"`` connection. There is one client
type, :class:`cvatorm.connection.Client`; a test may pass any object that behaves like it.
"""

from __future__ import annotations

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.client import Client
from cvatorm.connection.registry import connections
from cvatorm.exceptions import InvalidArgumentError

__all__ = ["Client", "OrganizationArg", "resolve_client", "resolve_organization"]


def resolve_organization(client: Client, organization: OrganizationArg) -> OrganizationArg:
    """``INHERIT`` made concrete: the client's context at the time of the request.

    Objects read (or created) under the client's context remember that organization, so they
    keep using it after the context changes. A client without contexts keeps ``INHERIT``.
    """
    if organization is not INHERIT:
        return organization
    slug: OrganizationArg = getattr(client, "organization_slug", INHERIT)
    return slug


def resolve_client(using: str | Client | None) -> Client:
    """The client for ``using``: a client as is, an alias from ``cvatorm.connection.connections``,
    or (``None``) the ``"default"`` connection. A missing alias raises ``ConfigurationError``."""
    if using is not None and not isinstance(using, str):
        if not callable(getattr(using, "request", None)):  # duck-typed: tests pass fakes
            raise InvalidArgumentError("using", using, "a connection alias (str) or a Client")
        return using
    return connections[using or "default"]
