"""Deletes with the real database's ``on_delete`` rules.

Project -> its tasks, labels; task -> its jobs, labels; job -> its issues; issue -> its comments;
organization -> its memberships and invitations (its projects and tasks stay, organization null);
user -> memberships, invitations, tokens, and owner/assignee set to null elsewhere (SET_NULL).
Project and organization -> their webhooks, webhook -> its deliveries.
"""

from __future__ import annotations

from cvatorm.testing import media
from cvatorm.testing.store import Store


def delete_issue(store: Store, issue_id: int) -> None:
    with store.transaction():
        store.remove_many("comments", [c["id"] for c in store.find("comments", issue=issue_id)])
        store.remove("issues", issue_id)


def delete_job(store: Store, job_id: int) -> None:
    with store.transaction():
        for issue in store.find("issues", job=job_id):
            delete_issue(store, issue["id"])
        store.remove("jobs", job_id)


def delete_task(store: Store, task_id: int) -> None:
    with store.transaction():
        for job in store.find("jobs", task_id=task_id):
            delete_job(store, job["id"])
        store.remove_many("labels", [row["id"] for row in store.find("labels", task_id=task_id)])
        store.remove("tasks", task_id)
    media.detach(store, task_id)  # the uploaded frames go with the task


def delete_project(store: Store, project_id: int) -> None:
    with store.transaction():
        for task in store.find("tasks", project_id=project_id):
            delete_task(store, task["id"])
        store.remove_many(
            "labels", [row["id"] for row in store.find("labels", project_id=project_id)]
        )
        _delete_webhooks(store, project_id=project_id)
        store.remove("projects", project_id)


def delete_organization(store: Store, org_id: int) -> None:
    """Memberships and invitations go; projects and tasks stay, outside any organization
    (their ``organization`` foreign keys are ``SET_NULL`` in the real models)."""
    with store.transaction():
        for resource in ("projects", "tasks"):
            for row in store.find(resource, organization=org_id):
                store.update(resource, row["id"], {"organization": None, "organization_id": None})
        store.remove_many(
            "memberships", [m["id"] for m in store.find("memberships", organization=org_id)]
        )
        store.remove_many(
            "invitations", [i["key"] for i in store.find("invitations", organization=org_id)]
        )
        _delete_webhooks(store, organization=org_id)
        store.remove("organizations", org_id)


def delete_user(store: Store, user_id: int) -> None:
    with store.transaction():
        for resource in ("memberships", "invitations"):
            key = "key" if resource == "invitations" else "id"
            rows = [
                row[key]
                for row in store.all(resource)
                if (row.get("user") or {}).get("id") == user_id
            ]
            store.remove_many(resource, rows)
        store.remove_many(
            "access_tokens",
            [
                token["id"]
                for token in store.all("access_tokens")
                if (token.get("owner") or {}).get("id") == user_id
            ],
        )
        for resource in (
            "projects",
            "tasks",
            "jobs",
            "issues",
            "comments",
            "organizations",
            "invitations",
            "webhooks",
        ):
            for row in store.all(resource):
                key = row["key"] if resource == "invitations" else row["id"]
                changes = {
                    field: None
                    for field in ("owner", "assignee")
                    if (row.get(field) or {}).get("id") == user_id
                }
                if changes:
                    store.update(resource, key, changes)
        store.remove("users", user_id)


def _delete_webhooks(store: Store, **equal: int) -> None:
    """Webhooks (with their deliveries) of a deleted project or organization (CASCADE)."""
    ids = [row["id"] for row in store.find("webhooks", **equal)]
    deliveries = [row["id"] for row in store.all("webhook_deliveries") if row["webhook_id"] in ids]
    store.remove_many("webhook_deliveries", deliveries)
    store.remove_many("webhooks", ids)
