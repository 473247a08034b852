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
from typing import Any

from cvatorm.connection.client import Client, make_client
from cvatorm.connection.config import Config
from cvatorm.connection.credentials import (
    AccessTokenCredentials,
    CredentialsLike,
    coerce_credentials,
)
from cvatorm.connection.organization import check_slug
from cvatorm.exceptions import ConfigurationError, InvalidArgumentError

__all__ = ["DEFAULT_ALIAS", "ConnectionHandler", "connect", "connections", "disconnect"]

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


connections = ConnectionHandler()


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
