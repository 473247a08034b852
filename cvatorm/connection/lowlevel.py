"""The low-level API in the official SDK's shape: ``client.api_client.<tag>_api.<operation>()``.

The official SDK generates one class per tag from the server's OpenAPI schema
(``client.api_client.server_api.retrieve_about()`` returns ``(about, response)``). cvatorm keeps
the same names and call shape, driven by a table generated from the CVAT 2.64 schema
(``_operations.py``) instead of generated code: every documented operation is reachable, with
path parameters positional (in order) or by name, query and header parameters by name
(``x_organization=``, ``upload_start=``), and the request body positional after the path
parameters or by its SDK name (``task_write_request=``). Results are the parsed JSON with
attribute access (``about.version``). Requests go through the client, so they get its
credentials, organization context, timeouts, retries and error mapping.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from cvatorm._sentinels import INHERIT, Inherit
from cvatorm.wire._operations import OPERATIONS, Operation
from cvatorm.wire.headers import ORG_HEADER

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["ApiConfiguration", "ApiObject", "BoundOperation", "LowLevelApi", "TagApi"]

# SDK call options that only tune its generated code; accepted and ignored here.
_IGNORED_OPTIONS = frozenset(
    {
        "_validate_inputs",
        "_validate_outputs",
        "_spec_property_naming",
        "_content_type",
        "_host_index",
        "_request_auths",
    }
)


class ApiObject(dict[str, Any]):
    """A JSON object whose keys can also be read as attributes (``about.version``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def to_api_objects(value: Any) -> Any:
    """JSON data with every object turned into an :class:`ApiObject`."""
    if isinstance(value, dict):
        return ApiObject({k: to_api_objects(v) for k, v in value.items()})
    if isinstance(value, list):
        return [to_api_objects(v) for v in value]
    return value


@dataclass(frozen=True)
class ApiConfiguration:
    """What the SDK's ``api_client.configuration`` tells: where, and how TLS is verified."""

    host: str
    verify_ssl: bool | str | None


def _python_name(name: str) -> str:
    """A parameter's keyword-argument name: ``X-Organization`` -> ``x_organization``,
    ``from`` -> ``_from`` (as the SDK spells Python keywords)."""
    snake = name.replace("-", "_").lower()
    return f"_{snake}" if keyword.iskeyword(snake) else snake


class BoundOperation:
    """One operation bound to a client; calling it sends the request."""

    def __init__(self, client: Client, tag: str, name: str, spec: Operation) -> None:
        self._client = client
        self.tag = tag
        self.name = name
        (self.method, self.path, self.path_params, self.query_params, self.header_params,
         self.body_name, self.body_media) = spec  # fmt: skip

    def __repr__(self) -> str:
        return f"<operation {self.tag}_api.{self.name}: {self.method} {self.path}>"

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, requests.Response]:
        parse = bool(kwargs.pop("_parse_response", True))
        check = bool(kwargs.pop("_check_status", True))
        timeout = kwargs.pop("_request_timeout", None)
        for option in _IGNORED_OPTIONS:
            kwargs.pop(option, None)
        path_values, body = self._positional(args, kwargs)
        query = {
            q: kwargs.pop(_python_name(q)) for q in self.query_params if _python_name(q) in kwargs
        }
        headers = {
            h: str(kwargs.pop(_python_name(h)))
            for h in self.header_params
            if _python_name(h) in kwargs
        }
        if kwargs:
            raise TypeError(
                f"{self.tag}_api.{self.name}() got unexpected argument(s): "
                + ", ".join(sorted(kwargs))
            )
        organization: str | Inherit | None = INHERIT
        if ORG_HEADER in headers:
            organization = headers.pop(ORG_HEADER)
        elif "org" in query or "org_id" in query:
            organization = None  # the query names it; a different header would be a 400
        url, merged = self._client._prepare(
            self._client.api_map.make_endpoint_url(self.path, kwsub=path_values),
            organization,
            headers,
        )
        json_body, data, files = self._encode(body)
        response = self._client.transport.send(
            self.method,
            url,
            params=query or None,
            json=json_body,
            data=data,
            files=files,
            headers=merged,
            timeout=timeout,
            check_status=check,
        )
        result = None
        if parse and response.content and "json" in response.headers.get("Content-Type", ""):
            try:
                result = to_api_objects(response.json())
            except ValueError:
                result = None
        return result, response

    def _positional(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], Any]:
        names = list(self.path_params) + ([self.body_name] if self.body_name else [])
        if len(args) > len(names):
            raise TypeError(
                f"{self.tag}_api.{self.name}() takes {len(names)} positional argument(s) "
                f"({', '.join(names) or 'none'}), {len(args)} given"
            )
        values = dict(zip(names, args, strict=False))
        for name in names[len(args) :]:
            if name in kwargs:
                values[name] = kwargs.pop(name)
        missing = [p for p in self.path_params if p not in values]
        if missing:
            raise TypeError(f"{self.tag}_api.{self.name}() missing: {', '.join(missing)}")
        body = values.pop(self.body_name, None) if self.body_name else None
        return values, body

    def _encode(self, body: Any) -> tuple[Any, Any, Any]:
        """``(json, data, files)`` for ``body``: JSON when the operation takes it, else multipart
        (file objects as files, everything else as form fields)."""
        if body is None:
            return None, None, None
        if not isinstance(body, Mapping) and callable(getattr(body, "to_dict", None)):
            body = body.to_dict()  # an SDK model object
        if "application/json" in self.body_media or not isinstance(body, Mapping):
            return body, None, None
        data: list[tuple[str, Any]] = []
        files: list[tuple[str, Any]] = []
        for key, value in body.items():
            for item in value if isinstance(value, list) else [value]:
                (files if hasattr(item, "read") else data).append((key, item))
        return None, data or None, files or None


class TagApi:
    """The operations of one tag: ``client.api_client.tasks_api``."""

    def __init__(self, client: Client, tag: str) -> None:
        self._client = client
        self.tag = tag

    def __getattr__(self, name: str) -> BoundOperation:
        spec = OPERATIONS[self.tag].get(name)
        if spec is None:
            raise AttributeError(f"{self.tag}_api has no operation {name!r}")
        return BoundOperation(self._client, self.tag, name, spec)

    def __dir__(self) -> list[str]:
        return sorted(OPERATIONS[self.tag])

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(OPERATIONS[self.tag]))

    def __repr__(self) -> str:
        return f"<{self.tag}_api: {len(OPERATIONS[self.tag])} operations>"


class LowLevelApi:
    """``client.api_client``: ``configuration`` and one ``<tag>_api`` per schema tag."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def configuration(self) -> ApiConfiguration:
        return ApiConfiguration(self._client.api_map.host, self._client.config.verify_ssl)

    def __getattr__(self, name: str) -> TagApi:
        tag = name[: -len("_api")] if name.endswith("_api") else None
        if tag is None or tag not in OPERATIONS:
            raise AttributeError(f"api_client has no attribute {name!r}")
        return TagApi(self._client, tag)

    def __dir__(self) -> list[str]:
        return sorted(["configuration", *(f"{tag}_api" for tag in OPERATIONS)])

    def __repr__(self) -> str:
        return f"<LowLevelApi {self._client.api_map.host}>"
