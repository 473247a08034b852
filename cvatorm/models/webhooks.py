"""``Webhook``: an HTTP callback CVAT calls on project or organization events
(``/api/webhooks``), with its deliveries, a ping and redelivery. The whole resource is this
file: its fields, its descriptor (paths, filter variables, actions) and its actions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import fields as mm

from cvatorm.exceptions import ValidationError
from cvatorm.models.base import Model
from cvatorm.models.clients import Client, resolve_client
from cvatorm.models.data import Targeted
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    EnumField,
    IntegerField,
    ListField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation
from cvatorm.query import Manager
from cvatorm.wire.resource import Action, Resource, direct, users

__all__ = ["Webhook", "WebhookContentType", "WebhookDelivery", "WebhookType"]

#: Deliveries per page when walking a webhook's deliveries.
_DELIVERY_PAGE = 100


class WebhookType(str, enum.Enum):
    """Whose events a webhook receives: one project's, or a whole organization's."""

    ORGANIZATION = "organization"
    PROJECT = "project"


class WebhookContentType(str, enum.Enum):
    JSON = "application/json"


@dataclass(frozen=True)
class WebhookDelivery:
    """One call CVAT made to a webhook's target (``WebhookDeliveryRead``): the event, the
    status code the target answered (``None`` when it could not be reached), the request CVAT
    sent (its JSON body) and the target's answer (as CVAT recorded it: the body's text)."""

    id: int
    webhook_id: int
    event: str
    status_code: int | None
    redelivery: bool
    changed_fields: str
    request: Any
    response: Any
    raw: Mapping[str, Any]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> WebhookDelivery:
        return cls(
            id=int(data["id"]),
            webhook_id=int(data.get("webhook_id") or 0),
            event=str(data.get("event") or ""),
            status_code=data.get("status_code"),
            redelivery=bool(data.get("redelivery")),
            changed_fields=str(data.get("changed_fields") or ""),
            request=data.get("request"),
            response=data.get("response"),
            raw=dict(data),
        )


class Webhook(Targeted, Model):
    """A CVAT webhook. ``type`` is ``"project"`` (give ``project_id``) or ``"organization"``
    (created in the organization of the request: ``save(organization="slug")``). ``secret`` is
    write-only: CVAT signs each delivery with it (``X-Signature-256``) and never returns it."""

    objects: Manager[Webhook]

    id = IntegerField()
    url = StringField()
    target_url = StringField(writable=True, required=True, min_length=1, max_length=8192)
    description = StringField(writable=True, max_length=128)
    type = EnumField(WebhookType, writable="create", required=True)
    content_type = EnumField(WebhookContentType, writable=True)
    secret = StringField(writable=True, write_only=True, max_length=64)
    is_active = BooleanField(writable=True)
    enable_ssl = BooleanField(writable=True)
    project_id = IntegerField(writable="create", nullable=True, related="projects")
    organization_id = IntegerField(wire_name="organization", nullable=True)
    owner = UserField(nullable=True)
    events = ListField(mm.String(), writable=True, required=True)
    created_date = DateTimeField()
    updated_date = DateTimeField()
    last_status = IntegerField(nullable=True)
    last_delivery_date = DateTimeField(nullable=True)

    project = ForwardRelation("projects", field="project_id")

    class Meta:
        api = Resource(
            filter_vars={
                **direct("id", "target_url", "type", "description", "project_id"),
                **direct("updated_date"),
                **users("owner"),
            },
            actions={
                "ping": Action("ping"),
                "deliveries": Action("deliveries"),
                "events": Action("events", on_collection=True),
            },
        )
        repr_field = "target_url"

    # ------------------------------------------------------------------ actions

    def ping(self) -> WebhookDelivery:
        """Send a ``ping`` event to the target now; returns the delivery CVAT recorded."""
        return WebhookDelivery.from_wire(self._target().request("POST", "ping").json())

    def deliveries(self) -> Iterator[WebhookDelivery]:
        """Every delivery of this webhook, newest first, page by page as the walk goes."""
        target = self._target()
        response = target.request("GET", "deliveries", params={"page_size": _DELIVERY_PAGE})
        while True:
            page = response.json()
            for item in page.get("results") or ():
                yield WebhookDelivery.from_wire(item)
            following = page.get("next")
            if not following:
                return
            response = target.context.request("GET", following)

    def delivery(self, delivery_id: int) -> WebhookDelivery:
        """One delivery of this webhook by id."""
        target = self._target()
        path = f"{target.path('deliveries')}/{_delivery_key(delivery_id)}"
        return WebhookDelivery.from_wire(target.context.request("GET", path).json())

    def redeliver(self, delivery: WebhookDelivery | int) -> None:
        """Ask CVAT to send a past delivery again (a new delivery is recorded)."""
        delivery_id = delivery.id if isinstance(delivery, WebhookDelivery) else delivery
        target = self._target()
        path = f"{target.path('deliveries')}/{_delivery_key(delivery_id)}/redelivery"
        target.context.request("POST", path)

    @classmethod
    def available_events(
        cls, webhook_type: WebhookType | str, *, using: str | Client | None = None
    ) -> list[str]:
        """The events a webhook of this type can subscribe to (``GET /api/webhooks/events``)."""
        try:
            kind = WebhookType(webhook_type).value
        except ValueError:
            choices = ", ".join(t.value for t in WebhookType)
            raise ValidationError(
                {"type": [f"expected one of {choices}, not {webhook_type!r}"]}
            ) from None
        client = resolve_client(using)
        response = client.request(
            "GET", cls._meta.require_api().action_path("events"), params={"type": kind}
        )
        return [str(event) for event in response.json().get("events") or ()]


def _delivery_key(delivery_id: object) -> str:
    if isinstance(delivery_id, bool) or not isinstance(delivery_id, int) or delivery_id < 0:
        raise ValidationError({"delivery_id": [f"expected a delivery id, not {delivery_id!r}"]})
    return str(delivery_id)
