"""Task media for LocalCVAT: the frames uploaded to each task, their sizes, chunks and previews.

The real server decodes images with Pillow and keeps them on disk; LocalCVAT keeps the uploaded
bytes in memory and reads each image's size from its header with the standard library (PNG,
JPEG, GIF, BMP), so ``task.size``, ``/data/meta`` and frame numbers are those of real files
without any imaging dependency. A file that is not an image fails the task's creation, as on
the real server.

Media lives beside the :class:`~cvatorm.testing.store.Store` (keyed weakly by it), so a
``reset()``, which builds a new store, also forgets every uploaded file.
"""

from __future__ import annotations

import io
import struct
import threading
import weakref
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cvatorm.testing.store import Store, now_iso

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "bmp": "image/bmp"}


class NotAnImage(ValueError):
    """The bytes are not an image format LocalCVAT can read the size of."""


def image_info(data: bytes) -> tuple[str, int, int]:
    """``(format, width, height)`` read from the header; :class:`NotAnImage` otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "bmp", width, abs(height)
    if data[:2] == b"\xff\xd8":
        return ("jpeg", *_jpeg_size(data))
    raise NotAnImage("not a PNG, JPEG, GIF or BMP image")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the JPEG markers to the first start-of-frame segment, which holds the size."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            position += 1
            continue
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            position += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        is_sof = 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)
        if is_sof and position + 9 <= len(data):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    raise NotAnImage("a JPEG without a frame header")


@dataclass
class Frame:
    """One frame of a task: the file it came from and its size."""

    name: str
    data: bytes
    kind: str
    width: int
    height: int

    @property
    def mime(self) -> str:
        return _MIME[self.kind]

    def meta(self) -> dict[str, Any]:
        """The frame as ``/data/meta`` lists it (``FrameMeta``)."""
        return {
            "width": self.width,
            "height": self.height,
            "name": self.name,
            "related_files": 0,
            "has_related_context": False,
        }


@dataclass
class TaskMedia:
    """The data of one task (the real ``Data`` object): frames and how they are served."""

    data_id: int
    frames: list[Frame]
    chunk_size: int
    image_quality: int
    start_frame: int = 0
    frame_filter: str = ""
    deleted: set[int] = field(default_factory=set)
    updated_date: str = field(default_factory=now_iso)

    @property
    def size(self) -> int:
        return len(self.frames)

    @property
    def stop_frame(self) -> int:
        return max(self.size - 1, 0)

    def frame(self, number: int) -> Frame:
        """Frame ``number``; ``IndexError`` when out of range."""
        if not 0 <= number < self.size:
            raise IndexError(number)
        return self.frames[number]

    def meta(self, first: int = 0, last: int | None = None) -> dict[str, Any]:
        """``DataMetaRead`` for frames ``first..last`` (a job's range) or the whole task."""
        last = self.stop_frame if last is None else last
        return {
            "chunks_updated_date": self.updated_date,
            "chunk_size": self.chunk_size,
            "size": last - first + 1 if self.size else 0,
            "image_quality": self.image_quality,
            "start_frame": first,
            "stop_frame": last,
            "frame_filter": self.frame_filter,
            "frames": [frame.meta() for frame in self.frames[first : last + 1]],
            "deleted_frames": sorted(n for n in self.deleted if first <= n <= last),
            "included_frames": None,
            "storage": "local",
            "cloud_storage_id": None,
            "chapters": None,
        }

    def chunk(self, number: int, first: int = 0, last: int | None = None) -> bytes:
        """Chunk ``number`` of the range ``first..last``: a zip of ``chunk_size`` frames, as the
        real server's ``imageset`` chunks; ``IndexError`` past the end."""
        last = self.stop_frame if last is None else last
        start = first + number * self.chunk_size
        if number < 0 or start > last:
            raise IndexError(number)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for index in range(start, min(start + self.chunk_size, last + 1)):
                frame = self.frames[index]
                extension = "jpg" if frame.kind == "jpeg" else frame.kind
                archive.writestr(f"{index:06d}.{extension}", frame.data)
        return buffer.getvalue()


class _MediaTables:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tasks: dict[int, TaskMedia] = {}
        self.data_ids = 0


_TABLES: weakref.WeakKeyDictionary[Store, _MediaTables] = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def _tables(store: Store) -> _MediaTables:
    with _TABLES_LOCK:
        tables = _TABLES.get(store)
    if tables is not None:
        return tables
    # Seed tasks already have data ids; new ones must not collide with them. Read in place
    # (copying 100,000 tasks took seconds) and outside _TABLES_LOCK (never wait for the store
    # while holding it: request threads hold the store's lock when they get here).
    with store.lock:
        seeded = max((t.get("data") or 0 for t in store.rows("tasks")), default=0)
    with _TABLES_LOCK:
        tables = _TABLES.get(store)
        if tables is None:
            tables = _MediaTables()
            tables.data_ids = seeded
            _TABLES[store] = tables
        return tables


def media_of(store: Store, task_id: int) -> TaskMedia | None:
    """The task's media, or None when no data was uploaded through LocalCVAT."""
    tables = _tables(store)
    with tables.lock:
        return tables.tasks.get(task_id)


def attach(
    store: Store,
    task_id: int,
    frames: list[Frame],
    *,
    chunk_size: int,
    quality: int,
    start_frame: int = 0,
    frame_filter: str = "",
) -> TaskMedia:
    """Give a task its media (a new data id); returns it."""
    tables = _tables(store)
    with tables.lock:
        tables.data_ids += 1
        media = TaskMedia(
            data_id=tables.data_ids,
            frames=frames,
            chunk_size=chunk_size,
            image_quality=quality,
            start_frame=start_frame,
            frame_filter=frame_filter,
        )
        tables.tasks[task_id] = media
        return media


def detach(store: Store, task_id: int) -> None:
    """Forget a task's media (the task failed to be created, or was deleted)."""
    tables = _tables(store)
    with tables.lock:
        tables.tasks.pop(task_id, None)


def make_frames(files: list[tuple[str, bytes]]) -> list[Frame]:
    """Frames from uploaded ``(name, bytes)``, in that order; zip archives are expanded (their
    images in name order). Raises :class:`NotAnImage` naming the first file that is not one."""
    frames: list[Frame] = []
    for name, data in files:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                inner = sorted(n for n in archive.namelist() if not n.endswith("/"))
                frames.extend(make_frames([(n, archive.read(n)) for n in inner]))
            continue
        try:
            kind, width, height = image_info(data)
        except NotAnImage:
            raise NotAnImage(f"File '{name}' is not an image: unsupported media type") from None
        frames.append(Frame(name=name, data=data, kind=kind, width=width, height=height))
    return frames
