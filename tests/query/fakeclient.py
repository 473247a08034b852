"""A client double for unit tests: CVAT list semantics over the seed JSON, and a request log.

It implements just what the planner relies on (JSON Logic ``filter``, ``sort``, ``page``,
``page_size``, 404 past the last page), the same way CVAT's ``JsonLogicFilter`` does, so that
request counts and page arithmetic can be checked without a server. Integration tests use the
real fixtures (LocalCVAT or a real CVAT) instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvatorm.exceptions import ApiException, NotFoundError
from cvatorm.wire.capabilities import CapabilityCache, ResourceCapabilities

DATA = Path(__file__).resolve().parents[2] / "cvatorm" / "testing" / "data"

_ALIASES = {"tracker_link": "bug_tracker", "frame_id": "frame", "job_id": "job"}


def load(resource: str) -> list[dict[str, Any]]:
    body = json.loads((DATA / f"{resource}.json").read_text(encoding="utf-8"))
    return list(body["results"] if isinstance(body, dict) else body)


def _var(obj: dict[str, Any], name: str) -> Any:
    value = obj.get(_ALIASES.get(name, name)) if name not in obj else obj[name]
    if isinstance(value, dict) and "username" in value:
        return value["username"]
    return value


def evaluate(rule: Any, obj: dict[str, Any]) -> bool:
    ((op, args),) = rule.items()
    if op == "and":
        return all(evaluate(r, obj) for r in args)
    if op == "or":
        return any(evaluate(r, obj) for r in args)
    if op == "!":
        return not evaluate(args, obj)
    if op == "in":
        if isinstance(args[0], dict):
            return _var(obj, args[0]["var"]) in args[1]
        value = _var(obj, args[1]["var"])
        return value is not None and args[0] in value
    if op == "<=" and len(args) == 3:
        value = _var(obj, args[1]["var"])
        return value is not None and args[0] <= value <= args[2]
    value = _var(obj, args[0]["var"])
    if op == "==":
        return bool(value == args[1])
    if value is None:
        return False
    return bool(
        {
            "<": value < args[1],
            "<=": value <= args[1],
            ">": value > args[1],
            ">=": value >= args[1],
        }[op]
    )


@dataclass
class Response:
    body: Any

    def json(self) -> Any:
        return self.body


@dataclass
class FakeClient:
    """``request()`` as in docs/internals/architecture.md; ``log`` records the calls.

    Each call is logged as (method, path, params).
    """

    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    log: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    organizations: list[Any] = field(default_factory=list)
    server_id: str = "http://fake"
    schema: Any = None
    _capabilities: CapabilityCache = field(default_factory=CapabilityCache)

    def capabilities(self, list_path: str) -> ResourceCapabilities:
        """As ``Client.capabilities``: the schema read once, then kept."""
        return self._capabilities.lookup(self, list_path)

    def collection(self, resource: str) -> list[dict[str, Any]]:
        if resource not in self.data:
            self.data[resource] = load(resource)
        return self.data[resource]

    def request(
        self, method: str, path: str, *, params: Any = None, organization: Any = None, **kwargs: Any
    ) -> Response:
        self.log.append((method, path, dict(params or {})))
        self.organizations.append(organization)
        if path == "/api/schema/":
            if self.schema is None:
                raise NotFoundError(404, "Not Found")
            return Response(self.schema)
        if method != "GET":
            raise ApiException(405, "Method Not Allowed")
        parts = path.strip("/").split("/")
        objects = self.collection(parts[1])
        if len(parts) == 3:
            for obj in objects:
                if str(obj.get("id")) == parts[2]:
                    return Response(obj)
            raise NotFoundError(404, "Not Found")
        params = dict(params or {})
        if "filter" in params:
            rule = json.loads(params["filter"])
            objects = [o for o in objects if evaluate(rule, o)]
        for term in reversed((params.get("sort") or "-id").split(",")):
            key = term.lstrip("-")
            objects = sorted(
                objects,
                key=lambda o, k=key: (
                    _var(o, k) is None,
                    _var(o, k) if _var(o, k) is not None else 0,
                ),
                reverse=term.startswith("-"),
            )
        size = int(params.get("page_size", 10))
        page = int(params.get("page", 1))
        start = (page - 1) * size
        if page > 1 and start >= len(objects):
            raise NotFoundError(404, "Invalid page.")
        results = objects[start : start + size]
        return Response(
            {
                "count": len(objects),
                "next": "next" if start + size < len(objects) else None,
                "previous": None,
                "results": [dict(r) for r in results],
            }
        )

    def lists(self, resource: str | None = None) -> list[dict[str, Any]]:
        """The list requests made so far (optionally for one resource)."""
        return [
            p
            for m, path, p in self.log
            if m == "GET"
            and path.count("/") == 2
            and path != "/api/schema/"
            and (resource is None or path == f"/api/{resource}")
        ]
