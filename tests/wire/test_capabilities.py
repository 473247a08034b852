"""Capabilities come from the server's schema once per client (kept by the client), else from
the bundled table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import ForbiddenError, TransportError
from cvatorm.wire import capabilities as caps_module
from cvatorm.wire.capabilities import (
    CapabilityCache,
    ResourceCapabilities,
    bundled_capabilities,
    capabilities_for,
    parse_schema,
    read_schema_capabilities,
)

SCHEMA = Path(__file__).resolve().parents[2] / "cvatorm" / "testing" / "data" / "schema.yml"


def _schema_document() -> Any:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


def test_bundled_defaults_equal_what_the_2_64_schema_declares() -> None:
    parsed = parse_schema(_schema_document())
    assert set(parsed) == set(caps_module.DEFAULTS)
    for path, caps in parsed.items():
        assert bundled_capabilities(path) == caps, path
    assert {"/api/tasks", "/api/webhooks", "/api/cloudstorages"} <= set(parsed)


def test_task_capabilities_match_the_schema_text() -> None:
    tasks = bundled_capabilities("tasks")
    assert {"project_name", "owner", "updated_date", "tracker_link"} <= tasks.filter_fields
    assert "created_date" not in tasks.filter_fields
    assert "project_id" in tasks.simple_filters and "id" not in tasks.simple_filters
    assert bundled_capabilities("invitations").ordering_fields == {"created_date", "owner"}
    assert bundled_capabilities("comments").search_fields == {"owner"}


class SchemaClient:
    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome
        self.calls = 0
        self._capabilities = CapabilityCache()

    def capabilities(self, list_path: str) -> ResourceCapabilities:
        return self._capabilities.lookup(self, list_path)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls += 1
        assert (method, path) == ("GET", "/api/schema/")
        assert kwargs["params"] == {"scheme": "json"}
        assert kwargs["headers"] == {"Accept": "application/vnd.oai.openapi+json"}
        assert kwargs["organization"] is None
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        outcome = self.outcome

        class Response:
            def json(self) -> Any:
                return outcome

        return Response()


def _tiny_schema(filter_fields: str) -> dict[str, Any]:
    description = f"JSON Logic filter. Available filter_fields: {filter_fields}."
    return {
        "paths": {
            "/api/users": {
                "get": {
                    "parameters": [
                        {"name": "filter", "in": "query", "description": description},
                        {
                            "name": "sort",
                            "in": "query",
                            "description": "Available ordering_fields: ['id']",
                        },
                        {
                            "name": "search",
                            "in": "query",
                            "description": "A search term. Available search_fields: ('username',)",
                        },
                        {
                            "name": "username",
                            "in": "query",
                            "description": "A simple equality filter for the username field",
                        },
                    ]
                }
            }
        }
    }


def test_server_schema_is_read_once_per_client_and_wins_over_defaults() -> None:
    client = SchemaClient(_tiny_schema("['id', 'username']"))
    users = capabilities_for(client, "users")
    assert users == ResourceCapabilities(
        filter_fields=frozenset({"id", "username"}),
        ordering_fields=frozenset({"id"}),
        search_fields=frozenset({"username"}),
        simple_filters=frozenset({"username"}),
    )
    # a resource the server's schema does not describe falls back to the bundled table
    assert capabilities_for(client, "tasks") == bundled_capabilities("tasks")
    assert capabilities_for(client, "users") == users
    assert client.calls == 1
    other = SchemaClient(_tiny_schema("['id']"))
    assert capabilities_for(other, "users").filter_fields == {"id"}
    assert other.calls == 1


def test_unusable_schema_falls_back_to_bundled_defaults_and_is_cached() -> None:
    client = SchemaClient(ForbiddenError(403, "Forbidden"))
    assert capabilities_for(client, "jobs") == bundled_capabilities("jobs")
    assert capabilities_for(client, "jobs") == bundled_capabilities("jobs")
    assert client.calls == 1


def test_unreachable_server_is_not_cached() -> None:
    client = SchemaClient(TransportError("down"))
    with pytest.raises(TransportError):
        capabilities_for(client, "jobs")
    client.outcome = _tiny_schema("['id']")
    assert capabilities_for(client, "users").filter_fields == {"id"}
    assert client.calls == 2


@pytest.mark.covers(
    "GET /api/schema/",
    call="client.capabilities(list_path) on a server version cvatorm does not bundle",
)
def test_the_test_server_serves_its_schema_as_json(admin_client: Any, traffic: Any) -> None:
    table = read_schema_capabilities(admin_client)  # a 2.64 client uses the bundled table
    (exchange,) = traffic.select("GET", "/api/schema/")
    assert exchange.status == 200
    assert "json" in exchange.response_headers.get("Content-Type", "")
    parsed = parse_schema(exchange.response_json)
    assert table is not None
    assert parsed["/api/tasks"] == table["/api/tasks"] == capabilities_for(admin_client, "tasks")
