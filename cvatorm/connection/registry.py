"""Django-style named connections: ``cvatorm.connect()`` and ``cvatorm.connections[alias]``.

Models and querysets that are not given a client use ``connections["default"]``; scripts call
``cvatorm.connect()`` once. With no URL, ``connect()`` reads the environment: ``CVAT_URL``,
``CVAT_ACCESS_TOKEN`` or ``CVAT_USERNAME``/``CVAT_PASSWORD``, and ``CVAT_ORG``. The credential
and organization variables are read only when the URL comes from the environment too, so that
``connect("https://elsewhere")`` never sends the environment's password to another server.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cvatorm.connection.client import Client, make_client
from cvatorm.connection.config import Config
from cvatorm.connection.credentials import (
    AccessTokenCredentials,
    CredentialsLike,
    coerce_credentials,
)
from cvatorm.connection.organization import check_slug
from cvatorm.exceptions import ConfigurationError, ConnectionNotFoundError, InvalidArgumentError

__all__ = [
    "DEFAULT_ALIAS",
    "ConnectionHandler",
    "ConnectionRef",
    "connect",
    "connections",
    "disconnect",
]

DEFAULT_ALIAS = "default"
_CLIENT_OPTIONS = frozenset({"logger", "check_server_version"})


class ConnectionHandler:
    """A thread-safe registry of clients by alias."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Client] = {}

    def __getitem__(self, alias: str) -> Client:
        with self._lock:
            client = self._clients.get(alias)
        if client is None:
            raise ConfigurationError(
                f"no connection named {alias!r}; call cvatorm.connect("
                f"{'' if alias == DEFAULT_ALIAS else f'..., alias={alias!r}'}) first"
            )
        return client

    def __contains__(self, alias: object) -> bool:
        with self._lock:
            return alias in self._clients

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._clients))

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)

    def __repr__(self) -> str:
        with self._lock:
            return f"<ConnectionHandler {sorted(self._clients)}>"

    def get(self, alias: str = DEFAULT_ALIAS) -> Client | None:
        with self._lock:
            return self._clients.get(alias)

    def register(self, client: Client, alias: str = DEFAULT_ALIAS) -> Client:
        """Register ``client`` as ``alias``; a client previously there is closed (not logged out:
        someone may still hold it)."""
        with self._lock:
            previous = self._clients.get(alias)
            self._clients[alias] = client
        if previous is not None and previous is not client:
            previous.close()
        return client

    def disconnect(self, alias: str = DEFAULT_ALIAS) -> None:
        """Unregister ``alias``, log its client out and close it. A missing alias is a no-op."""
        with self._lock:
            client = self._clients.pop(alias, None)
        if client is not None:
            try:
                client.logout()
            finally:
                client.close()

    def close_all(self) -> None:
        """Disconnect every alias."""
        for alias in list(self):
            self.disconnect(alias)

    def alias_of(self, client: object) -> str | None:
        """The alias ``client`` is registered as (the first one), ``None`` when it is not."""
        with self._lock:
            return next((a for a, c in self._clients.items() if c is client), None)

    def registered(self) -> list[tuple[str, Client]]:
        """``(alias, client)`` pairs, in registration order: a snapshot."""
        with self._lock:
            return list(self._clients.items())


    def _after_fork_in_child(self) -> None:
        """A forked process must not read from its parent's sockets: the pooled keep-alive
        connections of every registered client are dropped (new ones open on the next request;
        the parent's stay open), and the lock is new (a thread of the parent may have held
        it at the fork)."""
        self._lock = threading.Lock()
        for client in self._clients.values():
            session = getattr(client, "session", None)
            if session is not None:
                session.close()


connections = ConnectionHandler()
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=connections._after_fork_in_child)


