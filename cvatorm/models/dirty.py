"""Dirty tracking and request bodies: what ``save()`` must send, and nothing more.

A field is dirty when it was assigned (through its descriptor) or, for lists and dicts, when its
cached Python value no longer equals the value converted from the raw data. The raw data is never
edited by field reads (mutable values are deep-copied on first read), so it *is* the snapshot
taken at load: no copy is made for objects whose mutable fields are never touched.

Users given by username (``task.assignee = "user2"``) are resolved here, with one request for all
usernames of a save, in the object's organization; a username matching no user is a
``ValidationError``, raised before the create or update is sent.

The body is built from values already cleaned on assignment: ``Field.to_wire`` converts them and
checks nothing; ``save()`` then validates the body once with the model's write schema
(``serialization.validate_payload``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import OrganizationArg
from cvatorm.exceptions import ValidationError
from cvatorm.models.fields import UserField
from cvatorm.models.registry import registry
from cvatorm.wire import jsonlogic
from cvatorm.wire.endpoints import collection_path
from cvatorm.wire.listing import ListRequest, parse_page

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.models.base import Model

__all__ = ["build_payload", "dirty_fields", "resolve_usernames"]


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
    """``{username: User}`` for the given usernames that exist, with one list request."""
    user_model = registry["users"]
    rule = (
        jsonlogic.compare("==", "username", usernames[0])
        if len(usernames) == 1
        else jsonlogic.member_of("username", usernames)
    )
    request = ListRequest(
        path=collection_path("users"), filter=rule, page_size=max(len(usernames), 1)
    )
    response = client.request(
        "GET", request.path, params=request.params(), organization=organization
    )
    found: dict[str, Model] = {}
    for data in parse_page(response.json()).results:
        username = data.get("username")
        # Compared here too: exact, whatever the server's collation does.
        if isinstance(username, str) and username in usernames:
            found[username] = user_model._from_wire(
                data, client=client, organization=organization
            )
    return found
