"""Organizations with the models: ``in_org()``, what ``None``, ``""`` and a slug mean, threads.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``), or, with no ``CVAT_URL``, against an embedded LocalCVAT as ``admin1``.

It creates one project inside an organization and deletes it again.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import cvatorm
from cvatorm import Organization, Project, Task


def main() -> None:
    with cvatorm.connect_or_embedded() as client:  # CVAT_URL & co. (and CVAT_ORG), or LocalCVAT
        if not os.environ.get("CVAT_URL"):
            print(f"No CVAT_URL set: started the embedded test server at {client.api_map.host}")
        # Organizations are listed without a context: every one I can see.
        slugs = [org.slug for org in Organization.objects.order_by("-id")]
        print("Organizations I can see:", slugs)

        # No context (the default): everything visible to me, whatever the organization.
        print("Tasks, no organization context:", Task.objects.count())

        # in_org(""): the personal workspace only.
        print("Tasks in my personal workspace:", Task.objects.in_org("").count())

        # in_org(slug): that organization only (X-Organization on every request).
        for slug in slugs:
            print(f"Tasks in {slug}:", Task.objects.in_org(slug).count())

        if slugs:
            # Objects remember where they were read or made: save(), delete() and their
            # relations send the same organization.
            project = Project.objects.in_org(slugs[0]).create(
                name="cvatorm organizations example", labels=[{"name": "car"}]
            )
            print(f"Created {project!r} in organization {project.organization.slug}")
            project.delete()

        # The client's context (client.organization_context(slug)) is per thread (and asyncio
        # task): workers sharing one connection never see each other's organization.
        def count_in(slug: str) -> tuple[str, int]:
            with client.organization_context(slug):
                return slug, Task.objects.count()

        with ThreadPoolExecutor(max_workers=max(1, len(slugs))) as pool:
            for slug, count in pool.map(count_in, slugs):
                print(f"  worker thread in {slug}: {count} tasks")
        print("Main thread context is still:", repr(client.organization_slug))


if __name__ == "__main__":
    main()
