"""Moving a task or project to another workspace: ``PATCH {"organization_id": <id or null>}``.

Mirrors ``OrgTransferableMixin`` of the real serializers: only the storages may change along
with the organization; the requesting user becomes the owner, assignees are cleared (their
``assignee_updated_date`` stamped), and the children (a project's tasks, every job) follow.
The permission side (``delete`` here and ``create`` in the destination) is in
:mod:`cvatorm.testing.permissions`.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing.store import Obj, Store, now_iso
from cvatorm.testing.validation import general_error

#: The fields a transfer may carry (``_validate_org_transferring``).
TRANSFER_FIELDS = frozenset({"source_storage", "target_storage", "organization_id"})


def validate_transfer(resource: str, obj: Obj, body: dict[str, Any]) -> None:
    """The serializer's checks, before anything changes (400 ``non_field_errors``)."""
    extra = set(body) - TRANSFER_FIELDS
    if extra:
        shown = "{" + ", ".join(repr(name) for name in sorted(extra)) + "}"
        raise general_error(
            f"Fields {shown} cannot be updated when transferring to another workspace"
        )
    if resource == "tasks" and obj.get("project_id") is not None:
        raise general_error("Only top-level resources can be moved between workspaces")


def transfer(store: Store, resource: str, obj: Obj, user_id: int, org_id: int | None) -> None:
    """Apply the move (call inside a transaction; storages are the caller's)."""
    stamp = now_iso()
    owner = store.basic_user(user_id)
    _move(store, resource, obj, owner, org_id, stamp)
    tasks = [obj] if resource == "tasks" else store.find("tasks", project_id=obj["id"])
    for task in tasks:
        if resource == "projects":
            _move(store, "tasks", task, owner, org_id, stamp)
        for job in store.find("jobs", task_id=task["id"]):
            changes: dict[str, Any] = {"updated_date": stamp}
            if job.get("assignee") is not None:
                changes.update(assignee=None, assignee_updated_date=stamp)
            store.update("jobs", job["id"], changes)


def _move(
    store: Store, resource: str, obj: Obj, owner: Obj | None, org_id: int | None, stamp: str
) -> None:
    changes: dict[str, Any] = {
        "owner": owner,
        "organization": org_id,
        "organization_id": org_id,
        "updated_date": stamp,
    }
    if obj.get("assignee") is not None:
        changes.update(assignee=None, assignee_updated_date=stamp)
    store.update(resource, obj["id"], changes)
