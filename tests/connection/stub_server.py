"""A tiny CVAT-like HTTP server (stdlib only) for the connection layer's unit tests.

It implements just what the connection layer touches, the way the real server does it:
``/api/server/about``, ``/api/auth/login`` (sets ``sessionid`` and ``csrftoken`` cookies),
``/api/auth/logout``, ``/api/users/self`` (session cookie, ``Bearer`` token or legacy
``Token`` key), Django's CSRF rule for unsafe session requests (403 without ``X-CSRFToken``), and
``/api/requests/<id>`` with scripted statuses. Tests can queue canned responses per
``(method, path)`` (to provoke 503s, 429s, slow answers or dropped connections) and read every
received request from ``server.received``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

USERS = {"admin1": "!Q@W#E$R", "user1": "!Q@W#E$R"}
PASSWORD_ERROR = {"non_field_errors": ["Unable to log in with provided credentials."]}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, dropped connections) are expected here."""


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Canned:
    """One scripted answer: a status, headers and a JSON body; ``drop`` closes the socket."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0
    raw: bytes | None = None


class StubCVAT:
    def __init__(self, version: str = "2.64.1") -> None:
        self.version = version
        self.received: list[Received] = []
        self.canned: dict[tuple[str, str], deque[Canned]] = {}
        self.sessions: dict[str, str] = {}  # sessionid -> user
        self.csrf: dict[str, str] = {}  # sessionid -> csrftoken
        self.tokens: dict[str, str] = {"pat-secret-0123456789": "admin1"}
        self.keys: dict[str, str] = {}
        self.requests: dict[str, deque[dict[str, Any]]] = {}
        self.login_sets_cookies = True
        self.lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def hostport(self) -> str:
        return self.url.split("://", 1)[1]

    def start(self) -> StubCVAT:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def queue(self, method: str, path: str, *answers: Canned) -> None:
        with self.lock:
            self.canned.setdefault((method, path), deque()).extend(answers)

    def script_request(self, rq_id: str, *states: dict[str, Any]) -> None:
        self.requests[rq_id] = deque(states)

    def paths(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.received]

    # ------------------------------------------------------------------ handler

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Received(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), body
                )
                with stub.lock:
                    stub.received.append(rec)
                    queue = stub.canned.get((self.command, parts.path))
                    canned = queue.popleft() if queue else None
                if canned is not None:
                    if canned.delay:
                        time.sleep(canned.delay)
                    if canned.drop:
                        self.close_connection = True
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self._send(canned.status, canned.body, canned.headers, canned.raw)
                    return
                status, payload, headers = stub.route(rec, self.headers.get("Cookie", ""))
                self._send(status, payload, headers)

            def _send(
                self, status: int, payload: Any, headers: dict[str, Any], raw: bytes | None = None
            ) -> None:
                data = (
                    raw
                    if raw is not None
                    else b""
                    if payload is None
                    else json.dumps(payload).encode()
                )
                self.send_response(status)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/vnd.cvat+json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    for v in value if isinstance(value, list) else [value]:
                        self.send_header(name, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        return Handler

    # ------------------------------------------------------------------ routes

    def _user(self, rec: Received, cookie: str) -> tuple[str | None, str | None]:
        """(user, session id) from the Authorization header or the session cookie."""
        auth = rec.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.tokens.get(auth[7:]), None
        if auth.startswith("Token "):
            return self.keys.get(auth[6:]), None
        cookies = dict(part.strip().split("=", 1) for part in cookie.split(";") if "=" in part)
        sid = cookies.get("sessionid")
        if sid and sid in self.sessions:
            return self.sessions[sid], sid
        return None, None

    def route(self, rec: Received, cookie: str) -> tuple[int, Any, dict[str, Any]]:
        path = rec.path.rstrip("/")
        if path == "/api/server/about":
            return 200, {"name": "CVAT", "description": "stub", "version": self.version}, {}
        if path == "/api/auth/login" and rec.method == "POST":
            data = json.loads(rec.body or b"{}")
            if USERS.get(data.get("username")) != data.get("password"):
                return 400, PASSWORD_ERROR, {}
            key = secrets.token_hex(20)
            self.keys[key] = data["username"]
            if not self.login_sets_cookies:
                return 200, {"key": key}, {}
            sid, csrf = secrets.token_hex(16), secrets.token_hex(16)
            self.sessions[sid] = data["username"]
            self.csrf[sid] = csrf
            return (
                200,
                {"key": key},
                {
                    "Set-Cookie": [
                        f"sessionid={sid}; HttpOnly; Path=/",
                        f"csrftoken={csrf}; Path=/",
                    ]
                },
            )
        user, sid = self._user(rec, cookie)
        if user is None and path != "/api/echo":
            return 401, {"detail": "Authentication credentials were not provided."}, {}
        unsafe = rec.method not in ("GET", "HEAD", "OPTIONS")
        if sid and unsafe and rec.headers.get("X-CSRFToken") != self.csrf.get(sid):
            return 403, {"detail": "CSRF Failed: CSRF token missing."}, {}
        if path == "/api/auth/logout" and rec.method == "POST":
            if sid:
                self.sessions.pop(sid, None)
            return (
                200,
                {"detail": "Successfully logged out."},
                {"Set-Cookie": ["sessionid=; Max-Age=0; Path=/", "csrftoken=; Max-Age=0; Path=/"]},
            )
        if path == "/api/users/self":
            return 200, {"id": 1, "username": user}, {}
        if path == "/api/echo":
            return 200, {"method": rec.method, "user": user}, {}
        if path.startswith("/api/requests/"):
            rq_id = unquote(path.rsplit("/", 1)[1])
            states = self.requests.get(rq_id)
            if not states:
                return 404, {"detail": "Not found."}, {}
            state = states[0] if len(states) == 1 else states.popleft()
            return 200, {"id": rq_id, "operation": {"type": "export:dataset"}, **state}, {}
        return 404, {"detail": "Not found."}, {}
