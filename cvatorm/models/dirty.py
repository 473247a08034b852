"""Dirty tracking and request bodies: what ``save()`` must send, and nothing more.

A field is dirty when it was assigned (through its descriptor) or, for lists and dicts, when its
cached Python value no longer equals the value converted from the raw data. The raw data is never
edited by field reads (mutable values are deep-copied on first read), so it *is* the snapshot
taken at load: no copy is made for objects whose mutable fields are never touched.

Users given by username (``task.assignee = "user2"``) are resolved here, with one request for all
usernames of a save, in the object's organization; a username matching no user is a
``ValidationError``, raised before the create or update is sent. The client remembers what it
resolved (``Client.usernames``, a small TTL cache), so N saves of the same username send one GET;
a 400 or 404 to a request that carried a user id drops that id (:func:`forgetting_refused_users`).

The body is built from values already cleaned on assignment: ``Field.to_wire`` converts them and
checks nothing; ``save()`` then validates the body once with the model's write schema
(``serialization.validate_payload``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.exceptions import BadRequestError, NotFoundError, ValidationError
from cvatorm.models.fields import UserField
from cvatorm.models.registry import registry
from cvatorm.wire import jsonlogic
from cvatorm.wire.endpoints import collection_path
from cvatorm.wire.listing import ListRequest, parse_page

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.connection.usernames import UsernameCache
    from cvatorm.models.base import Model

__all__ = ["build_payload", "dirty_fields", "forgetting_refused_users", "resolve_usernames"]


def dirty_fields(instance: Model) -> list[str]:
    """Names of the writable fields of ``instance`` that differ from the server's data.

    An assigned value equal to the server's is not dirty (``task.name = task.name`` sends
    nothing); write-only fields are dirty whenever assigned, having no server value.
    """
    values = instance._values
    assigned = instance._assigned
    raw = instance._raw
    names = []
    for name, field in instance._meta.fields.items():
        if field.read_only:
            continue
        if name in assigned:
            if (
                field.write_only
                or field.wire_name not in raw
                or not field.same_as_raw(values[name], raw[field.wire_name])
            ):
                names.append(name)
        elif (
            field.mutable
            and name in values
            and not field.write_only
            and values[name] != field.to_python(raw.get(field.wire_name))
        ):
            names.append(name)
    return names


def build_payload(instance: Model, names: Sequence[str], client: Client) -> dict[str, Any]:
    """The request body for ``names``: ``{write_name: wire value}``, usernames resolved.

    Converted, not validated: the caller validates the body with ``validate_payload``.
    """
    fields = instance._meta.fields
    pending = {
        name: username
        for name in names
        if isinstance(fields[name], UserField)
        and (username := fields[name].needs_lookup(instance._values.get(name))) is not None  # type: ignore[attr-defined]
    }
    if pending:
        users = resolve_usernames(
            sorted(set(pending.values())),
            client=client,
            organization=instance._request_organization(),
        )
        missing = {name: u for name, u in pending.items() if u not in users}
        if missing:
            raise ValidationError(
                {name: [f"No user with username {u!r}."] for name, u in missing.items()}
            )
        for name, username in pending.items():
            instance._values[name] = users[username]
    payload: dict[str, Any] = {}
    for name in names:
        field = fields[name]
        write_name = field.write_name
        assert write_name is not None  # dirty fields are writable
        payload[write_name] = field.to_wire(instance._values.get(name))
    return payload


def resolve_usernames(
    usernames: Sequence[str], *, client: Client, organization: OrganizationArg
) -> dict[str, Model]:
    """``{username: User}`` for the given usernames that exist: those the client resolved
    recently from its cache, the others with one list request (whose answers are cached)."""
    user_model = registry["users"]
    cache: UsernameCache | None = getattr(client, "usernames", None)
    slug = _slug(client, organization)
    found: dict[str, Model] = {}
    missing: list[str] = []
    for username in usernames:
        data = cache.get(slug, username) if cache is not None else None
        if data is None:
            missing.append(username)
        else:
            found[username] = user_model._from_wire(data, client=client, organization=organization)
    if not missing:
        return found
    rule = (
        jsonlogic.compare("==", "username", missing[0])
        if len(missing) == 1
        else jsonlogic.member_of("username", missing)
    )
    request = ListRequest(path=collection_path("users"), filter=rule, page_size=len(missing))
    response = client.request(
        "GET", request.path, params=request.params(), organization=organization
    )
    for data in parse_page(response.json()).results:
        name = data.get("username")
        # Compared here too: exact, whatever the server's collation does.
        if isinstance(name, str) and name in missing:
            if cache is not None:
                cache.put(slug, data)
            found[name] = user_model._from_wire(data, client=client, organization=organization)
    return found


@contextmanager
def forgetting_refused_users(
    instance: Model, names: Sequence[str], client: Client
) -> Iterator[None]:
    """Around the request that sends ``names``: a 400 or 404 answer may mean a user id the
    client remembered is stale (the account was deleted), so the ids of the user fields sent
    are dropped from the client's cache, and the next save asks the server again."""
    try:
        yield
    except (BadRequestError, NotFoundError):
        cache: UsernameCache | None = getattr(client, "usernames", None)
        if cache is not None:
            fields = instance._meta.fields
            cache.drop_ids(
                getattr(instance._values.get(name), "pk", None)
                for name in names
                if isinstance(fields[name], UserField)
            )
        raise


def _slug(client: Client, organization: OrganizationArg) -> str | None:
    """The organization a lookup is answered in (the cache's key): the client's context for
    ``INHERIT``."""
    slug = getattr(client, "organization_slug", None) if organization is INHERIT else organization
    return slug if isinstance(slug, str) else None
