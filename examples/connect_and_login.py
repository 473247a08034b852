"""Connecting to CVAT and logging in, every way cvatorm supports.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``). With no ``CVAT_URL``, it starts the embedded test server
(``cvatorm.testing.LocalCVAT``, seeded with CVAT's test data) and uses its admin, ``admin1``.

The only thing it creates on the server is a personal access token, which it deletes again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import cvatorm
from cvatorm import AccessTokenCredentials, Client, Config, PasswordCredentials, make_client
from cvatorm.exceptions import AuthenticationError


@contextlib.contextmanager
def server_and_credentials() -> Iterator[tuple[str, PasswordCredentials | AccessTokenCredentials]]:
    """``CVAT_URL`` and its credentials, or an embedded LocalCVAT and its admin."""
    url = os.environ.get("CVAT_URL")
    if url:
        token = os.environ.get("CVAT_ACCESS_TOKEN")
        if token:
            yield url, AccessTokenCredentials(token)
        else:
            yield url, PasswordCredentials(os.environ["CVAT_USERNAME"], os.environ["CVAT_PASSWORD"])
        return
    from cvatorm.testing import SEED_PASSWORD, LocalCVAT

    with LocalCVAT() as server:
        print(f"No CVAT_URL set: started the embedded test server at {server.url}")
        yield server.url, PasswordCredentials("admin1", SEED_PASSWORD)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    with server_and_credentials() as (url, credentials):
        # 1. A Client: the URL with a scheme (without one, https is tried, then http).
        #    Timeouts and retries come from Config; every request has a timeout.
        config = Config(read_timeout=30, max_retries=2)
        with Client(url, config=config) as client:  # logs out and closes at the end
            print("Server:", client.api_map.host, "version", client.get_server_version())
            client.login(credentials)  # a (user, password) tuple works too
            print("Logged in as", client.user, "| credentials:", client.has_credentials())
            print("repr shows no secret:", client)

            # 2. A personal access token (only a password session may create one), sent with
            #    the client's own request(): the connection layer, below the models.
            if isinstance(credentials, PasswordCredentials):
                token = client.request(
                    "POST", "/api/auth/access_tokens", json={"name": "cvatorm example"}
                ).json()
                try:
                    with make_client(url, access_token=token["value"]) as token_client:
                        # client.user names password logins only: ask the server who we are.
                        who = token_client.request("GET", "/api/users/self").json()
                        print("Token authenticates as", who["username"], "(read-only token)")
                finally:
                    client.request("DELETE", f"/api/auth/access_tokens/{token['id']}")

        # 3. A wrong password is an AuthenticationError with the server's reason, never the
        #    password itself.
        try:
            make_client(url, credentials=("admin1", "certainly wrong"))
        except AuthenticationError as error:
            print("Wrong password:", error)

        # 4. Django-style named connections, used by the ORM (Task.objects...).
        if isinstance(credentials, AccessTokenCredentials):
            cvatorm.connect(url, access_token=credentials.token, read_timeout=30)
        else:
            cvatorm.connect(url, credentials=credentials, read_timeout=30)
        default = cvatorm.connections["default"]
        print("connections['default'] is", default)
        cvatorm.connections.disconnect()  # logs out and closes "default"


if __name__ == "__main__":
    main()
