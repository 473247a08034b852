"""``Organization``, ``Membership`` and ``Invitation``: who works together, and in which role."""

from __future__ import annotations

from cvatorm.exceptions import MalformedResponseError
from cvatorm.models.base import Model
from cvatorm.models.data import Targeted
from cvatorm.models.enums import Role
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    DictField,
    EnumField,
    IntegerField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation, ReverseRelation
from cvatorm.query import Manager
from cvatorm.wire.resource import Action, Resource, direct, users

__all__ = ["Invitation", "Membership", "Organization"]

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class Organization(Model):
    """An organization (``/api/organizations``), addressed by id; its ``slug`` is what requests
    send as ``X-Organization``. Its memberships and invitations are listed inside it."""

    objects: Manager[Organization]

    id = IntegerField()
    slug = StringField(
        writable=True, required=True, min_length=1, max_length=16, pattern=SLUG_PATTERN
    )
    name = StringField(writable=True, max_length=64)
    description = StringField(writable=True)
    created_date = DateTimeField()
    updated_date = DateTimeField()
    contact = DictField(writable=True)
    owner = UserField(nullable=True)

    memberships = ReverseRelation("memberships", by_organization=True)
    invitations = ReverseRelation("invitations", by_organization=True)

    class Meta:
        api = Resource(
            filter_vars={**direct("id", "name", "slug"), **users("owner")},
            organization_scoped=False,
        )
        repr_field = "slug"


class Membership(Model):
    """A user's membership of an organization (``/api/memberships``): created by accepting an
    invitation, so only ``role`` can be changed here."""

    objects: Manager[Membership]

    id = IntegerField()
    user = UserField()
    organization_id = IntegerField(wire_name="organization", related="organizations")
    is_active = BooleanField()
    joined_date = DateTimeField(nullable=True)
    role = EnumField(Role, writable="update")
    invitation_key = StringField(wire_name="invitation", nullable=True, related="invitations")

    organization = ForwardRelation("organizations", field="organization_id")
    invitation = ForwardRelation("invitations", field="invitation_key")

    class Meta:
        api = Resource(
            operations=frozenset({"list", "retrieve", "update", "delete"}),
            filter_vars={**direct("id", "role"), ("user", "username"): "user"},
        )


class Invitation(Targeted, Model):
    """An invitation to an organization (``/api/invitations``), keyed by its ``key``.

    Created inside the organization: ``Invitation(email=..., role="worker").save(
    organization="org1")``. ``email`` is write-only. The invitee ``accept()``s or
    ``decline()``s it; its owner (or the organization's staff) may ``resend()`` it.
    """

    objects: Manager[Invitation]

    key = StringField()
    created_date = DateTimeField()
    owner = UserField(nullable=True)
    # CVAT 2.64 answers every PATCH of an invitation with a 500 (its serializer's save() lacks
    # the request): fields are written on creation only, so save() never sends one.
    role = EnumField(Role, writable="create", required=True)
    user = UserField()
    organization_id = IntegerField(wire_name="organization", related="organizations")
    expired = BooleanField(nullable=True)
    organization_info = DictField()
    email = StringField(
        writable="create", write_only=True, required=True, min_length=1, email=True
    )

    organization = ForwardRelation("organizations", field="organization_id")

    class Meta:
        api = Resource(
            pk="key",
            pk_kind="str",
            filter_vars={**users("owner"), ("created_date",): "created_date"},
            actions={
                "accept": Action("accept"),
                "decline": Action("decline"),
                "resend": Action("resend"),
            },
        )
        ordering = ("-created_date",)

    # ------------------------------------------------------------------ actions

    def accept(self) -> str:
        """Join the organization (as the invitee); returns its slug. An expired or already
        accepted invitation is a ``BadRequestError`` with the server's reason."""
        answer = self._target().request("POST", "accept").json()
        slug = answer.get("organization_slug") if isinstance(answer, dict) else None
        if not isinstance(slug, str):
            raise MalformedResponseError(f"accepting {self!r} answered no organization_slug")
        return slug

    def decline(self) -> None:
        """Refuse the invitation (as the invitee): the server deletes it with its pending
        membership; this instance is left unsaved (``pk`` None)."""
        self._target().request("POST", "decline")
        self._raw.pop(self._meta.pk_wire_name, None)
        self._values.pop(self._meta.pk_name, None)

    def resend(self) -> None:
        """E-mail the invitation again. An accepted one is a ``BadRequestError``; a server with
        no e-mail backend answers ``ServerError`` ("Email backend is not configured.")."""
        self._target().request("POST", "resend")
