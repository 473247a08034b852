"""Organizations: what ``None``, ``""`` and a slug mean, and per-thread contexts.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``), or, with no ``CVAT_URL``, against an embedded LocalCVAT as ``admin1``.

It creates one project inside an organization and deletes it again.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import cvatorm
from cvatorm import Client


def count_tasks(client: Client) -> int:
    """How many tasks the current organization context shows (one small request)."""
    count: int = client.request("GET", "/api/tasks", params={"page_size": 1}).json()["count"]
    return count


def main() -> None:
    with cvatorm.connect_or_embedded() as client:  # CVAT_URL & co. (and CVAT_ORG), or LocalCVAT
        if not os.environ.get("CVAT_URL"):
            print(f"No CVAT_URL set: started the embedded test server at {client.api_map.host}")
        slugs = [
            org["slug"]
            for org in client.request(
                "GET", "/api/organizations", params={"page_size": "all"}, organization=None
            ).json()["results"]
        ]
        print("Organizations I can see:", slugs)

        # None (the default): no X-Organization header, everything visible to me.
        print("Tasks, no organization context:", count_tasks(client))

        # "": the personal workspace only.
        with client.organization_context(""):
            print("Tasks in my personal workspace:", count_tasks(client))

        # A slug: that organization only; new objects are created in it.
        for slug in slugs:
            with client.organization_context(slug):
                print(f"Tasks in {slug}:", count_tasks(client))

        if slugs:
            with client.organization_context(slugs[0]):
                project = client.request(
                    "POST", "/api/projects", json={"name": "cvatorm organizations example"}
                ).json()
            print(f"Created project {project['id']} in organization {project['organization']}")
            client.request("DELETE", f"/api/projects/{project['id']}", organization=None)

        # Each thread (and asyncio task) has its own context: workers sharing one client
        # never see each other's organization.
        def in_org(slug: str) -> tuple[str, int]:
            with client.organization_context(slug):
                return slug, count_tasks(client)

        with ThreadPoolExecutor(max_workers=max(1, len(slugs))) as pool:
            for slug, count in pool.map(in_org, slugs):
                print(f"  worker thread in {slug}: {count} tasks")
        print("Main thread context is still:", repr(client.organization_slug))


if __name__ == "__main__":
    main()
