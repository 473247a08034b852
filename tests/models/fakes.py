"""A recording stand-in for ``cvatorm.connection.Client``, for pure unit tests of the models.

It answers only what a test scripted (``client.on("PATCH", "/api/tasks/7", body)``) and fails
loudly on anything else, so a test also proves which requests were *not* sent. Integration tests
use the real client against LocalCVAT or a real server instead.
"""

from __future__ import annotations

import json as jsonlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvatorm._sentinels import INHERIT
from cvatorm.exceptions import ApiException
from cvatorm.wire.capabilities import CapabilityCache, ResourceCapabilities

DATA = Path(__file__).resolve().parents[2] / "cvatorm" / "testing" / "data"


def asset(resource: str) -> list[dict[str, Any]]:
    """The objects of ``cvatorm/testing/data/<resource>.json`` (fresh copies each call)."""
    body = jsonlib.loads((DATA / f"{resource}.json").read_text())
    results: list[dict[str, Any]] = body["results"] if isinstance(body, dict) else body
    return results


def asset_object(resource: str, **match: Any) -> dict[str, Any]:
    for obj in asset(resource):
        if all(obj.get(k) == v for k, v in match.items()):
            return obj
    raise LookupError(f"no {resource} object with {match}")


@dataclass
class Call:
    method: str
    path: str
    params: Any
    json: Any
    organization: Any


class FakeResponse:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code = status
        self._body = body

    def json(self) -> Any:
        return jsonlib.loads(jsonlib.dumps(self._body))


Reply = Any | Callable[[Call], Any] | BaseException


@dataclass
class FakeClient:
    server_id: str = "http://cvat.fake:8080"
    calls: list[Call] = field(default_factory=list)
    _replies: dict[tuple[str, str], deque[Reply]] = field(default_factory=dict)
    _capabilities: CapabilityCache = field(default_factory=CapabilityCache)

    def capabilities(self, list_path: str) -> ResourceCapabilities:
        """As ``Client.capabilities``: the schema read once, then kept."""
        return self._capabilities.lookup(self, list_path)

    def on(self, method: str, path: str, *replies: Reply) -> FakeClient:
        """Script the replies to ``method path``, used in order (the last one repeats)."""
        self._replies.setdefault((method, path), deque()).extend(replies)
        return self

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        organization: Any = INHERIT,
        **kwargs: Any,
    ) -> FakeResponse:
        call = Call(method, path, params, jsonlib.loads(jsonlib.dumps(json)), organization)
        self.calls.append(call)
        queue = self._replies.get((method, path))
        if not queue:
            raise AssertionError(f"unexpected request {method} {path} (json={json!r})")
        reply = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            reply = reply(call)
        status = 204 if method == "DELETE" else 201 if method == "POST" else 200
        return FakeResponse(status, reply)

    def methods(self) -> list[tuple[str, str]]:
        return [(c.method, c.path) for c in self.calls]


def api_error(status: int, body: Any = None) -> ApiException:
    return ApiException.for_status(status)(status, "error", body)
