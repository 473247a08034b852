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


def test_refreshing_only_what_changed_equals_a_full_refresh(store: Store) -> None:
    """Writes recompute only the rows they can affect; a full refresh must find nothing stale."""
    import random

    from cvatorm.testing import cascade

    rng = random.Random(7)

    def snapshot() -> dict[str, list[dict[str, object]]]:
        return {
            name: sorted(store.all(name), key=lambda row: str(row.get("id")))
            for name in ("projects", "tasks", "jobs", "issues", "comments", "invitations")
        }

    for step in range(120):
        projects = [p["id"] for p in store.all("projects")]
        tasks = store.all("tasks")
        jobs = store.all("jobs")
        action = rng.randrange(8)
        if action == 0 and tasks:
            task = rng.choice(tasks)
            store.update("tasks", task["id"], {"name": f"t{step}", "subset": rng.choice(["", "x"])})
        elif action == 1 and tasks:
            task = rng.choice(tasks)
            store.update("tasks", task["id"], {"project_id": rng.choice([None, *projects])})
        elif action == 2 and projects:
            store.update("projects", rng.choice(projects), {"name": f"p{step}", "bug_tracker": ""})
        elif action == 3 and jobs:
            job = rng.choice(jobs)
            store.update("jobs", job["id"], {"stage": "acceptance", "state": "completed"})
        elif action == 4 and tasks:
            cascade.delete_task(store, rng.choice(tasks)["id"])
        elif action == 5 and projects:
            cascade.delete_project(store, rng.choice(projects))
        elif action == 6 and jobs:
            job = rng.choice(jobs)
            store.put("jobs", {**job, "id": store.next_id("jobs"), "stage": "validation"})
        elif action == 7:
            issue = store.all("issues")
            if issue:
                store.remove("comments", next(iter(c["id"] for c in store.all("comments")), -1))
        incremental = snapshot()
        store.refresh()
        assert snapshot() == incremental, f"stale after step {step} (action {action})"


def test_media_tables_start_without_copying_the_tasks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first media lookup reads the seed's data ids in place (copying took seconds)."""
    from cvatorm.testing import media

    def no_copies(self: Store, resource: str) -> list[dict[str, object]]:
        raise AssertionError(f"copied the whole {resource} table")

    monkeypatch.setattr(Store, "all", no_copies)
    assert media.media_of(store, 2) is None
