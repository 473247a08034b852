"""URL routing and the per-request context the route handlers receive.

Routes are declared with the real server's URL templates (``/api/tasks/{id}``); the real router
has no optional trailing slash (``DefaultRouter(trailing_slash=False)``), so neither do we: a path
matches only as spelled in the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Request, Response

if TYPE_CHECKING:
    from cvatorm.testing.app import App

Handler = Callable[["Context"], Response]

_PARAM = re.compile(r"\{(\w+)\}")


#: Actions CVAT declares with ``url_path=r'<name>/?$'``: both spellings reach the view (no
#: APPEND_SLASH redirect, which ``requests`` would follow as a GET without the body).
OPTIONAL_SLASH_ACTIONS = frozenset({"data", "annotations", "dataset", "backup"})


def _compile(template: str) -> re.Pattern[str]:
    optional_slash = (
        template.endswith("/") and template.rstrip("/").rsplit("/", 1)[-1] in OPTIONAL_SLASH_ACTIONS
    )
    if optional_slash:
        template = template[:-1]
    pattern = ""
    position = 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[position : match.start()])
        name = match.group(1)
        # DRF's default lookup_value_regex; non-numeric ids then 404 in the view
        if name == "id":
            pattern += rf"(?P<{name}>[^/.]+)"
        elif name == "rq_id":  # base64 request ids may contain "/"
            pattern += rf"(?P<{name}>.+)"
        elif name == "delivery_id":  # url_path=r"deliveries/(?P<delivery_id>\d+)"
            pattern += rf"(?P<{name}>\d+)"
        else:
            pattern += rf"(?P<{name}>[^/]+)"
        position = match.end()
    pattern += re.escape(template[position:])
    return re.compile(pattern + ("/?" if optional_slash else ""))


@dataclass
class Route:
    """One method of one URL. ``public``: no authentication needed. ``read_only_token``: a
    read-only personal access token may call this unsafe method (e.g. local exports).
    ``locked``: the handler runs holding the store's lock; False for handlers that wait on
    something outside (a webhook ping) and take the lock themselves. ``view_methods``: the
    viewset's ``http_method_names`` when it narrows DRF's default (no HEAD, no OPTIONS): see
    :meth:`Router.view_methods`."""

    method: str
    template: str
    handler: Handler
    public: bool = False
    read_only_token: bool = False
    locked: bool = True
    view_methods: tuple[str, ...] | None = None
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.regex = _compile(self.template)


#: Paths whose matching routes a Router remembers (ids make paths many; this bounds them).
_MATCH_CACHE_SIZE = 2048


class Router:
    """An ordered route table.

    Every request asks several questions about its path (its route, the methods it allows, the
    view's methods, whether it is public); each used to try every route's pattern (~340). The
    routes matching a path are found once and remembered (:meth:`_matching`).
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._cache: dict[str, list[tuple[Route, dict[str, str]]]] = {}
        self._cached_routes = 0

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        public: bool = False,
        read_only_token: bool = False,
        locked: bool = True,
        view_methods: tuple[str, ...] | None = None,
    ) -> None:
        self.routes.append(
            Route(method, template, handler, public, read_only_token, locked, view_methods)
        )

    def _matching(self, path: str) -> list[tuple[Route, dict[str, str]]]:
        """Every route whose pattern matches ``path``, in table order, with its parameters."""
        if self._cached_routes != len(self.routes):  # routes were added: forget
            self._cache = {}
            self._cached_routes = len(self.routes)
        found = self._cache.get(path)
        if found is None:
            found = []
            for route in self.routes:
                match = route.regex.fullmatch(path)
                if match is not None:
                    found.append((route, match.groupdict()))
            if len(self._cache) >= _MATCH_CACHE_SIZE:
                self._cache = {}
            self._cache[path] = found
        return found

    def view_methods(self, path: str) -> list[str] | None:
        """For a URL whose first matching route declares ``view_methods``: the methods of that
        route's template, in the viewset's order. Django resolves the first URL pattern that
        matches, so that view alone answers (``PATCH /api/webhooks/events`` is its 405, not the
        ``{id}`` route's); HEAD and OPTIONS are 405s like any method the view lacks."""
        matching = self._matching(path)
        first = matching[0][0] if matching else None
        if first is None or first.view_methods is None:
            return None
        present = {route.method for route in self.routes if route.template == first.template}
        return [method for method in first.view_methods if method in present]

    def is_public(self, path: str) -> bool:
        """Whether the view of this URL needs no authentication (``permission_classes=[]``)."""
        return any(route.public for route, _ in self._matching(path))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """The route for (method, path), its path parameters, and the methods the path allows."""
        allowed: list[str] = []
        found: tuple[Route, dict[str, str]] | None = None
        wanted = "GET" if method == "HEAD" else method  # DRF answers HEAD with the GET view
        for route, params in self._matching(path):
            allowed.append(route.method)
            if found is None and route.method == wanted:
                found = (route, dict(params))
        if found is None:
            return None, {}, allowed
        return found[0], found[1], allowed


def with_slash_resolves(router: Router, path: str) -> bool:
    """Django's ``APPEND_SLASH``: an unknown path without a trailing slash that exists with one
    is answered with a permanent redirect there."""
    if path.endswith("/"):
        return False
    return bool(router.match("GET", path + "/")[2])


@dataclass
class Context:
    """Everything a handler needs: the app (store, auth, background), the request, path params."""

    app: App
    request: Request
    params: dict[str, str]
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> dict[str, Any]:
        if self.request.user is None:  # routes needing a user are not public; defensive
            raise HttpError(401, {"detail": "Authentication credentials were not provided."})
        return self.request.user

    @property
    def query(self) -> dict[str, str]:
        return self.request.query

