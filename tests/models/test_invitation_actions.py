"""Invitations answered by their invitee (accept, decline) and sent again by their owner
(resend), on LocalCVAT and a real CVAT (whose default has no e-mail backend)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cvatorm import Invitation, Membership, Organization
from cvatorm.connection import Client
from cvatorm.exceptions import BadRequestError, ServerError, ValidationError


@pytest.fixture
def organization(orm_connection: Client) -> Iterator[Organization]:
    org = Organization(slug=f"inv{uuid.uuid4().hex[:8]}", name="invitation actions")
    org.save()
    yield org
    org.delete()


def _invite(org: Organization, email: str) -> Invitation:
    invitation = Invitation(email=email, role="worker")
    invitation.save(organization=org.slug)
    return invitation


@pytest.mark.covers("POST /api/invitations/{key}/accept", call="Invitation.accept()")
@pytest.mark.covers("POST /api/invitations/{key}/resend", call="Invitation.resend()")
@pytest.mark.covers("POST /api/invitations/{key}/decline", call="Invitation.decline()")
def test_an_existing_users_invitation_is_accepted_at_once_and_can_be_declined(
    organization: Organization, client_as: Callable[[str], Client], traffic: Any
) -> None:
    invitation = _invite(organization, "lonely_user@cvat.org")  # an existing user: joined
    with pytest.raises(BadRequestError, match="already accepted"):
        invitation.resend()

    invitee = client_as("lonely_user")
    mine = Invitation.objects.db_manager(invitee).get(key=invitation.key)
    with pytest.raises(BadRequestError, match="already accepted"):
        mine.accept()
    members = Membership.objects.filter(organization_id=organization.id)
    assert "lonely_user" in [m.user.username for m in members]

    mine.decline()  # the invitee leaves: the membership goes, the invitation with it
    assert mine.pk is None
    assert "lonely_user" not in [m.user.username for m in members.all()]
    assert not Invitation.objects.filter(key=invitation.key).exists()


@pytest.mark.covers("POST /api/auth/logout", call="client.logout()")
def test_an_unsaved_invitation_has_no_actions(orm_connection: Client, traffic: Any) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match="not saved"):
        Invitation(email="x@cvat.org", role="worker").accept()
    assert traffic.calls() == []


@pytest.mark.covers("GET /api/invitations", call="Invitation.objects.filter(...)")
@pytest.mark.local_only
def test_a_new_users_invitation_waits_for_its_e_mail_which_a_default_server_cannot_send(
    organization: Organization, orm_connection: Client
) -> None:
    # CVAT's default EMAIL_BACKEND is None: the invitation and its (dummy) user are created,
    # then sending fails with a 500 (the real server answers the same).
    with pytest.raises(ServerError, match="Email backend is not configured"):
        _invite(organization, "newcomer@cvat.org")
    pending = Invitation.objects.get(user__username="newcomer@cvat.org")
    assert pending.expired is None  # never sent
    with pytest.raises(ServerError, match="Email backend is not configured"):
        pending.resend()
    assert pending.accept() == organization.slug  # an administrator may accept for them
    with pytest.raises(BadRequestError, match="already accepted"):
        pending.accept()
