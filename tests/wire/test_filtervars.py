"""The filter variables each resource descriptor declares are variables CVAT 2.64 declares,
and read only real JSON keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cvatorm  # noqa: F401 -- the models declare the descriptors
from cvatorm.models.requests import derive_keys
from cvatorm.wire.capabilities import bundled_capabilities
from cvatorm.wire.filtervars import denormalized_key, filter_var
from cvatorm.wire.resource import resources

FILTER_VARS = {r.name: r.filter_vars for r in resources if r.filter_vars}
DENORMALIZED = {r.name: r.denormalized for r in resources if r.denormalized}

DATA = Path(__file__).resolve().parents[2] / "cvatorm" / "testing" / "data"


@pytest.mark.parametrize("resource", sorted(FILTER_VARS))
def test_every_variable_is_declared_or_sortable(resource: str) -> None:
    caps = bundled_capabilities(resource)
    for path, var in FILTER_VARS[resource].items():
        assert var in caps.filter_fields | caps.ordering_fields, (resource, path, var)


#: A request as CVAT 2.64.1 lists it (asked); the model derives its filter variables from
#: ``operation`` before anything reads them (``cvatorm.models.requests.derive_keys``).
_REQUEST = {
    "status": "finished", "message": "", "id": "action=export&target=task&target_id=7&user_id=1"
    "&format=CVAT_for_images_1~1&subresource=annotations",
    "operation": {"type": "export:annotations", "target": "task", "project_id": None,
                  "task_id": 7, "job_id": None, "format": "CVAT for images 1.1",
                  "lightweight": None},
    "progress": 0.0, "created_date": "2026-12-04T20:12:52.775346Z", "started_date": None,
    "finished_date": None, "expiry_date": None, "owner": {"id": 1, "username": "admin1"},
    "result_url": None, "result_id": None,
}  # fmt: skip


def _listed(resource: str) -> list[dict[str, object]]:
    """Objects of ``resource`` as the server lists them (the seed data, or a captured one)."""
    if resource == "requests":
        return [derive_keys(dict(_REQUEST))]
    body = json.loads((DATA / f"{resource}.json").read_text(encoding="utf-8"))
    if resource == "access_tokens":  # stored per user
        return [token for tokens in body["user"].values() for token in tokens]
    return list(body["results"])


@pytest.mark.parametrize("resource", sorted(FILTER_VARS))
def test_first_steps_are_keys_of_the_listed_json(resource: str) -> None:
    keys = set().union(*(obj.keys() for obj in _listed(resource)))
    for path in FILTER_VARS[resource]:
        assert path[0] in keys, (resource, path)


def test_denormalized_keys_are_in_the_json() -> None:
    for resource, table in DENORMALIZED.items():
        body = json.loads((DATA / f"{resource}.json").read_text(encoding="utf-8"))
        for key in table.values():
            assert all(key in obj for obj in body["results"]), (resource, key)


def test_lookups() -> None:
    assert filter_var("tasks", ("owner", "username")) == "owner"
    assert filter_var("tasks", ("owner",)) is None  # owner compares usernames, not ids
    assert filter_var("jobs", ("task_id", "project_id")) == "project_id"
    assert filter_var("nope", ("id",)) is None
    assert denormalized_key("jobs", ("task_id", "name")) == "task_name"
    assert denormalized_key("tasks", ("owner", "username")) is None
