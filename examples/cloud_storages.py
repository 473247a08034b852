"""Cloud storages and annotation guides: attach a bucket, browse it, make a task from it and
give the task a guide with a picture.

Lists the cloud storages, checks one, walks its content page by page (each page is asked for
only when the walk reaches it), creates a task from a folder of the bucket, gives the task an
annotation guide with an uploaded image, then deletes everything it made. Files it writes go
to a temporary folder.

Runs against the embedded test server when ``CVAT_URL`` is not set: its in-process provider
serves the seed storages' buckets. A real server must reach the bucket itself; when it cannot,
cvatorm says so with ``CloudStorageUnavailableError`` (shown here, not raised).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import cvatorm
from cvatorm import AnnotationGuide, CloudStorage, Task
from cvatorm.exceptions import CloudStorageUnavailableError
from cvatorm.models.cloudstorages import CloudStorageStatus

#: A tiny red PNG (4x4), the guide's picture.
PICTURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
    "789c63f8cfc000470cc47100ae930ff1d05f239e0000000049454e44ae426082"
)


def main() -> None:
    with cvatorm.connect_or_embedded(), tempfile.TemporaryDirectory() as folder:
        for storage in CloudStorage.objects.order_by("id"):
            print(f"{storage.id}: {storage.display_name!r} -> {storage.provider_type.value}:"
                  f"{storage.resource} (owner {storage.owner.username})")

        storage = CloudStorage.objects.get(resource="public")
        status = storage.status()
        print("Status of", storage, "is", status.value)
        if status is not CloudStorageStatus.AVAILABLE:
            try:
                list(storage.content())
            except CloudStorageUnavailableError as error:
                print("The server cannot use this bucket:", error)
            return

        print("Top level:", [entry.path for entry in storage.content()])
        for entry in storage.content("images/", page_size=2):  # two entries per request
            print("  ", entry.path, entry.mime_type)

        task = Task.objects.create_from_data(
            {"name": f"from the cloud {uuid.uuid4().hex[:6]}", "labels": [{"name": "car"}]},
            ["images/"],  # a folder of the bucket: every file under it
            cloud_storage=storage,
        )
        try:
            print(f"Created {task}: {task.size} frames from storage {task.data_cloud_storage_id}")

            guide = AnnotationGuide.objects.create(task=task, markdown="# Cars\nTight boxes.")
            picture = Path(folder) / "example.png"
            picture.write_bytes(PICTURE)
            asset = guide.upload_asset(picture)
            guide.markdown += f"\n\n![a good box](/api/assets/{asset.uuid})"
            guide.save()
            task.refresh()
            print("The task's guide:", task.guide, "links", task.guide.asset_ids)
            print("Downloaded the picture back to", asset.download(Path(folder) / "back.png"))
        finally:
            task.delete()  # its guide and the guide's assets go with it
        print("Cleaned up")


if __name__ == "__main__":
    main()
