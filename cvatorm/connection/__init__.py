"""The connection layer: clients, credentials, configuration and named connections.

See docs/guide/connecting.md. Import from here (or from ``cvatorm``): the submodules are an
implementation detail, each with one job (config, credentials, transport, retry, redaction,
api_map, organization, versions, background, context, client, registry). The embedded
default, ``cvatorm.connect_or_embedded``, lives above this layer (``cvatorm.embedded``).
"""

from __future__ import annotations

from cvatorm.connection.api_map import ApiMap
from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.client import Client, make_client
from cvatorm.connection.config import Config
from cvatorm.connection.credentials import (
    AccessTokenCredentials,
    Credentials,
    PasswordCredentials,
)
from cvatorm.connection.registry import ConnectionHandler, connect, connections, disconnect
from cvatorm.connection.versions import MINIMUM_SUPPORTED

__all__ = [
    "MINIMUM_SUPPORTED",
    "AccessTokenCredentials",
    "ApiMap",
    "BackgroundRequest",
    "Client",
    "Config",
    "ConnectionHandler",
    "Credentials",
    "PasswordCredentials",
    "connect",
    "connections",
    "disconnect",
    "make_client",
]
