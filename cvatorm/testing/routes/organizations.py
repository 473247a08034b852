"""``/api/organizations``, ``/api/memberships`` and ``/api/invitations``.

Creating an organization makes its creator the owner member. An invitation creates an inactive
membership (and, for an unknown e-mail, an inactive user) that ``accept`` activates and
``decline`` removes, as the real server does with ``ORG_INVITATION_CONFIRM`` on.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from cvatorm.testing import cascade
from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import (
    actor,
    check_create,
    get_checked,
    list_visible,
    ok,
    scope_org_id,
)
from cvatorm.testing.routing import Context, Router
from cvatorm.testing.store import now_iso
from cvatorm.testing.validation import Field, list_error, validate

#: Invitation keys are ``get_random_string(64)``: letters and digits.
KEY_CHARS = string.ascii_letters + string.digits

ROLES = ("worker", "supervisor", "maintainer", "owner")

ORG_FIELDS = {
    "slug": Field("slug", required=True, max_length=16),
    "name": Field("str", max_length=64),
    "description": Field("str"),
    "contact": Field("dict"),
}
INVITATION_FIELDS = {
    "role": Field("str", required=True, choices=ROLES),
    "email": Field("email", required=True, allow_blank=False),
}


# -- organizations ----------------------------------------------------------------------------


def list_orgs(ctx: Context) -> Response:
    return list_visible(ctx, "organizations")


def retrieve_org(ctx: Context) -> Response:
    return ok(get_checked(ctx, "organizations", "view"))


def _slug_taken(ctx: Context, slug: str, own_id: int | None = None) -> None:
    for org in ctx.app.store.all("organizations"):
        if org["slug"] == slug and org["id"] != own_id:
            raise HttpError(400, {"slug": ["organization with this slug already exists."]})


def create_org(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "organizations", body)
    clean = validate(body, ORG_FIELDS)
    _slug_taken(ctx, clean["slug"])
    store = ctx.app.store
    stamp = now_iso()
    with store.transaction():
        org_id = store.next_id("organizations")
        org = {
            "contact": clean.get("contact", {}),
            "created_date": stamp,
            "description": clean.get("description", ""),
            "id": org_id,
            "name": clean.get("name") or clean["slug"],  # perform_create's default
            "owner": store.basic_user(ctx.user["id"]),
            "slug": clean["slug"],
            "updated_date": stamp,
        }
        store.put("organizations", org)
        store.put(
            "memberships",
            {
                "id": store.next_id("memberships"),
                "invitation": None,
                "is_active": True,
                "joined_date": stamp,
                "organization": org_id,
                "role": "owner",
                "user": store.basic_user(ctx.user["id"]),
            },
        )
    return ok(store.get("organizations", org_id), 201)


def update_org(ctx: Context) -> Response:
    body = ctx.request.json_object()
    org = get_checked(ctx, "organizations", "update", body=body)
    clean = validate(body, ORG_FIELDS, partial=True)
    if "slug" in clean:
        _slug_taken(ctx, clean["slug"], org["id"])
    clean["updated_date"] = now_iso()
    return ok(ctx.app.store.update("organizations", org["id"], clean))


def delete_org(ctx: Context) -> Response:
    org = get_checked(ctx, "organizations", "delete")
    cascade.delete_organization(ctx.app.store, org["id"])
    return Response.empty(204)


# -- memberships ------------------------------------------------------------------------------


def list_memberships(ctx: Context) -> Response:
    return list_visible(ctx, "memberships")


def retrieve_membership(ctx: Context) -> Response:
    return ok(get_checked(ctx, "memberships", "view"))


def update_membership(ctx: Context) -> Response:
    body = ctx.request.json_object()
    membership = get_checked(ctx, "memberships", "update", body=body)
    clean = validate(body, {"role": Field("str", choices=ROLES)}, partial=True)
    return ok(ctx.app.store.update("memberships", membership["id"], clean))


def delete_membership(ctx: Context) -> Response:
    membership = get_checked(ctx, "memberships", "delete")
    store = ctx.app.store
    with store.transaction():
        if membership.get("invitation"):
            store.remove("invitations", membership["invitation"])
        store.remove("memberships", membership["id"])
    return Response.empty(204)


# -- invitations ------------------------------------------------------------------------------


def _membership_of(ctx: Context, invitation: dict[str, Any]) -> dict[str, Any] | None:
    for membership in ctx.app.store.all("memberships"):
        if membership.get("invitation") == invitation["key"]:
            return membership
    return None


def list_invitations(ctx: Context) -> Response:
    return list_visible(ctx, "invitations")


def retrieve_invitation(ctx: Context) -> Response:
    return ok(get_checked(ctx, "invitations", "view", ctx.params["key"]))


def create_invitation(ctx: Context) -> Response:
    body = ctx.request.json_object()
    check_create(ctx, "invitations", body)
    clean = validate(body, INVITATION_FIELDS)
    org_id = scope_org_id(ctx)
    if org_id is None:
        raise HttpError(400, {"organization": ["This field is required."]})
    store = ctx.app.store
    stamp = now_iso()
    with store.transaction():
        user = store.user_by_email(clean["email"])
        # ORG_INVITATION_CONFIRM is "No" by default: an existing user's invitation is accepted
        # at once (membership active, never sent, so ``expired`` is null); a new (dummy) user
        # (``create_user(username=email)``, active, unusable password) gets it by e-mail, which
        # fails on a server without EMAIL_BACKEND (the default): 500, the objects stay.
        regular = user is not None
        if user is None:
            user_id = store.next_id("users")
            username = clean["email"]
            store.put(
                "users",
                {
                    "date_joined": stamp,
                    "email": clean["email"],
                    "first_name": "",
                    "groups": ["user"],
                    "has_analytics_access": False,
                    "id": user_id,
                    "is_active": True,
                    "is_staff": False,
                    "is_superuser": False,
                    "last_login": None,
                    "last_name": "",
                    "url": "",
                    "username": username,
                },
            )
            user = store.get("users", user_id)
            assert user is not None
        for membership in store.all("memberships"):
            if membership["organization"] == org_id and membership["user"]["id"] == user["id"]:
                raise list_error("The user is a member of the organization already.")
        key = "".join(secrets.choice(KEY_CHARS) for _ in range(64))
        store.put(
            "memberships",
            {
                "id": store.next_id("memberships"),
                "invitation": key,
                "is_active": regular,
                "joined_date": stamp if regular else None,
                "organization": org_id,
                "role": clean["role"],
                "user": store.basic_user(user["id"]),
            },
        )
        store.put(
            "invitations",
            {
                "created_date": stamp,
                "expired": None,  # never sent: ``sent_date`` is null
                "key": key,
                "organization": org_id,
                "organization_info": {},
                "owner": store.basic_user(ctx.user["id"]),
                "role": clean["role"],
                "user": store.basic_user(user["id"]),
            },
        )
    if not regular:
        return ok(_NO_EMAIL_BACKEND, 500)
    return ok(store.get("invitations", key), 201)


def update_invitation(ctx: Context) -> Response:
    """``InvitationViewSet.perform_update``: ``?accepted`` accepts the invitation (the old way
    to accept); any other PATCH reaches ``InvitationWriteSerializer.save()`` without its
    ``request`` argument, a ``TypeError``: CVAT 2.64 answers every such PATCH with Django's
    500 page, after its validation and permission checks passed, and changes nothing."""
    body = ctx.request.json_object()
    invitation = get_checked(ctx, "invitations", "update", ctx.params["key"], body=body)
    validate(
        body,
        {"role": Field("str", choices=ROLES), "email": Field("email", allow_blank=False)},
        partial=True,
    )
    if "accepted" not in ctx.query:
        raise server_error()
    membership = _membership_of(ctx, invitation)
    store = ctx.app.store
    if membership is not None and not membership["is_active"]:
        store.update("memberships", membership["id"], {"is_active": True, "joined_date": now_iso()})
    return ok(store.get("invitations", invitation["key"]))


def delete_invitation(ctx: Context) -> Response:
    invitation = get_checked(ctx, "invitations", "delete", ctx.params["key"])
    store = ctx.app.store
    with store.transaction():
        membership = _membership_of(ctx, invitation)
        if membership is not None and not membership["is_active"]:
            store.remove("memberships", membership["id"])
        elif membership is not None:  # the foreign key is SET_NULL
            store.update("memberships", membership["id"], {"invitation": None})
        store.remove("invitations", invitation["key"])
    return Response.empty(204)


#: ``Invitation.send`` on a server whose ``EMAIL_BACKEND`` is None (CVAT's default).
_NO_EMAIL_BACKEND = "Email backend is not configured."


def _own_invitation(ctx: Context) -> dict[str, Any]:
    key = ctx.params["key"]
    invitation = ctx.app.store.get("invitations", key)
    if invitation is None:
        raise HttpError(404, {"detail": "No Invitation matches the given query."})
    if (invitation.get("user") or {}).get("id") != ctx.user["id"] and not actor(ctx).is_admin:
        try:  # get_object(): outside the user's queryset it is a 404, inside a 403
            get_checked(ctx, "invitations", "view", key)
        except HttpError:
            raise HttpError(404, {"detail": "No Invitation matches the given query."}) from None
        raise HttpError(403, {"detail": "You do not have permission to perform this action."})
    return invitation


def accept_invitation(ctx: Context) -> Response:
    invitation = _own_invitation(ctx)
    membership = _membership_of(ctx, invitation)
    if invitation.get("expired"):
        raise HttpError(
            400, "Your invitation is expired. Please contact organization owner to renew it."
        )
    if membership is None or membership["is_active"]:
        raise HttpError(400, "Your invitation is already accepted.")
    store = ctx.app.store
    store.update("memberships", membership["id"], {"is_active": True, "joined_date": now_iso()})
    return ok({"organization_slug": invitation["organization_info"]["slug"]})


def decline_invitation(ctx: Context) -> Response:
    invitation = _own_invitation(ctx)
    store = ctx.app.store
    with store.transaction():  # ``membership.delete()``, the invitation by CASCADE
        membership = _membership_of(ctx, invitation)
        if membership is not None:
            store.remove("memberships", membership["id"])
        store.remove("invitations", invitation["key"])
    return Response.empty(204)


def resend_invitation(ctx: Context) -> Response:
    invitation = get_checked(ctx, "invitations", "update", ctx.params["key"])
    membership = _membership_of(ctx, invitation)
    if membership is not None and membership["is_active"]:
        raise HttpError(400, "This invitation is already accepted.")  # views.py resend
    return ok(_NO_EMAIL_BACKEND, 500)


def register(router: Router) -> None:
    router.add("GET", "/api/organizations", list_orgs)
    router.add("POST", "/api/organizations", create_org)
    router.add("GET", "/api/organizations/{id}", retrieve_org)
    router.add("PATCH", "/api/organizations/{id}", update_org)
    router.add("DELETE", "/api/organizations/{id}", delete_org)
    router.add("GET", "/api/memberships", list_memberships)
    router.add("GET", "/api/memberships/{id}", retrieve_membership)
    router.add("PATCH", "/api/memberships/{id}", update_membership)
    router.add("DELETE", "/api/memberships/{id}", delete_membership)
    router.add("GET", "/api/invitations", list_invitations)
    router.add("POST", "/api/invitations", create_invitation)
    router.add("GET", "/api/invitations/{key}", retrieve_invitation)
    router.add("PATCH", "/api/invitations/{key}", update_invitation)
    router.add("DELETE", "/api/invitations/{key}", delete_invitation)
    router.add("POST", "/api/invitations/{key}/accept", accept_invitation)
    router.add("POST", "/api/invitations/{key}/decline", decline_invitation)
    router.add("POST", "/api/invitations/{key}/resend", resend_invitation)
