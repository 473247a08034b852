"""LocalCVAT: the app served over real HTTP/1.1 on 127.0.0.1, in a background thread.

The HTTP layer owns everything that happens on the wire: keep-alive framing, the request log,
latency and the injected faults (which must look like network or proxy failures to a client,
so they are applied here, around the app).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from cvatorm.testing.app import App
from cvatorm.testing.background import Background
from cvatorm.testing.faults import Fault, Faults
from cvatorm.testing.messages import Headers, Request, Response
from cvatorm.testing.store import Store

SERVER_HEADER = "nginx"

log = logging.getLogger("cvatorm.testing")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received, with the status it was answered with (None: connection reset)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int | None
    query_string: str = ""
    fault: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    local: LocalCVAT

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, injected resets) are normal here; log the rest."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.exception("LocalCVAT: error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_HEADER
    sys_version = ""
    #: TCP_NODELAY: headers and body are separate writes; with Nagle's algorithm the second
    #: waits for the client's delayed ACK (~40 ms per request on keep-alive connections).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def version_string(self) -> str:
        return SERVER_HEADER

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a test server must not litter test output."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline().strip().split(b";")[0]
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        local = self.server.local
        split = urlsplit(self.path)
        body = self._read_body()
        request = Request(
            method=self.command.upper(),
            path=split.path,
            query_string=split.query,
            headers=Headers(dict(self.headers.items())),
            body=body,
        )
        if local.latency > 0:
            time.sleep(local.latency)
        fault = local.faults.take(request.method, request.path)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        if fault is not None and fault.reset:
            local._record(request, None, fault=True)
            self._reset_connection()
            return
        if fault is not None and fault.status is not None:
            response = Response.json(fault.body, fault.status, list((fault.headers or {}).items()))
        else:
            response = local.app.handle(request)
        local._record(request, response.status, fault=fault is not None)
        self._send(request, response, fault)

    def _reset_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _send(self, request: Request, response: Response, fault: Fault | None) -> None:
        body = response.body
        declared = len(body)
        if fault is not None and fault.malformed and body:
            body = b'{"malformed": ' + body[: len(body) // 2]
            declared = len(body)
        elif fault is not None and fault.malformed:
            body = b"{malformed"
            declared = len(body)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Vary", "Accept, Origin, Cookie")
        self.send_header("X-Request-Id", f"{id(request):x}")
        if fault is not None and fault.truncate:
            self.send_header("Content-Length", str(declared))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if request.method != "HEAD":
            self.wfile.write(body)


class LocalCVAT:
    """An in-process CVAT 2.64 test server speaking real HTTP.

    ``data`` is ``"assets"`` (the bundled test database of the real server), ``"empty"`` (only
    the superuser ``admin1``) or a folder of JSON files shaped like the assets. ``latency``
    delays every request by that many seconds. Use as a context manager, or ``start()``/
    ``stop()``. ``port=0`` picks a free port.
    """

    def __init__(
        self,
        data: str | Path = "assets",
        latency: float = 0.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.data = data
        self.latency = latency
        self.faults = Faults()
        self._host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log_lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._app: App | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalCVAT:
        """Bind, seed and serve in a daemon thread; returns self. Idempotent."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.local = self
        self._httpd = httpd
        try:
            if self._app is None:
                self._app = App(self.data, self.url)
            else:
                self._app.base_url = self.url
                self._app.reset()
        except BaseException:
            self._httpd = None
            httpd.server_close()
            raise
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"LocalCVAT:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; background requests are abandoned."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._app is not None:
            self._app.background.stop()

    def __enter__(self) -> LocalCVAT:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the seed data; also forgets sessions, the request log, faults and requests."""
        self.app.reset()
        self.faults.clear()
        with self._log_lock:
            self._log.clear()

    # -- state --------------------------------------------------------------------------------

    @property
    def app(self) -> App:
        if self._app is None:
            raise RuntimeError("LocalCVAT is not started; call start() or use it in a with block")
        return self._app

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("LocalCVAT is not started")
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return self._host

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the server's base URL (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the log of received requests, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    @property
    def background(self) -> Background:
        """The background-request machinery (see :mod:`cvatorm.testing.background`)."""
        return self.app.background

    @property
    def store(self) -> Store:
        """The live data (see :class:`cvatorm.testing.store.Store`)."""
        return self.app.store

    def _record(self, request: Request, status: int | None, *, fault: bool) -> None:
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=dict(request.headers),
            body=request.body,
            status=status,
            query_string=request.query_string,
            fault=fault,
        )
        with self._log_lock:
            self._log.append(entry)
