"""Usernames assigned to user fields are resolved once per client, not once per save.

``project.assignee = "user2"; project.save()`` asks ``GET /api/users`` the first time; later
saves of the same client reuse the id (``Client.usernames``, a small TTL cache): N saves are N
PATCH and one GET. A refusal that may come from a stale id drops it; logging out forgets all.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cvatorm.connection import Client
from cvatorm.connection.usernames import UsernameCache
from cvatorm.exceptions import BadRequestError, NotFoundError
from cvatorm.models import Project, Task

from .fakes import FakeClient, api_error, asset_object


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def projects(admin_client: Client) -> Iterator[list[Project]]:
    made: list[Project] = []
    yield made
    for project in made:
        with contextlib.suppress(NotFoundError):
            project.delete(using=admin_client)


def _make(admin_client: Client, projects: list[Project], n: int) -> list[Project]:
    for _ in range(n):
        project = Project(name=unique("username cache"))
        project.save(using=admin_client)
        projects.append(project)
    return projects


def test_n_saves_of_a_username_send_n_patch_and_one_get(
    admin_client: Client, traffic: Any, projects: list[Project]
) -> None:
    (project,) = _make(admin_client, projects, 1)
    traffic.clear()
    for n in range(6):
        project.assignee = "user2" if n % 2 == 0 else None
        project.save()
    assert traffic.count("GET", "/api/users") == 1
    assert traffic.count("PATCH") == 6
    assert project.assignee is None
    project.assignee = "user2"
    project.save()
    assert project.assignee.username == "user2"
    assert traffic.count("GET", "/api/users") == 1


def test_each_object_of_a_loop_reuses_the_first_resolution(
    admin_client: Client, traffic: Any, projects: list[Project]
) -> None:
    made = _make(admin_client, projects, 4)
    traffic.clear()
    for project in made:
        project.assignee = "user3"
        project.save()
    assert traffic.calls()[0] == ("GET", "/api/users")
    assert traffic.count("GET") == 1
    assert traffic.count("PATCH") == 4
    ids = {p.raw["assignee"]["id"] for p in made}
    assert len(ids) == 1


def test_a_queryset_update_by_username_asks_once(
    admin_client: Client, traffic: Any, projects: list[Project]
) -> None:
    made = _make(admin_client, projects, 3)
    traffic.clear()
    qs = Project.objects.using(admin_client).filter(id__in=[p.pk for p in made])
    assert qs.update(assignee="user4") == 3
    assert traffic.count("GET", "/api/users") == 1
    assert traffic.count("PATCH") == 3


def test_logging_in_again_forgets_the_resolved_usernames(
    admin_client: Client, cvat_target: Any, traffic: Any, projects: list[Project]
) -> None:
    (project,) = _make(admin_client, projects, 1)
    project.assignee = "user2"
    project.save()
    assert len(admin_client.usernames) == 1
    admin_client.login(cvat_target.credentials)  # logs the first session out
    assert len(admin_client.usernames) == 0


# --------------------------------------------------------------------------- without a server


def _fake_with_cache() -> FakeClient:
    fake = FakeClient()
    fake.usernames = UsernameCache()  # type: ignore[attr-defined]
    return fake


def _users_page(*users: dict[str, Any]) -> dict[str, Any]:
    return {"count": len(users), "next": None, "previous": None, "results": list(users)}


def test_a_refused_save_drops_the_remembered_id_and_the_next_save_asks_again() -> None:
    fake = _fake_with_cache()
    user2 = asset_object("users", username="user2")
    fake.on("GET", "/api/users", _users_page(user2))
    task = Task._from_wire(asset_object("tasks", id=35), client=fake)
    fake.on(
        "PATCH",
        "/api/tasks/35",
        api_error(400, {"assignee_id": ['Invalid pk "9" - object does not exist.']}),
        {**asset_object("tasks", id=35), "assignee": user2},
    )
    task.assignee = "user2"
    with pytest.raises(BadRequestError):
        task.save()
    assert len(fake.usernames) == 0  # type: ignore[attr-defined]
    task.assignee = "user2"
    task.save()
    assert fake.methods() == [
        ("GET", "/api/users"), ("PATCH", "/api/tasks/35"),
        ("GET", "/api/users"), ("PATCH", "/api/tasks/35"),
    ]  # fmt: skip


def test_entries_are_kept_per_organization_and_expire() -> None:
    now = [0.0]
    cache = UsernameCache(ttl=10, timer=lambda: now[0])
    cache.put("org1", {"id": 7, "username": "alice"})
    assert cache.get("org1", "alice") == {"id": 7, "username": "alice"}
    assert cache.get(None, "alice") is None
    now[0] = 11.0
    assert cache.get("org1", "alice") is None


def test_a_cached_user_is_a_copy() -> None:
    cache = UsernameCache()
    cache.put(None, {"id": 7, "username": "alice"})
    got = cache.get(None, "alice")
    assert got is not None
    got["username"] = "mallory"
    assert cache.get(None, "alice") == {"id": 7, "username": "alice"}


def test_only_complete_users_are_kept_and_dropping_matches_ids() -> None:
    cache = UsernameCache()
    cache.put(None, {"username": "no-id"})
    cache.put(None, {"id": 1, "username": "a"})
    cache.put("org1", {"id": 1, "username": "a"})
    cache.put(None, {"id": 2, "username": "b"})
    cache.drop_ids([1, None])
    assert cache.get(None, "a") is None and cache.get("org1", "a") is None
    assert cache.get(None, "b") is not None
    assert len(cache) == 1


def test_the_cache_is_bounded() -> None:
    cache = UsernameCache(maxsize=3)
    for i in range(10):
        cache.put(None, {"id": i, "username": f"u{i}"})
    assert len(cache) == 3
