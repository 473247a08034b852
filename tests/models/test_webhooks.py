"""``Webhook``: the resource added through one model module (the proof of the "one resource,
one place" structure). Lists, creates, updates, pings, walks and redelivers deliveries and
deletes, against LocalCVAT or a real server; CVAT really calls a receiver on the loopback."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cvatorm import Project, Webhook
from cvatorm.exceptions import NotFoundError, ValidationError
from cvatorm.models import WebhookDelivery, WebhookType


class Receiver:
    """A loopback HTTP server recording what CVAT posts to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        received = self.calls

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"received")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def project(orm_connection: Any) -> Iterator[Project]:
    made = Project.objects.create(name=f"webhooks {uuid.uuid4().hex[:8]}", labels=[{"name": "car"}])
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete()


@pytest.mark.covers("GET /api/webhooks", call="Webhook.objects.filter(...)")
def test_the_seed_webhooks_list_and_filter(orm_connection: Any) -> None:
    hooks = list(Webhook.objects.all())
    assert hooks and all(isinstance(h, Webhook) for h in hooks)
    organization_hooks = Webhook.objects.filter(type="organization")
    assert {h.id for h in organization_hooks} == {
        h.id for h in hooks if h.type is WebhookType.ORGANIZATION
    }
    first = hooks[0]
    assert orm_connection.webhooks.retrieve(first.id) == first


@pytest.mark.covers("POST /api/webhooks", call="Webhook(...).save()")
@pytest.mark.covers("PATCH /api/webhooks/{id}", call="webhook.save()")
@pytest.mark.covers("DELETE /api/webhooks/{id}", call="webhook.delete()")
@pytest.mark.covers("GET /api/webhooks/{id}/deliveries", call="webhook.deliveries()")
@pytest.mark.covers("GET /api/webhooks/{id}/deliveries/{delivery_id}", call="webhook.delivery(id)")
@pytest.mark.covers(
    "POST /api/webhooks/{id}/deliveries/{delivery_id}/redelivery",
    call="webhook.redeliver(delivery)",
)
@pytest.mark.covers("POST /api/webhooks/{id}/ping", call="webhook.ping()")
def test_create_ping_deliveries_redeliver_update_delete(
    orm_connection: Any, project: Project, receiver: Receiver, traffic: Any
) -> None:
    hook = orm_connection.webhooks.create(
        target_url=receiver.url,
        type="project",
        project_id=project.id,
        events=["create:task"],
        secret="s3cret",
    )
    try:
        assert isinstance(hook, Webhook) and hook.project_id == project.id
        assert hook.events == ["create:task"] and hook.is_active
        assert "s3cret" not in repr(hook) and "secret" not in hook.raw

        delivery = hook.ping()
        assert isinstance(delivery, WebhookDelivery)
        assert (delivery.event, delivery.status_code, delivery.webhook_id) == ("ping", 200, hook.id)
        headers, body = receiver.calls[-1]
        signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers.get("X-Signature-256") == signature

        hook.redeliver(delivery)  # queued: the real server delivers it from a worker
        deadline = time.monotonic() + 20
        deliveries = list(hook.deliveries())
        while len(deliveries) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            deliveries = list(hook.deliveries())
        assert len(deliveries) == 2 and {d.event for d in deliveries} == {"ping"}
        assert any(d.redelivery for d in deliveries)
        assert hook.delivery(delivery.id).id == delivery.id

        hook.description = "pipeline hook"
        traffic.clear()
        hook.save()
        (patch,) = traffic.select("PATCH", f"/api/webhooks/{hook.id}")
        assert patch.json == {"description": "pipeline hook"}
        assert Webhook.objects.get(id=hook.id).description == "pipeline hook"
    finally:
        hook_id = hook.id
        hook.delete()
    with pytest.raises(Webhook.DoesNotExist):
        Webhook.objects.retrieve(hook_id)


@pytest.mark.covers("GET /api/webhooks/{id}", call="Webhook.objects.get(id=...)")
@pytest.mark.covers("GET /api/webhooks/events", call="Webhook.available_events(type)")
def test_available_events_by_type(orm_connection: Any) -> None:
    events = Webhook.available_events("project")
    assert "create:task" in events and "update:job" in events
    with pytest.raises(ValidationError, match="organization, project"):
        Webhook.available_events("team")


def test_bad_input_is_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    traffic.clear()
    with pytest.raises(ValidationError):
        Webhook(type="everything")
    with pytest.raises(ValidationError):
        Webhook(target_url="")
    with pytest.raises(ValidationError):
        Webhook.objects.retrieve("../users/self")
    with pytest.raises(ValidationError):
        Webhook(target_url="http://127.0.0.1:1/x", type="project").ping()
    assert traffic.exchanges == []
