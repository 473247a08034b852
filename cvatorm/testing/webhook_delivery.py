"""Sending webhook deliveries as the real server does, but only to loopback addresses.

The real server (``cvat/apps/webhooks/signals.py``, ``send_webhook``) POSTs the payload with
``requests`` (``json=payload``, so the body is ``json.dumps(payload)``), signs that same text
with ``HMAC-SHA256(secret)`` in ``X-Signature-256: sha256=<hex>`` when the webhook has a
secret, waits at most 10 s, keeps at most 1 MiB of the answer's body, and records a
``WebhookDelivery``: the answer's status (502 when the connection fails, 504 on a timeout),
the payload as ``request`` and the answer's text as ``response`` (``""`` if there is none or
it is too big). ``ping`` does this inside the request; ``redelivery`` (and the resource events)
go through the ``webhooks`` RQ queue, i.e. after the answer.

A test server must never reach the network: targets that are not on loopback (``localhost``,
127.0.0.0/8) are recorded as the connection failure the real server records for an
unreachable host (502, empty response), without sending anything. Redirects are not followed
(the real ``requests`` session follows them) so that an answer cannot send us elsewhere.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import urllib.error
import urllib.request
import zlib
from typing import Any
from urllib.parse import urlsplit

from cvatorm.testing.routes.server_info import VERSION
from cvatorm.testing.store import Obj, Store, now_iso

#: ``WEBHOOK_TIMEOUT`` and ``RESPONSE_SIZE_LIMIT`` of ``signals.py``.
TIMEOUT = 10.0
RESPONSE_SIZE_LIMIT = 1024 * 1024

#: The real server's ``requests`` session says ``CVAT/<version> python-requests/<version>``.
USER_AGENT = f"CVAT/{VERSION} python-requests/2.32.4"

BAD_GATEWAY = 502
GATEWAY_TIMEOUT = 504


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is ``localhost`` or an IPv4 address in 127.0.0.0/8."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and address in ipaddress.ip_network("127.0.0.0/8")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Signature-256`` value: ``sha256=`` + HMAC-SHA256 of the body with the secret."""
    digest = hmac.new(secret.encode("utf-8"), body, digestmod=hashlib.sha256).hexdigest()
    return "sha256=" + digest


def jsonb(value: Any) -> Any:
    """``value`` with its objects' keys in PostgreSQL ``jsonb`` order (shorter keys first,
    then bytewise), as the real server returns a stored delivery's ``request`` and re-sends
    it on redelivery."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode("utf-8")), key.encode("utf-8")))
        return {key: jsonb(value[key]) for key in keys}
    if isinstance(value, list):
        return [jsonb(item) for item in value]
    return value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _decoded(raw: bytes, encoding: str | None) -> bytes:
    """``response.raw.read(decode_content=True)``: gzip and deflate bodies are decompressed."""
    encoding = (encoding or "").strip().lower()
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    return raw


def send(target_url: str, secret: str, enable_ssl: bool, payload: Obj) -> tuple[int, str]:
    """POST ``payload`` to a loopback ``target_url``: ``(status_code, response_text)``.

    A non-loopback target is not contacted and answers as an unreachable host: ``(502, "")``.
    """
    if not is_loopback(target_url):
        return BAD_GATEWAY, ""
    body = json.dumps(payload).encode("utf-8")
    headers = {
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "gzip, deflate",
        "Accept": "*/*",
        "Content-Type": "application/json",
    }
    if secret:
        headers["X-Signature-256"] = signature(secret, body)
    context = ssl.create_default_context()
    if not enable_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),  # never through a proxy: loopback only
        urllib.request.HTTPSHandler(context=context),
        _NoRedirect(),
    )
    request = urllib.request.Request(target_url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            status = int(answer.status)
            raw = answer.read(RESPONSE_SIZE_LIMIT + 1)
            encoding = answer.headers.get("Content-Encoding")
    except urllib.error.HTTPError as error:
        status = error.code
        raw = error.read(RESPONSE_SIZE_LIMIT + 1)
        encoding = error.headers.get("Content-Encoding") if error.headers else None
    except TimeoutError:
        return GATEWAY_TIMEOUT, ""
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            return GATEWAY_TIMEOUT, ""
        return BAD_GATEWAY, ""
    except (ConnectionError, OSError, ValueError):
        return BAD_GATEWAY, ""
    content = _decoded(raw, encoding)
    if len(content) >= RESPONSE_SIZE_LIMIT + 1:
        return status, ""
    return status, content.decode("utf-8")


def record(
    store: Store, webhook_id: int, payload: Obj, status: int, response: str, redelivery: bool
) -> Obj:
    """Store a delivery as ``WebhookDelivery.objects.create`` does; returns the stored row."""
    stamp = now_iso()
    before_update = payload.get("before_update") or {}
    row: Obj = {
        "id": store.next_id("webhook_deliveries"),
        "webhook_id": webhook_id,
        "event": payload["event"],
        "status_code": status,
        "redelivery": redelivery,
        "created_date": stamp,
        "updated_date": stamp,
        "changed_fields": ",".join(before_update),
        "request": payload,
        "response": response,
    }
    return store.put("webhook_deliveries", row)


def deliver(store: Store, webhook: Obj, payload: Obj, *, redelivery: bool = False) -> Obj:
    """``send_webhook``: send now (without holding the store's lock), then record."""
    status, response = send(
        webhook["target_url"], webhook.get("secret") or "", bool(webhook["enable_ssl"]), payload
    )
    return record(store, webhook["id"], payload, status, response, redelivery)


def deliver_later(store: Store, webhook: Obj, payload: Obj) -> threading.Thread:
    """``add_to_queue(..., redelivery=True)``: the webhooks worker sends it after the answer.

    The webhook is the one given (as the RQ job pickles it when it is queued).
    """

    def run() -> None:
        deliver(store, webhook, payload, redelivery=True)

    thread = threading.Thread(target=run, name=f"webhook-{webhook['id']}", daemon=True)
    thread.start()
    return thread
