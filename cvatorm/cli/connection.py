"""How the command line connects: ``--embedded``, ``--url`` and its options, or the environment.

The rules are ``cvatorm.connect()``'s: with no ``--url``, ``CVAT_URL`` and its credentials
(``CVAT_USERNAME``/``CVAT_PASSWORD`` or ``CVAT_ACCESS_TOKEN``, and ``CVAT_ORG``) are used; with
``--url``, only the credentials given on the command line are, so the environment's password
is never sent to another server. A ``--username`` without ``--password`` asks for the password
on the terminal. ``--embedded`` starts a LocalCVAT seeded with CVAT's test data and logs in as
its administrator.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cvatorm
from cvatorm.connection import Client
from cvatorm.connection.registry import DEFAULT_ALIAS
from cvatorm.embedded import EMBEDDED_ADMIN
from cvatorm.exceptions import ConfigurationError
from cvatorm.testing import SEED_PASSWORD, LocalCVAT

__all__ = ["Connected", "add_connection_options", "connected"]


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (default: the CVAT_* environment variables)")
    group.add_argument("--url", help="the server (default: $CVAT_URL)")
    group.add_argument("--username", "-u", help="log in as this user (asks for the password)")
    group.add_argument("--password", help="the password (prefer the prompt or $CVAT_PASSWORD)")
    group.add_argument("--access-token", help="a personal access token instead of a password")
    group.add_argument("--org", help="organization context: a slug, or '' for the personal one")
    group.add_argument(
        "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    group.add_argument(
        "--embedded",
        action="store_true",
        help="start a fresh LocalCVAT (CVAT's test data) and log in as admin1",
    )


@dataclass(frozen=True)
class Connected:
    """The connected client, and the embedded server when there is one."""

    client: Client
    server: LocalCVAT | None
    #: Where the connection's settings came from, for the reader.
    source: str


@contextlib.contextmanager
def connected(options: argparse.Namespace) -> Iterator[Connected]:
    """The ``"default"`` connection the options describe, for the duration of the block."""
    config: dict[str, Any] = {"verify_ssl": False} if options.insecure else {}
    if options.embedded:
        if options.url or options.username or options.access_token:
            raise ConfigurationError("--embedded starts its own server: drop --url and the login")
        with LocalCVAT() as server:
            client = cvatorm.connect(
                server.url,
                credentials=(EMBEDDED_ADMIN, SEED_PASSWORD),
                organization=options.org,
                **config,
            )
            try:
                yield Connected(client, server, "--embedded (LocalCVAT)")
            finally:
                cvatorm.disconnect(DEFAULT_ALIAS)
        return

    if options.url:
        client = cvatorm.connect(
            options.url,
            credentials=_password_credentials(options),
            access_token=options.access_token,
            organization=options.org,
            **config,
        )
        source = "--url"
    else:
        if options.username or options.password or options.access_token:
            raise ConfigurationError(
                "--username, --password and --access-token need --url (without it, the "
                "CVAT_* environment variables are used)"
            )
        if not os.environ.get("CVAT_URL"):
            raise ConfigurationError(
                "no server: pass --url, set CVAT_URL (and CVAT_USERNAME/CVAT_PASSWORD or "
                "CVAT_ACCESS_TOKEN), or use --embedded"
            )
        client = cvatorm.connect(organization=options.org, **config)
        source = "environment (CVAT_URL)"
    try:
        yield Connected(client, None, source)
    finally:
        cvatorm.disconnect(DEFAULT_ALIAS)


def _password_credentials(options: argparse.Namespace) -> tuple[str, str] | None:
    if options.password is not None and not options.username:
        raise ConfigurationError("--password needs --username")
    if not options.username:
        return None
    if options.access_token:
        raise ConfigurationError("give --username or --access-token, not both")
    password = options.password
    if password is None:
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "--username without --password: no terminal to ask for the password on"
            )
        password = getpass.getpass(f"Password for {options.username}: ")
    return options.username, password
