"""The embedded default: the server of ``CVAT_URL`` when there is one, else a LocalCVAT.

Scripts, examples and notebooks want to run as they are on a machine with no CVAT at all, and
unchanged against a real server later. This is the one place that decides which, so that every
script does not grow its own copy of the decision. It sits above the connection layer and
beside the testing package (which it starts), so the connection layer never imports the test
server; ``cvatorm.connect_or_embedded`` loads it only when used.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from cvatorm.connection.client import Client
from cvatorm.connection.registry import DEFAULT_ALIAS, connect, disconnect
from cvatorm.testing import SEED_PASSWORD, LocalCVAT

__all__ = ["connect_or_embedded"]

#: The seed data's administrator, whom the embedded server's connection logs in as.
EMBEDDED_ADMIN = "admin1"


@contextlib.contextmanager
def connect_or_embedded(*, alias: str = DEFAULT_ALIAS, **config: Any) -> Iterator[Client]:
    """Register a connection for the duration of a ``with`` block, and remove it afterwards.

    With ``CVAT_URL`` set, this is ``cvatorm.connect()`` from the environment (credentials and
    ``CVAT_ORG`` included). Without it, a :class:`cvatorm.testing.LocalCVAT` seeded with CVAT's
    own test data is started, the connection logs in as its administrator (``admin1``), and the
    server is stopped when the block ends. ``config`` holds :class:`Config` fields, as for
    ``connect()``. Whether the server is embedded: ``not os.environ.get("CVAT_URL")``.
    """
    if os.environ.get("CVAT_URL"):
        client = connect(alias=alias, **config)
        try:
            yield client
        finally:
            disconnect(alias)
        return

    with LocalCVAT() as server:
        client = connect(
            server.url, credentials=(EMBEDDED_ADMIN, SEED_PASSWORD), alias=alias, **config
        )
        try:
            yield client
        finally:
            disconnect(alias)
