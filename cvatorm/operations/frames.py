"""Frames of tasks and jobs: one frame, a chunk, the preview, the media meta, bulk downloads,
and deleting frames.

``download_frames`` goes past cvat-sdk's one-by-one loop: frames are fetched by a small thread
pool (``max_workers``, bounded so a big task does not open hundreds of connections), each file
is written to a temporary name and renamed when complete, and progress counts frames. The
bytes are saved as the server sent them (no decoding, so no imaging dependency); the extension
comes from the response's content type.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import requests

from cvatorm.connection.context import Target
from cvatorm.exceptions import ValidationError
from cvatorm.progress import reporting
from cvatorm.transfer import atomic_file

__all__ = [
    "Quality",
    "download_chunk",
    "download_frames",
    "get_frame",
    "get_meta",
    "get_preview",
    "remove_frames_by_ids",
]

Quality = Literal["compressed", "original"]
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "image/tiff": ".tif",
}


def _check_quality(quality: str) -> None:
    if quality not in ("compressed", "original"):
        raise ValidationError(
            {"quality": [f"quality is 'compressed' or 'original', not {quality!r}"]}
        )


def _check_number(name: str, number: object) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValidationError({name: [f"expected a non-negative integer, not {number!r}"]})
    return number


def get_frame(target: Target, number: int, *, quality: Quality = "original") -> bytes:
    """The encoded image of frame ``number`` (a task frame number, for jobs too)."""
    content, _ = _frame(target, number, quality)
    return content


def _frame(target: Target, number: int, quality: str) -> tuple[bytes, str]:
    response = _data(target, "frame", number, quality)
    return response.content, response.headers.get("Content-Type", "")


def _data(target: Target, kind: str, number: int, quality: str) -> requests.Response:
    """``GET .../data?type=<kind>&number=&quality=``: one frame or one chunk."""
    _check_quality(quality)
    number = _check_number(f"{kind}_id", number)
    return target.request(
        "GET", "data", params={"type": kind, "number": number, "quality": quality}
    )


def download_chunk(target: Target, number: int, *, quality: Quality = "original") -> bytes:
    """Chunk ``number`` (a zip of frames for image tasks, a video segment for videos)."""
    return _data(target, "chunk", number, quality).content


def get_preview(target: Target) -> bytes:
    """The preview image of a task, job or project."""
    return target.request("GET", "preview").content


def get_meta(target: Target) -> dict[str, Any]:
    """``/data/meta``: frame names and sizes, chunk size, deleted frames..."""
    meta: dict[str, Any] = target.request("GET", "data_meta").json()
    return meta


def remove_frames_by_ids(target: Target, ids: Iterable[int]) -> dict[str, Any]:
    """Mark these frames deleted (added to those already deleted); returns the new meta."""
    numbers = {_check_number("ids", i) for i in ids}
    current = get_meta(target)
    deleted = sorted(set(current.get("deleted_frames") or []) | numbers)
    meta: dict[str, Any] = target.request(
        "PATCH", "data_meta", json={"deleted_frames": deleted}
    ).json()
    return meta


def download_frames(
    target: Target,
    ids: Iterable[int],
    *,
    outdir: str | os.PathLike[str] = ".",
    quality: Quality = "original",
    filename_pattern: str = "frame_{frame_id:06d}{frame_ext}",
    max_workers: int = 4,
) -> list[Path]:
    """Save frames ``ids`` into ``outdir`` (``filename_pattern`` gets ``frame_id`` and
    ``frame_ext``) with at most ``max_workers`` requests at a time; returns the paths, in the
    order of ``ids``. The first failure cancels the frames not yet started and is raised."""
    _check_quality(quality)
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValidationError({"max_workers": [f"expected an integer >= 1, not {max_workers!r}"]})
    frame_ids = [_check_number("frame_ids", i) for i in ids]
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    reporter = target.context.progress

    def fetch_one(frame_id: int) -> Path:
        content, content_type = _frame(target, frame_id, quality)
        extension = _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".bin")
        destination = folder / filename_pattern.format(frame_id=frame_id, frame_ext=extension)
        with atomic_file(destination) as sink:
            sink.write(content)
        reporter.advance(1)
        return destination

    workers = min(max_workers, max(len(frame_ids), 1))
    with (
        reporting(reporter, len(frame_ids), desc="Downloading frames", unit="frame"),
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        futures = [pool.submit(fetch_one, frame_id) for frame_id in frame_ids]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise
