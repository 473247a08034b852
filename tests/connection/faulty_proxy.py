"""A misbehaving HTTP proxy for tests: a loopback server that forwards to a CVAT and breaks on cue.

LocalCVAT's own fault injection (``server.faults``) breaks requests *at the server*; this breaks
them *between* the client and the server, the way proxies, load balancers and flaky networks do,
and works in front of any server (LocalCVAT or a real CVAT). Each rule matches a method and a
path (exact, or a regular expression) and applies to its next ``times`` requests:

=================  ==========================================================  ==============
fault              what the client sees                                        reaches server
=================  ==========================================================  ==============
``reset``          the connection reset (RST), no answer                       no
``lost_reply``     the connection reset after the server answered              yes
``status``         ``status`` (502, 503, 429...) with a small JSON body        no
``status_after``   ``status`` although the server did the work                 yes
``html``           a ``200`` HTML page (a login portal, a proxy's error page)  no
``html_after``     a ``200`` HTML page although the server did the work        yes
``truncate``       the right ``Content-Length``, half the body, then closed    yes
``unframed``       half the body, no ``Content-Length``, closed: looks whole   yes
``malformed``      the server's headers with a body that is not JSON (if any)  yes
``hang``           nothing at all, for ``delay`` seconds                       no
``drip``           the server's answer, one byte every ``delay`` seconds       yes
``redirect``       ``status`` (301/302/307/308) to ``location``                no
=================  ==========================================================  ==============

``proxy.received`` records every request as it arrived (method, path, headers, body), so tests
can check what was sent where (no cookie at another origin, no POST sent twice).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = frozenset(
    {
        "reset",
        "lost_reply",
        "status",
        "status_after",
        "html",
        "html_after",
        "truncate",
        "unframed",
        "malformed",
        "hang",
        "drip",
        "redirect",
    }
)
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><form action='/login'>Please sign in to continue</form></body></html>"
)
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
     "proxy-authorization", "proxy-authenticate", "content-length"}
)  # fmt: skip


@dataclass
class Rule:
    fault: str
    method: str | None
    path: str | re.Pattern[str] | None
    times: int | None
    status: int = 502
    location: str | Callable[[str], str] | None = None
    delay: float = 0.0
    when: Callable[[dict[str, str]], bool] | None = None
    hits: int = 0

    def matches(self, method: str, path: str, headers: dict[str, str]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.when is not None and not self.when(headers):
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.fullmatch(path) is not None
        return self.path.rstrip("/") == path.rstrip("/")


@dataclass
class Seen:
    """One request as the proxy received it; ``fault`` is the rule applied, if any."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fault: str | None = None


@dataclass
class _Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultyProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up on purpose (deadlines, timeouts) are expected."""


class FaultyProxy:
    """Forwards to ``upstream`` (``http://host:port``) from ``host`` (127.0.0.1 by default)."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1") -> None:
        split = urlsplit(upstream)
        self.upstream_host = split.hostname or "127.0.0.1"
        self.upstream_port = split.port or 80
        self.rules: list[Rule] = []
        self.received: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server((host, 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- rules -----------------------------------------------------------------------------------

    def add(
        self,
        fault: str,
        *,
        method: str | None = None,
        path: str | None = None,
        pattern: str | None = None,
        times: int | None = 1,
        status: int = 502,
        location: str | Callable[[str], str] | None = None,
        delay: float = 0.0,
        when: Callable[[dict[str, str]], bool] | None = None,
    ) -> Rule:
        """Apply ``fault`` to the next ``times`` matching requests (``None``: all); ``when``
        further selects on the request headers (case-insensitive names, lower-cased)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        rule = Rule(
            fault=fault,
            method=method,
            path=re.compile(pattern) if pattern is not None else path,
            times=times,
            status=status,
            location=location,
            delay=delay,
            when=when,
        )
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.received.clear()

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [
                s
                for s in self.received
                if (method is None or s.method == method.upper())
                and (path is None or s.path.rstrip("/") == path.rstrip("/"))
            ]

    def _take(self, method: str, path: str, headers: dict[str, str]) -> Rule | None:
        lowered = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path, lowered):
                    rule.hits += 1
                    return rule
        return None

    # -- forwarding ------------------------------------------------------------------------------

    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Answer:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            # The Host the client used goes through (as CVAT's nginx does), so the server's
            # CSRF origin check sees the origin the client talks to.
            sent.setdefault("Host", f"{self.upstream_host}:{self.upstream_port}")
            sent["Content-Length"] = str(len(body))
            connection.request(method, target, body=body or None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return _Answer(response.status, response.reason, kept, data)
        finally:
            connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _serve(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        method = self.command.upper()
        rule = proxy._take(method, split.path, dict(self.headers.items()))
        with proxy.lock:
            proxy.received.append(
                Seen(method, split.path, split.query, dict(self.headers.items()), body,
                     rule.fault if rule else None)
            )  # fmt: skip
        headers = dict(self.headers.items())
        fault = rule.fault if rule else None
        if fault == "reset":
            return self._reset()
        if fault == "hang":
            proxy.stopping.wait(rule.delay if rule else 1.0)
            return self._reset()
        if fault == "status" and rule:
            return self._answer(_json_answer(rule.status))
        if fault == "html":
            return self._answer(_html_answer())
        if fault == "redirect" and rule:
            location = rule.location(self.path) if callable(rule.location) else rule.location
            return self._answer(
                _Answer(rule.status, "Redirect", [("Location", location or "/")], b"")
            )
        answer = proxy.forward(method, self.path, headers, body)
        if fault == "lost_reply":
            return self._reset()
        if fault == "status_after" and rule:
            return self._answer(_json_answer(rule.status))
        if fault == "html_after":
            return self._answer(_html_answer())
        if fault == "malformed":
            # Only a body can be malformed: a 204 stays bodiless (bytes after it would be read
            # as the next answer's status line, another fault altogether).
            if answer.body:
                answer.body = b'{"results": [{"id": 1, "na'
            return self._answer(answer)
        if fault == "truncate":
            return self._answer(answer, cut=True)
        if fault == "unframed":
            return self._answer(answer, cut=True, framed=False)
        if fault == "drip" and rule:
            return self._answer(answer, drip=rule.delay)
        return self._answer(answer)

    def _answer(
        self, answer: _Answer, *, cut: bool = False, framed: bool = True, drip: float = 0.0
    ) -> None:
        body = answer.body
        sent = body[: len(body) // 2] if cut else body
        self.send_response(answer.status, answer.reason)
        for name, value in answer.headers:
            self.send_header(name, value)
        if framed:
            self.send_header("Content-Length", str(len(body)))
        if cut or not framed:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command.upper() == "HEAD":
            return
        if drip > 0:
            for index in range(len(sent)):
                if self.server.proxy.stopping.is_set():
                    return
                with contextlib.suppress(OSError):
                    self.wfile.write(sent[index : index + 1])
                    self.wfile.flush()
                time.sleep(drip)
            return
        with contextlib.suppress(OSError):
            self.wfile.write(sent)
            self.wfile.flush()

    def _reset(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _serve


def _json_answer(status: int) -> _Answer:
    body = b'{"detail": "proxy says ' + str(status).encode() + b'"}'
    return _Answer(status, http.client.responses.get(status, ""), [
        ("Content-Type", "application/json")], body)  # fmt: skip


def _html_answer() -> _Answer:
    return _Answer(200, "OK", [("Content-Type", "text/html; charset=utf-8")], HTML_PAGE)
