"""Export a task's dataset (annotations, optionally images) to a zip, failing loudly.

    python examples/export_dataset.py [TASK_ID] [--output DIR_OR_FILE] [--images] [--format NAME]

Runs against ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or ``CVAT_ACCESS_TOKEN``),
or, with no ``CVAT_URL``, against the embedded test server. With no ``TASK_ID`` it makes a
small annotated task, exports that and deletes the task again. The zip goes to ``--output`` (a
folder: the server's file name; or a file name), else into a new temporary folder, whose path
is printed: the example never writes into the current directory.

What the official SDK users struggle with, handled here: the export runs on the server's
workers, and if it fails you get ``BackgroundRequestException`` with the server's own message
(not a silent empty file); the download goes to a temporary file next to ``OUTPUT`` and is
moved into place only when every byte arrived, so ``OUTPUT`` is either complete or absent.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cvatorm
from cvatorm import Task
from cvatorm.exceptions import BackgroundRequestException


def demo_task(folder: Path) -> Task:
    """A two-frame task with one box (made on the connected server)."""
    from create_task_from_images import png  # the sibling example's stdlib PNG writer

    files = []
    for number in range(2):
        path = folder / f"image_{number}.png"
        path.write_bytes(png(160, 120, number))
        files.append(path)
    spec = {"name": "export demo", "labels": [{"name": "car"}]}
    task = Task.objects.create_from_data(spec, files)
    car = next(label.id for label in task.labels)
    task.set_annotations(
        {"shapes": [{"frame": 0, "label_id": car, "type": "rectangle", "points": [10, 10, 60, 50]}]}
    )
    return task


def run(task: Task, output: Path, images: bool, format_name: str) -> None:
    try:
        path = task.export_dataset(
            format_name,
            output,
            include_images=images,
            progress=True,  # tqdm bars when tqdm is installed, silent otherwise
            status_check_period=1.0,  # ask the server every second (default: 5 s)
        )
    except BackgroundRequestException as error:
        raise SystemExit(f"The server could not export task {task.id}: {error.message}") from None
    print(f"Wrote {path} ({path.stat().st_size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task_id", nargs="?", type=int)
    parser.add_argument("--output", help="a folder or a .zip path (default: a new temp folder)")
    parser.add_argument("--images", action="store_true", help="include the images")
    parser.add_argument("--format", default="CVAT for images 1.1")
    args = parser.parse_args()
    output = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="cvatorm-export-"))

    # CVAT_URL & co., or an embedded LocalCVAT seeded with CVAT's test data.
    with cvatorm.connect_or_embedded():
        if args.task_id is not None:
            run(Task.objects.retrieve(args.task_id), output, args.images, args.format)
            return
        # No TASK_ID: a demo task made for the occasion, deleted afterwards (also on a real
        # server, which is left as it was found).
        with tempfile.TemporaryDirectory() as folder:
            task = demo_task(Path(folder))
            task_id = task.id
            try:
                run(task, output, args.images, args.format)
            finally:
                task.delete()
                print(f"Deleted the demo task {task_id}")


if __name__ == "__main__":
    main()
