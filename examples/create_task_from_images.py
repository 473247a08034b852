"""Create a CVAT task from local images, with a progress bar, and look at what the server made.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``); with no ``CVAT_URL`` it starts the embedded test server
(``cvatorm.testing.LocalCVAT``). The images are generated here with the standard library (so the
example needs nothing but cvatorm); pass your own files as arguments instead:

    python examples/create_task_from_images.py [image ...] [--keep]

The task is deleted at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import cvatorm


def png(width: int, height: int, seed: int) -> bytes:
    """A small RGB PNG (a colour gradient), written with zlib: no imaging library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + bytes((x * 7 + seed) % 256 for x in range(width) for _ in range(3))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def main(argv: list[str]) -> None:
    keep = "--keep" in argv
    given = [Path(arg) for arg in argv if arg != "--keep"]
    with tempfile.TemporaryDirectory() as folder, cvatorm.connect_or_embedded() as client:
        if not os.environ.get("CVAT_URL"):
            print(f"No CVAT_URL set: using the embedded test server at {client.api_map.host}")
        files = given or []
        if not files:
            for number, (width, height) in enumerate([(640, 480), (320, 240), (800, 600)]):
                path = Path(folder) / f"frame_{number}.png"
                path.write_bytes(png(width, height, number))
                files.append(path)

        # client.tasks is Task.objects bound to this client (Task.objects.create_from_data
        # works the same on the default connection). Bad input (a missing file, labels
        # together with a project...) fails here, before any task exists. A failed upload or
        # server-side error deletes the half-made task (keep_on_failure=True keeps it) and
        # raises with the server's own message.
        task = client.tasks.create_from_data(
            {
                "name": "cvatorm example",
                "labels": [{"name": "car"}, {"name": "person"}],
                "segment_size": 2,
            },
            files,
            data_params={"image_quality": 90},
            progress=True,  # tqdm bars when tqdm is installed, silent otherwise
            status_check_period=1.0,  # poll the server every second (default: 5 s)
        )
        print(f"Created {task!r}: {task.size} frames")
        for job in task.jobs:
            print(f"  job {job.id}: frames {job.start_frame}-{job.stop_frame}")
        for frame in task.get_frames_info():
            print(f"  {frame['name']}: {frame['width']}x{frame['height']}")
        if not keep:
            task.delete()
            print("Deleted the task (pass --keep to keep it)")


if __name__ == "__main__":
    main(sys.argv[1:])
