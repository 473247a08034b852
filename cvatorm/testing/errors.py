"""The one way a LocalCVAT component says "answer with this error status and body"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class HttpError(Exception):
    """Raised anywhere in a request's handling; the HTTP layer turns it into the response.

    ``body`` is sent as JSON, in the shape the real server uses for that error (a dict of field
    messages, a list of strings, or ``{"detail": "..."}``).
    """

    def __init__(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None):
        super().__init__(f"HTTP {status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
