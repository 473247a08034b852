"""``User``: an account (``/api/users``). Users are created by registration, not by this API."""

from __future__ import annotations

from cvatorm.models.base import Model
from cvatorm.models.fields import BooleanField, DateTimeField, IntegerField, ListField, StringField
from cvatorm.query import Manager
from cvatorm.wire.resource import Resource, direct

__all__ = ["User"]

USERNAME_PATTERN = r"^[\w.@+-]+$"


class User(Model):
    """A CVAT user. Nested users (a task's ``owner``) are ``User`` objects holding only the
    ``BasicUser`` fields (id, username, first and last name); ``refresh()`` loads the rest."""

    objects: Manager[User]

    url = StringField()
    id = IntegerField()
    username = StringField(
        writable="update", min_length=1, max_length=150, pattern=USERNAME_PATTERN
    )
    first_name = StringField(writable="update", max_length=150)
    last_name = StringField(writable="update", max_length=150)
    email = StringField(writable="update", max_length=254, email=True)
    groups = ListField(writable="update")
    is_staff = BooleanField(writable="update")
    is_superuser = BooleanField(writable="update")
    is_active = BooleanField(writable="update")
    last_login = DateTimeField(nullable=True)
    date_joined = DateTimeField()
    has_analytics_access = BooleanField()

    class Meta:
        api = Resource(
            operations=frozenset({"list", "retrieve", "update", "delete"}),
            filter_vars=direct("id", "username", "first_name", "last_name", "is_active"),
        )
        repr_field = "username"
