"""Where each resource lives on a CVAT server."""

from __future__ import annotations

#: Resources by their wire name, the path segment after ``/api/``.
RESOURCES: frozenset[str] = frozenset(
    {
        "tasks",
        "jobs",
        "projects",
        "organizations",
        "users",
        "labels",
        "issues",
        "comments",
        "memberships",
        "invitations",
    }
)


def collection_path(resource: str) -> str:
    """``/api/tasks``: the list (GET) and create (POST) endpoint of a resource."""
    return f"/api/{resource}"


def item_path(resource: str, key: int | str) -> str:
    """``/api/tasks/7``: retrieve, partial update and delete. Invitations are keyed by ``key``."""
    return f"/api/{resource}/{key}"
