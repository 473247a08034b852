"""Export a task's dataset (annotations, optionally images) to a zip, failing loudly.

    python examples/export_dataset.py TASK_ID [OUTPUT] [--images] [--format NAME]

Runs against ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or ``CVAT_ACCESS_TOKEN``).
With no ``CVAT_URL`` and no ``TASK_ID`` it starts the embedded test server, makes a small
annotated task and exports that.

What the official SDK users struggle with, handled here: the export runs on the server's
workers, and if it fails you get ``BackgroundRequestException`` with the server's own message
(not a silent empty file); the download goes to a temporary file next to ``OUTPUT`` and is
moved into place only when every byte arrived, so ``OUTPUT`` is either complete or absent.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import cvatorm
from cvatorm.connection import Client
from cvatorm.exceptions import BackgroundRequestException
from cvatorm.operations.annotations import set_annotations
from cvatorm.operations.datasets import export_dataset
from cvatorm.operations.task_data import create_from_data


def demo_task(client: Client, folder: Path) -> int:
    """A two-frame task with one box, on the embedded server."""
    from create_task_from_images import png  # the sibling example's stdlib PNG writer

    files = []
    for number in range(2):
        path = folder / f"image_{number}.png"
        path.write_bytes(png(160, 120, number))
        files.append(path)
    task = create_from_data(client, {"name": "export demo", "labels": [{"name": "car"}]}, files)
    car = next(label.id for label in task.labels)
    set_annotations(
        client,
        "tasks",
        task.id,
        {
            "shapes": [
                {"frame": 0, "label_id": car, "type": "rectangle", "points": [10, 10, 60, 50]}
            ]
        },
    )
    return int(task.id)


def run(client: Client, task_id: int, output: Path, images: bool, format_name: str) -> None:
    try:
        path = export_dataset(
            client, "tasks", task_id, format_name, output, include_images=images, progress=True
        )
    except BackgroundRequestException as error:
        raise SystemExit(f"The server could not export task {task_id}: {error.message}") from None
    print(f"Wrote {path} ({path.stat().st_size} bytes)")
    # Once the models are wired: Task.objects.get(id=task_id).export_dataset(...)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task_id", nargs="?", type=int)
    parser.add_argument("output", nargs="?", default=".")
    parser.add_argument("--images", action="store_true", help="include the images")
    parser.add_argument("--format", default="CVAT for images 1.1")
    args = parser.parse_args()
    output = Path(args.output)

    if os.environ.get("CVAT_URL"):
        if args.task_id is None:
            parser.error("give the TASK_ID to export")
        client = cvatorm.connect()
        try:
            run(client, args.task_id, output, args.images, args.format)
        finally:
            cvatorm.connections.disconnect()
        return

    from cvatorm.testing import SEED_PASSWORD, LocalCVAT

    with LocalCVAT() as server, tempfile.TemporaryDirectory() as folder:
        client = cvatorm.connect(server.url, credentials=("admin1", SEED_PASSWORD))
        try:
            task_id = args.task_id or demo_task(client, Path(folder))
            run(client, task_id, output, args.images, args.format)
        finally:
            cvatorm.connections.disconnect()


if __name__ == "__main__":
    main()
