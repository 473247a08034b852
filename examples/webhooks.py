"""Webhooks: have CVAT call your pipeline when a project changes.

Creates a project and a webhook on it pointing at a small HTTP receiver started here on the
loopback, pings it (CVAT calls the receiver, signing the body with the secret), lists the
deliveries, asks for a redelivery, then deletes everything it made.

Runs against the CVAT server of ``CVAT_URL`` (which must be able to reach this machine's
loopback, as a server on the same machine can), or the embedded test server without one.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid
from typing import Any

import cvatorm
from cvatorm import Project, Webhook

SECRET = "change-me"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Checks each call's ``X-Signature-256`` against the shared secret, and records it."""

    received: list[tuple[str, bool]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(self.headers.get("X-Signature-256", ""), expected)
        self.received.append((json.loads(body).get("event", "?"), signed))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"thanks")

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    target_url = f"http://127.0.0.1:{receiver.server_address[1]}/cvat-events"

    with cvatorm.connect_or_embedded():
        print("Events a project webhook can receive:", len(Webhook.available_events("project")))
        project = Project.objects.create(
            name=f"webhook demo {uuid.uuid4().hex[:6]}", labels=[{"name": "car"}]
        )
        try:
            hook = Webhook.objects.create(
                target_url=target_url,
                type="project",
                project_id=project.id,
                events=["create:task", "update:job"],
                secret=SECRET,
            )
            print("Created", hook)

            delivery = hook.ping()
            print(f"Ping delivered: HTTP {delivery.status_code}, target said {delivery.response!r}")
            print("Receiver got (event, signature ok):", Receiver.received)

            hook.redeliver(delivery)  # queued by the server: wait for it to appear
            for _ in range(50):
                if len(list(hook.deliveries())) > 1:
                    break
                time.sleep(0.2)
            deliveries = [(d.event, d.status_code, d.redelivery) for d in hook.deliveries()]
            print("Deliveries:", deliveries)

            hook.is_active = False
            hook.save()  # PATCH of that field only
            print("Active after save:", Webhook.objects.get(id=hook.id).is_active)
            hook.delete()
        finally:
            project.delete()  # deletes its webhooks too
    receiver.shutdown()
    print("Cleaned up")


if __name__ == "__main__":
    main()
