"""Check HTTP exchanges against CVAT's own OpenAPI schema (the bundled ``schema.yml``).

``validate_exchange(method, url, status, body, content_type)`` raises :class:`SchemaMismatch`
when the server's answer does not fit the schema: an undocumented path or method, a documented
status with a body that violates the response schema, a wrong media type. Error statuses the
schema does not document (CVAT documents few 4xx) are accepted as long as a JSON body is JSON.

The spec (≈320 kB of YAML) is parsed once per process, from the copy inside the package, so
tests never read outside the repository.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
)
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse

#: Media types the server answers JSON with; validated as JSON.
JSON_MEDIA = re.compile(r"^application/([\w.+-]*\+)?json$")


class SchemaMismatch(AssertionError):
    """A response that does not agree with CVAT's OpenAPI schema."""


@functools.cache
def spec_document() -> dict[str, Any]:
    """The schema as a dict (from the JSON copy bundled with cvatorm.testing)."""
    path = resources.files("cvatorm.testing").joinpath("data").joinpath("schema.json")
    raw = path.read_text("utf-8")
    document: dict[str, Any] = json.loads(raw)
    # CloudStorageViewSet.actions: Response(actions, content_type="text/plain") on both servers
    actions = document["paths"]["/api/cloudstorages/{id}/actions"]["get"]["responses"]["200"]
    actions["content"]["text/plain"] = {"schema": {"type": "string"}}
    return document


def _nullable_refs(node: Any) -> Any:
    """drf-spectacular writes a nullable reference as ``{"allOf": [ref], "nullable": true}``;
    OpenAPI 3.0 validators apply ``nullable`` to the outer schema only and then reject ``null``
    inside ``allOf``. Rewrite those as ``anyOf: [ref, null]``, which means what was intended."""
    if isinstance(node, list):
        return [_nullable_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_refs(value) for key, value in node.items()}
    if node.get("nullable") is True and isinstance(node.get("allOf"), list):
        parts = node.pop("allOf")
        node.pop("nullable")
        node["anyOf"] = [
            {"allOf": parts},
            {"type": "object", "nullable": True, "enum": [None]},
        ]
    return node


def _as_the_server_answers(document: dict[str, Any]) -> dict[str, Any]:
    """Where CVAT 2.64 answers differently from its own schema, the schema is corrected to the
    answer (both servers give it; tests assert the real shape): a webhook delivery's
    ``response`` is the target's reply as text, not an object, and ``/api/webhooks/events``
    without a type answers ``"webhook_type": "all"``."""
    schemas = document["components"]["schemas"]
    schemas["WebhookDeliveryRead"]["properties"]["response"] = {"type": "string", "readOnly": True}
    schemas["Events"]["properties"]["webhook_type"] = {
        "type": "string",
        "enum": ["organization", "project", "all"],
    }
    return document


@functools.cache
def openapi() -> OpenAPI:
    """The openapi-core validator, built once per process."""
    from openapi_core import Config

    config = Config(
        extra_media_type_deserializers={
            "application/vnd.cvat+json": json.loads,
            "application/vnd.oai.openapi+json": json.loads,
        }
    )
    document = _as_the_server_answers(_nullable_refs(spec_document()))
    return OpenAPI.from_dict(document, config=config)


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _declared(method: str, path: str) -> dict[str, Any] | None:
    """The operation object for (method, path), matching path templates, or None."""
    paths = spec_document()["paths"]
    for template, item in paths.items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            operation: dict[str, Any] = item[method.lower()]
            return operation
    return None


def validate_exchange(
    method: str,
    url: str,
    status: int,
    body: bytes | str | None,
    content_type: str | None,
) -> None:
    """Raise :class:`SchemaMismatch` if this response disagrees with the schema."""
    split = urlsplit(url)
    path = split.path
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body or b""
    operation = _declared(method, path)
    if operation is None:
        if status in (404, 405):
            return  # the server agrees the endpoint does not exist
        raise SchemaMismatch(f"{method} {path} is not in the schema (answered {status})")
    media = _media(content_type)
    documented = operation.get("responses", {})
    if str(status) not in documented:
        if status >= 400 or status in (301, 302):
            if body and JSON_MEDIA.match(media):
                try:
                    json.loads(body)
                except ValueError as error:
                    raise SchemaMismatch(
                        f"{method} {path} -> {status}: body is not JSON: {error}"
                    ) from None
            return
        raise SchemaMismatch(
            f"{method} {path} -> {status}: status not documented (has {sorted(documented)})"
        )
    declared = documented[str(status)].get("content")
    if not declared:
        if body and status == 204:
            raise SchemaMismatch(f"{method} {path} -> 204 with a body")
        return
    if media not in declared:
        raise SchemaMismatch(
            f"{method} {path} -> {status}: content type {media!r} not in {sorted(declared)}"
        )
    if not JSON_MEDIA.match(media):
        return  # YAML, zip, images: the schema only says "object"/"binary"
    request = MockRequest(
        host_url=f"{split.scheme}://{split.netloc}",
        method=method.lower(),
        path=path,
        args=dict(parse_qsl(split.query, keep_blank_values=True)),
    )
    response = MockResponse(data=body, status_code=status, content_type=media)
    try:
        openapi().validate_response(request, response)
    except (PathNotFound, OperationNotFound, ResponseNotFound) as error:
        raise SchemaMismatch(f"{method} {path} -> {status}: {error}") from None
    except Exception as error:  # openapi-core's validation errors carry the details in __cause__
        details = getattr(error, "schema_errors", None) or [error.__cause__ or error]
        text = "; ".join(str(item).splitlines()[0] for item in details)
        raise SchemaMismatch(f"{method} {path} -> {status}: {text}") from error


def validate_response(response: Any) -> None:
    """Validate a ``requests.Response`` (its request's method and URL, its status and body)."""
    validate_exchange(
        response.request.method,
        response.request.url,
        response.status_code,
        response.content,
        response.headers.get("Content-Type"),
    )
