"""The request and response objects passed between the HTTP layer and the routes.

Kept free of sockets so routes can be exercised without a server, and so the HTTP layer is the
only place that knows about ``http.server``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from cvatorm.testing.errors import HttpError

#: The media type the real server answers JSON with (its ``CVATAPIRenderer``).
JSON_TYPE = "application/vnd.cvat+json"


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (keys stored lower-cased)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__()
        for key, value in (items or {}).items():
            self[key.lower()] = value

    def get_header(self, name: str, default: str | None = None) -> str | None:
        return super().get(name.lower(), default)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


def parse_cookies(header: str | None) -> dict[str, str]:
    """``Cookie: a=1; b=2`` as a dict (the last value of a repeated name wins)."""
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies[name] = value.strip().strip('"')
    return cookies


@dataclass
class Request:
    """One received HTTP request, plus what authentication found out about its sender."""

    method: str
    path: str
    query_string: str
    headers: Headers
    body: bytes
    user: dict[str, Any] | None = None
    auth_kind: str | None = None
    token: dict[str, Any] | None = None
    set_cookies: list[str] = field(default_factory=list)

    @property
    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, single-valued (the last value wins, as Django's ``QueryDict``)."""
        return dict(self.query_items)

    @property
    def cookies(self) -> dict[str, str]:
        return parse_cookies(self.headers.get_header("cookie"))

    def json(self) -> Any:
        """The JSON (or form-encoded) body; a parse error is DRF's 400."""
        header = self.headers.get_header("content-type") or ""
        content_type = header.split(";")[0].strip().lower()
        if not self.body:
            return {}
        if content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise HttpError(415, {"detail": f'Unsupported media type "{header}" in request.'})
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, {"detail": f"JSON parse error - {exc}"}) from exc

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; anything else is the serializers' ``non_field_errors``."""
        data = self.json()
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise HttpError(
                400,
                {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]},
            )
        return data


#: ``django.views.defaults.server_error`` without a ``500.html`` template.
SERVER_ERROR_HTML = (
    b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n'
    b"<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)


@dataclass
class Response:
    """What a route answers; the HTTP layer adds framing headers."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        return cls(
            status=status,
            body=json.dumps(data).encode("utf-8"),
            content_type=JSON_TYPE,
            headers=list(headers or []),
        )

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status=status)

    @classmethod
    def server_error(cls) -> Response:
        """Django's own 500 (``DEBUG = False``): an HTML page, whatever the client accepts."""
        return cls(status=500, body=SERVER_ERROR_HTML, content_type="text/html; charset=utf-8")

    @classmethod
    def from_error(cls, error: HttpError) -> Response:
        """The error as DRF renders it; a 500 is never DRF's (it handles no such exception), so
        it is Django's HTML page (see :func:`cvatorm.testing.listing.server_error`)."""
        if error.status == 500:
            response = cls.server_error()
            response.headers.extend(error.headers.items())
            return response
        response = cls.json(error.body, error.status)
        response.headers.extend(error.headers.items())
        return response
