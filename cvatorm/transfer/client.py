"""The part of :class:`cvatorm.connection.Client` that transfers need (docs/architecture.md).

A protocol rather than the class, so the transfer code depends on the documented contract only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

import requests

from cvatorm._sentinels import INHERIT, Inherit
from cvatorm.connection.config import Config

__all__ = ["OrganizationArg", "TransferClient"]

#: ``INHERIT``: the client's current context; ``None``: none; ``""``: personal; a slug.
OrganizationArg = str | None | Inherit


class TransferClient(Protocol):
    """``request()`` (raising ``ApiException``/``TransportError``), ``server_id``, ``config``,
    ``logger``: a superset of the models' ``ApiClient``."""

    @property
    def server_id(self) -> str: ...

    @property
    def config(self) -> Config: ...

    @property
    def logger(self) -> logging.Logger: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        organization: OrganizationArg = INHERIT,
        timeout: Any = None,
        stream: bool = False,
    ) -> requests.Response: ...