@dataclass(frozen=True)
class ConnectionRef:
    """Which connection an object came from, without the connection itself.

    A pickled (or deep-copied across processes) model instance or queryset keeps this instead
    of its client, which holds sockets and locks: the server's identity (``server``, as
    ``Client.server_id``), the user name of the login (``None`` for a token login), the client's
    default organization and the alias it was registered as. No credential is kept: the other
    process must have connected itself (``cvatorm.connect()``, in a ``Pool`` initializer for
    instance), and ``resolve()`` finds that connection.
    """

    server: str
    user: str | None
    organization: str | None = None
    alias: str | None = None

    @classmethod
    def of(cls, client: Any) -> ConnectionRef:
        """The reference of ``client`` (a ``TypeError`` for an object without a server
        identity, as a test's fake client: pickling it could not be undone)."""
        server = getattr(client, "server_id", None)
        if not isinstance(server, str):
            raise TypeError(
                f"cannot pickle an object bound to {client!r}: it has no server identity "
                "(server_id) to reconnect by"
            )
        return cls(
            server=server,
            user=getattr(client, "user", None),
            organization=getattr(client, "default_organization_slug", None),
            alias=connections.alias_of(client),
        )

    def matches(self, client: Any) -> bool:
        """Same server and same user (a token login, user ``None``, matches a token login)."""
        return (
            getattr(client, "server_id", None) == self.server
            and getattr(client, "user", None) == self.user
        )

    def resolve(self, handler: ConnectionHandler | None = None) -> Client:
        """The registered client for this reference: the same alias if it is connected to the
        same server as the same user, else any such connection (one with the same default
        organization first). ``ConnectionNotFoundError`` when this process has none."""
        handler = handler if handler is not None else connections
        candidates = [(a, c) for a, c in handler.registered() if self.matches(c)]
        for alias, client in candidates:
            if alias == self.alias:
                return client
        for _alias, client in candidates:
            if getattr(client, "default_organization_slug", None) == self.organization:
                return client
        if candidates:
            return candidates[0][1]
        who = f" as {self.user!r}" if self.user else " (token login)"
        raise ConnectionNotFoundError(
            f"this object came from {self.server}{who}, and this process has no connection "
            f"to it: call cvatorm.connect({self.server!r}, ...) here first (with "
            "multiprocessing, in the Pool's initializer)",
            server=self.server,
            user=self.user,
        )


def _from_environment(
    environ: Mapping[str, str],
) -> tuple[str, CredentialsLike | None, str | None, str | None]:
    url = environ.get("CVAT_URL", "").strip()
    if not url:
        raise ConfigurationError(
            "no server URL: pass cvatorm.connect(url, ...) or set the CVAT_URL environment variable"
        )
    token = environ.get("CVAT_ACCESS_TOKEN") or None
    user = environ.get("CVAT_USERNAME") or None
    password = environ.get("CVAT_PASSWORD")
    if token and user:
        raise ConfigurationError(
            "both CVAT_ACCESS_TOKEN and CVAT_USERNAME are set; set only one way to log in"
        )
    if user and password is None:
        raise ConfigurationError("CVAT_USERNAME is set but CVAT_PASSWORD is not")
    if password is not None and not user:
        # Connecting anonymously would hide the mistake until the first 401.
        raise ConfigurationError(
            "CVAT_PASSWORD is set but CVAT_USERNAME is not; set both (or CVAT_ACCESS_TOKEN)"
        )
    credentials: CredentialsLike | None = None
    if user and password is not None:
        credentials = (user, password)
    organization = environ.get("CVAT_ORG")
    return url, credentials, token, organization


def connect(
    url: str | None = None,
    *,
    credentials: CredentialsLike | None = None,
    access_token: str | None = None,
    organization: str | None = None,
    alias: str = DEFAULT_ALIAS,
    **config: Any,
) -> Client:
    """Create a client, log it in, register it as ``alias`` and return it.

    ``config`` holds :class:`Config` fields (``read_timeout=30``, ``max_retries=0``...), or a
    whole ``config=Config(...)`` (the other fields then change it), and the client options
    ``logger`` and ``check_server_version``. ``organization`` becomes the
    client's default organization, seen by every thread.
    """
    if not isinstance(alias, str) or not alias:
        raise InvalidArgumentError("alias", alias, "a non-empty str")
    check_slug(organization)
    if url is not None and not isinstance(url, str):
        raise InvalidArgumentError("url", url, "a server URL (str) or None (use CVAT_URL)")
    client_options = {k: config.pop(k) for k in list(config) if k in _CLIENT_OPTIONS}
    base = config.pop("config", None)
    if base is not None and not isinstance(base, Config):
        raise ConfigurationError(f"config must be a Config, not {type(base).__name__}")
    cfg = base.replace(**config) if base is not None else Config.from_options(config)
    if url is None:
        if credentials is not None or access_token is not None:
            raise ConfigurationError(
                "credentials given without a URL; pass the URL too (environment credentials "
                "are used only with the environment's CVAT_URL)"
            )
        url, credentials, access_token, env_org = _from_environment(os.environ)
        if organization is None:
            organization = env_org
    if access_token is not None:
        # Checked (and a trailing newline dropped) before the client is made.
        access_token = AccessTokenCredentials(access_token).token
    if credentials is not None:
        credentials = coerce_credentials(credentials)
    client = make_client(
        url, credentials=credentials, access_token=access_token, config=cfg, **client_options
    )
    client.default_organization_slug = organization
    return connections.register(client, alias)


def disconnect(alias: str = DEFAULT_ALIAS) -> None:
    """Log out and close the client registered as ``alias`` and forget it."""
    connections.disconnect(alias)
