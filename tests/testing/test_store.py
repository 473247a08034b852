"""The Store contract other LocalCVAT parts rely on (listing, permissions, data routes)."""

from __future__ import annotations

import pytest

from cvatorm.testing.seed import populate
from cvatorm.testing.store import Store

BASE = "http://testserver"


@pytest.fixture
def store() -> Store:
    seeded = Store(BASE)
    populate(seeded, "assets")
    return seeded


def test_all_and_get_serve_admin_views(store: Store) -> None:
    tasks = store.all("tasks")
    assert len(tasks) == 30
    assert store.get("tasks", tasks[0]["id"]) == tasks[0]
    assert tasks[0]["url"].startswith(BASE)
    labels = store.all("labels")
    assert all(label["parent_id"] is None for label in labels)
    assert store.get("labels", 19)["parent_id"] == 18  # a sublabel, retrievable by id
    key = store.all("invitations")[0]["key"]
    assert store.get("invitations", key)["key"] == key
    assert store.get("tasks", 999999) is None


def test_copies_protect_the_data(store: Store) -> None:
    task = store.get("tasks", 2)
    assert task is not None
    task["name"] = "changed outside"
    assert store.get("tasks", 2)["name"] != "changed outside"


def test_derived_fields_follow_changes(store: Store) -> None:
    job = store.find("jobs", task_id=2)[0]
    with store.transaction():
        store.update("tasks", 2, {"name": "renamed"})
        store.update("jobs", job["id"], {"stage": "acceptance", "state": "completed"})
    assert store.get("jobs", job["id"])["task_name"] == "renamed"
    assert store.get("tasks", 2)["jobs"]["completed"] == 1
    store.update("users", 2, {"first_name": "Changed"})
    owned = [t for t in store.all("tasks") if (t["owner"] or {}).get("id") == 2]
    assert owned and all(t["owner"]["first_name"] == "Changed" for t in owned)


def test_ids_are_never_reused(store: Store) -> None:
    first = store.next_id("tasks")
    store.put("tasks", {**store.get("tasks", 2), "id": first})
    store.remove("tasks", first)
    assert store.next_id("tasks") == first + 1


def test_seeded_sublabels_do_not_share_data_with_their_parent(store: Store) -> None:
    """Seeding takes ownership of the parsed rows: a sublabel row must be its own object."""
    sub = store.rows("labels")  # first-level only; the sublabel is reached by id
    parent = next(label for label in sub if label["id"] == 18)
    with store.lock:
        stored_sub = store._table("labels")[19]
        nested = parent["sublabels"][0]
        assert stored_sub["attributes"] == nested["attributes"]
        assert stored_sub["attributes"] is not nested["attributes"]


def test_list_requests_read_rows_in_place_and_copy_only_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Copying every row per list request made lists O(table) in copies (100,000 tasks)."""
    import requests

    from cvatorm.testing import LocalCVAT

    with LocalCVAT() as local:
        session = requests.Session()
        session.auth = ("admin1", "!Q@W#E$R")
        before = session.get(f"{local.url}/api/jobs", params={"page_size": 3, "sort": "id"})
        original_all = Store.all

        def no_big_copies(self: Store, resource: str) -> list[dict[str, object]]:
            assert resource not in ("tasks", "jobs"), f"copied the whole {resource} table"
            return original_all(self, resource)

        monkeypatch.setattr(Store, "all", no_big_copies)
        requests_made: list[tuple[str, dict[str, str]]] = [
            ("/api/tasks", {"filter": '{"==":[{"var":"project_id"},1]}'}),
            ("/api/jobs", {"page_size": "3", "sort": "id"}),
        ]
        for path, params in requests_made:
            response = session.get(f"{local.url}{path}", params=params)
            assert response.status_code == 200, response.text
        assert response.json() == before.json()
