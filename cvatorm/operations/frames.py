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

from cvatorm._sentinels import INHERIT
from cvatorm.operations._common import item_path
from cvatorm.progress import reporting, resolve_progress
from cvatorm.transfer import TransferClient, atomic_file
from cvatorm.transfer.client import OrganizationArg

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
_FRAMED = ("tasks", "jobs")


def _data_path(resource: str, obj_id: int) -> str:
    if resource not in _FRAMED:
        raise ValueError(f"frames belong to tasks or jobs, not {resource!r}")
    # the real routes: /api/tasks/<id>/data/ (with a slash), /api/jobs/<id>/data (without)
    return item_path(resource, obj_id, "/data/" if resource == "tasks" else "/data")


def _check_quality(quality: str) -> None:
    if quality not in ("compressed", "original"):
        raise ValueError(f"quality is 'compressed' or 'original', not {quality!r}")


def get_frame(
    client: TransferClient,
    resource: str,
    obj_id: int,
    number: int,
    *,
    quality: Quality = "original",
    organization: OrganizationArg = INHERIT,
) -> bytes:
    """The encoded image of frame ``number`` (a task frame number, for jobs too)."""
    content, _ = _frame(client, resource, obj_id, number, quality, organization)
    return content


def _frame(
    client: TransferClient,
    resource: str,
    obj_id: int,
    number: int,
    quality: str,
    organization: OrganizationArg,
) -> tuple[bytes, str]:
    response = _data(client, resource, obj_id, "frame", number, quality, organization)
    return response.content, response.headers.get("Content-Type", "")


def _data(
    client: TransferClient,
    resource: str,
    obj_id: int,
    kind: str,
    number: int,
    quality: str,
    organization: OrganizationArg,
) -> requests.Response:
    """``GET .../data?type=<kind>&number=&quality=``: one frame or one chunk."""
    _check_quality(quality)
    return client.request(
        "GET",
        _data_path(resource, obj_id),
        params={"type": kind, "number": int(number), "quality": quality},
        organization=organization,
    )


def download_chunk(
    client: TransferClient,
    resource: str,
    obj_id: int,
    number: int,
    *,
    quality: Quality = "original",
    organization: OrganizationArg = INHERIT,
) -> bytes:
    """Chunk ``number`` (a zip of frames for image tasks, a video segment for videos)."""
    return _data(client, resource, obj_id, "chunk", number, quality, organization).content


def get_preview(
    client: TransferClient, resource: str, obj_id: int, *, organization: OrganizationArg = INHERIT
) -> bytes:
    """The preview image of a task, job or project."""
    response = client.request(
        "GET", item_path(resource, obj_id, "/preview"), organization=organization
    )
    return response.content


def get_meta(
    client: TransferClient, resource: str, obj_id: int, *, organization: OrganizationArg = INHERIT
) -> dict[str, Any]:
    """``/data/meta``: frame names and sizes, chunk size, deleted frames..."""
    response = client.request(
        "GET", item_path(resource, obj_id, "/data/meta"), organization=organization
    )
    meta: dict[str, Any] = response.json()
    return meta


def remove_frames_by_ids(
    client: TransferClient,
    resource: str,
    obj_id: int,
    ids: Iterable[int],
    *,
    organization: OrganizationArg = INHERIT,
) -> dict[str, Any]:
    """Mark these frames deleted (added to those already deleted); returns the new meta."""
    current = get_meta(client, resource, obj_id, organization=organization)
    deleted = sorted(set(current.get("deleted_frames") or []) | {int(i) for i in ids})
    response = client.request(
        "PATCH",
        item_path(resource, obj_id, "/data/meta"),
        json={"deleted_frames": deleted},
        organization=organization,
    )
    meta: dict[str, Any] = response.json()
    return meta


def download_frames(
    client: TransferClient,
    resource: str,
    obj_id: int,
    ids: Iterable[int],
    *,
    outdir: str | os.PathLike[str] = ".",
    quality: Quality = "original",
    filename_pattern: str = "frame_{frame_id:06d}{frame_ext}",
    max_workers: int = 4,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
) -> list[Path]:
    """Save frames ``ids`` into ``outdir`` (``filename_pattern`` gets ``frame_id`` and
    ``frame_ext``) with at most ``max_workers`` requests at a time; returns the paths, in the
    order of ``ids``. The first failure cancels the frames not yet started and is raised."""
    _check_quality(quality)
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    frame_ids = [int(i) for i in ids]
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    reporter = resolve_progress(progress)

    def fetch_one(frame_id: int) -> Path:
        content, content_type = _frame(client, resource, obj_id, frame_id, quality, organization)
        extension = _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".bin")
        target = folder / filename_pattern.format(frame_id=frame_id, frame_ext=extension)
        with atomic_file(target) as sink:
            sink.write(content)
        reporter.advance(1)
        return target

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
