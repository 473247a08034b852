"""``AccessToken``: a personal access token (``/api/auth/access_tokens``).

A pipeline authenticates with a token rather than a password: ``Authorization: Bearer
<secret>``, read-only unless created with ``read_only=False``, optionally expiring. The server
shows the secret once, in the answer to the create request; this model keeps it on the object
that created the token (``token.value``), never in its ``repr``, ``str``, ``raw`` data or a log
line (it is added to the client's redactor at once), and never again after.

The server refuses to create, change or revoke tokens for a client authenticated by a token
(403): tokens are managed with a password session. ``AccessToken.objects.current()`` is the
opposite: it answers only to a token-authenticated client (``/api/auth/access_tokens/self``),
and is refused before any request otherwise.
"""

from __future__ import annotations

from typing import Any, TypeVar

from cvatorm._sentinels import INHERIT
from cvatorm.connection.credentials import AccessTokenCredentials, BearerAuth
from cvatorm.exceptions import ConfigurationError
from cvatorm.models.base import Model
from cvatorm.models.clients import resolve_client
from cvatorm.models.fields import BooleanField, DateTimeField, IntegerField, StringField, UserField
from cvatorm.query import Manager
from cvatorm.wire.resource import Action, Resource, direct

__all__ = ["AccessToken", "AccessTokenManager"]

M = TypeVar("M", bound=Model)

#: The key of the secret in the create answer (``AccessTokenReadSerializer.value``).
_SECRET_KEY = "value"


class AccessTokenManager(Manager[M]):
    """``AccessToken.objects``: the queries, plus :meth:`current`."""

    def current(self) -> M:
        """The token this client is authenticated with (``GET /api/auth/access_tokens/self``).

        ``ConfigurationError`` before any request when the client logged in with a password
        (the server answers only to ``Authorization: Bearer``)."""
        client = resolve_client(self._using)
        if not isinstance(client.session.auth, BearerAuth):
            raise ConfigurationError(
                "AccessToken.objects.current() needs a client authenticated with an access "
                "token (connect(..., access_token=...)); this one logged in otherwise"
            )
        model = self.model
        assert model is not None
        path = model._meta.require_api().action_path("self")
        response = client.request("GET", path, organization=None)
        return model._from_wire(response.json(), client=client, organization=INHERIT)


class AccessToken(Model):
    """A personal access token. ``name`` (at most 50 characters), ``read_only`` (the server's
    default: ``True``) and ``expiry_date`` (``None``: never) are writable; ``last_used_date``
    is updated by the server at most once a day. After ``save()`` of a new token, ``value`` is
    its secret (once: the server never shows it again); ``credentials()`` wraps it for
    ``connect(..., access_token=...)``."""

    objects: AccessTokenManager[AccessToken] = AccessTokenManager()

    id = IntegerField()
    name = StringField(writable=True, required=True, min_length=1, max_length=50)
    read_only = BooleanField(writable=True)
    expiry_date = DateTimeField(writable=True, nullable=True)
    created_date = DateTimeField()
    updated_date = DateTimeField()
    last_used_date = DateTimeField(nullable=True)
    owner = UserField(nullable=True)

    class Meta:
        api = Resource(
            path="auth/access_tokens",
            filter_vars=direct(
                "id",
                "name",
                "read_only",
                "created_date",
                "updated_date",
                "expiry_date",
                "last_used_date",
            ),
            actions={"self": Action("self", on_collection=True)},
            organization_scoped=False,
        )
        repr_field = "name"

    def _init_state(self, raw: dict[str, Any], **state: Any) -> None:
        secret = raw.pop(_SECRET_KEY, None)
        previous = self.__dict__.get("_secret")
        super()._init_state(raw, **state)
        if isinstance(secret, str) and secret:
            client = state.get("client")
            if client is not None:
                client.transport.redactor.add(secret)
            self.__dict__["_secret"] = secret
        else:
            self.__dict__["_secret"] = previous

    @property
    def value(self) -> str | None:
        """The secret, on the object whose ``save()`` created the token; ``None`` otherwise."""
        secret = self.__dict__.get("_secret")
        return secret if isinstance(secret, str) else None

    def credentials(self) -> AccessTokenCredentials:
        """The secret as credentials for ``connect(url, access_token=...)``/``client.login``;
        ``ConfigurationError`` when this object does not hold it."""
        if self.value is None:
            raise ConfigurationError(
                f"{self!r} does not hold its secret: the server shows it only once, in the "
                "answer to the request that created the token"
            )
        return AccessTokenCredentials(self.value)

    def revoke(self) -> None:
        """Delete the token on the server: clients using it are refused from now on."""
        self.delete()
