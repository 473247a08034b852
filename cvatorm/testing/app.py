"""The server's request handling, independent of sockets: route, authenticate, dispatch.

The order mirrors Django REST framework's: URL resolution (404 for unknown paths), then
authentication (401 for bad credentials), then "must be authenticated" (401), then the method
check (405 with ``Allow``), then the view, whose :class:`HttpError` becomes the response.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cvatorm.testing import seed
from cvatorm.testing.auth import CHALLENGE, NOT_AUTHENTICATED, SAFE_METHODS, Auth
from cvatorm.testing.background import Background
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Request, Response
from cvatorm.testing.routing import Context, Router, with_slash_resolves
from cvatorm.testing.share import Share
from cvatorm.testing.store import Store

log = logging.getLogger("cvatorm.testing")

_NOT_FOUND_HTML = (
    b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    b"<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    b"</body>\n</html>\n"
)


#: DRF's ``http_method_names`` order, in which ``Allow`` lists a view's methods.
_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")


def _allow_header(methods: list[str]) -> str:
    """``Allow`` as DRF builds it: the view's methods, HEAD with GET, and OPTIONS."""
    present = set(methods) | {"OPTIONS"}
    if "GET" in present:
        present.add("HEAD")
    return ", ".join(method for method in _METHOD_ORDER if method in present)


def _origin(request: Request) -> str | None:
    """The server as the client addressed it: Django's ``build_absolute_uri`` with CVAT's
    ``USE_X_FORWARDED_HOST`` and ``SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO",
    "https")``."""
    headers = request.headers
    host = headers.get_header("x-forwarded-host") or headers.get_header("host")
    if not host:
        return None
    forwarded_proto = (headers.get_header("x-forwarded-proto") or "").split(",")[0].strip()
    scheme = "https" if forwarded_proto == "https" else "http"
    return f"{scheme}://{host.split(',')[0].strip()}"


def _as_seen_by_client(response: Response, base_url: str, origin: str | None) -> None:
    """Absolute URLs (``url``, ``next``, ``result_url``, ``Location``...) are stored with the
    server's own address; the real server builds them from the request's host."""
    if origin is None or origin == base_url:
        return
    if response.content_type and "json" in response.content_type:
        response.body = response.body.replace(base_url.encode(), origin.encode())
    response.headers = [
        (name, value.replace(base_url, origin) if name.lower() == "location" else value)
        for name, value in response.headers
    ]


class App:
    """One test server's state (store, sessions, background requests) and its routes."""

    def __init__(self, data: str | Path, base_url: str) -> None:
        from cvatorm.testing.routes import build_router

        self.data = data
        self.base_url = base_url
        self.store = self._seeded_store()
        self.share = Share.default()
        self.auth = Auth(self.store)
        self.background = Background(self)
        self.router: Router = build_router()

    def _seeded_store(self) -> Store:
        store = Store(self.base_url)
        seed.populate(store, self.data)
        return store

    def reset(self) -> None:
        """Back to the seed data: new store, no sessions, no background requests."""
        self.background.reset()
        self.store = self._seeded_store()
        self.share = Share.default()
        self.auth.reset(self.store)

    def handle(self, request: Request) -> Response:
        """The response to one request; DRF's ``Allow`` goes on every answer of a known URL."""
        allowed = self.router.match(request.method, request.path)[2]
        view = self.router.view_methods(request.path)
        response = self._respond(request)
        if allowed and not any(name.lower() == "allow" for name, _ in response.headers):
            header = ", ".join(view) if view is not None else _allow_header(allowed)
            response.headers.append(("Allow", header))
        _as_seen_by_client(response, self.base_url, _origin(request))
        return response

    def _respond(self, request: Request) -> Response:
        try:
            return self._dispatch(request)
        except HttpError as error:
            response = Response.from_error(error)
        except Exception:
            log.exception("LocalCVAT: unhandled error for %s %s", request.method, request.path)
            response = Response.server_error()  # the traceback is in the log, as on Django
        response.headers.extend(("Set-Cookie", cookie) for cookie in request.set_cookies)
        return response

    def _dispatch(self, request: Request) -> Response:
        route, params, allowed = self.router.match(request.method, request.path)
        if not allowed:
            if with_slash_resolves(self.router, request.path):
                location = request.path + "/"
                if request.query_string:
                    location += "?" + request.query_string
                return Response(301, b"", "text/html; charset=utf-8", [("Location", location)])
            return Response(404, _NOT_FOUND_HTML, "text/html; charset=utf-8")
        self.auth.authenticate(request)
        public = route.public if route is not None else self.router.is_public(request.path)
        if not public and request.user is None:
            raise HttpError(401, NOT_AUTHENTICATED, CHALLENGE)
        view = self.router.view_methods(request.path)
        if view is not None and request.method not in view:
            detail = {"detail": f'Method "{request.method}" not allowed.'}
            raise HttpError(405, detail, {"Allow": ", ".join(view)})
        if route is None:
            if request.method == "OPTIONS":
                return Response.empty(200)
            raise HttpError(
                405,
                {"detail": f'Method "{request.method}" not allowed.'},
                {"Allow": _allow_header(allowed)},
            )
        if (
            request.auth_kind == "bearer"
            and request.token is not None
            and request.token.get("read_only")
            and request.method not in SAFE_METHODS
            and not route.read_only_token
        ):
            raise HttpError(403, {"detail": "You do not have permission to perform this action."})
        store = self.store
        if not route.locked:
            response = route.handler(Context(self, request, params))
        elif request.method in SAFE_METHODS:
            # reads side by side; a write waits for them and then has the data alone, like
            # a database transaction (a read that must write upgrades: see rwlock)
            with store.reading():
                response = route.handler(Context(self, request, params))
        else:
            with store.lock:
                response = route.handler(Context(self, request, params))
        response.headers.extend(("Set-Cookie", cookie) for cookie in request.set_cookies)
        request.set_cookies = []
        return response
