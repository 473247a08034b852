"""Personal access tokens: create one for a pipeline, use it, revoke it.

Creates a read-only token (its secret is shown once: keep it in a secret store, never in a log;
``repr(token)`` never shows it), connects a second client with it, reads which token that
client uses, renames the token, then revokes it: the token client is refused from then on.

Runs against the CVAT server of ``CVAT_URL`` (logged in with a password: the server does not
let a token-authenticated client manage tokens), or the embedded test server without one.
"""

from __future__ import annotations

import datetime as dt
import uuid

import cvatorm
from cvatorm import AccessToken
from cvatorm.exceptions import UnauthorizedError


def main() -> None:
    with cvatorm.connect_or_embedded() as client:
        token = AccessToken.objects.create(
            name=f"nightly export {uuid.uuid4().hex[:6]}",
            read_only=True,
            expiry_date=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30),
        )
        print("Created", repr(token), "(the secret is in token.value, shown once)")
        try:
            with cvatorm.make_client(client.api_map.host) as pipeline:
                pipeline.login(token.credentials())
                current = pipeline.access_tokens.current()
                print("The pipeline authenticates with", repr(current))
                print("It can read: tasks visible =", pipeline.tasks.count())
                token.name = "nightly export (renamed)"
                token.save()
                print("Renamed:", repr(pipeline.access_tokens.current()))
                token.revoke()
                print("Revoked")
                try:
                    pipeline.access_tokens.current()
                except UnauthorizedError:
                    print("The pipeline is refused now")
        finally:
            if token.pk is not None:
                token.revoke()


if __name__ == "__main__":
    main()
