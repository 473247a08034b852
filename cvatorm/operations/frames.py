"""Frames of tasks and jobs: one frame, a chunk, the preview, the media meta, bulk downloads,
and deleting frames.

``download_frames`` goes past cvat-sdk's one-by-one loop: frames are fetched by a small thread
pool (``max_workers``, bounded so a big task does not open hundreds of connections), each file
is written to a temporary name and renamed when complete, and progress counts frames. The
bytes are saved as the server sent them (no decoding, so no imaging dependency); the extension
comes from the response's content type.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import requests

from cvatorm.connection.context import Target
from cvatorm.exceptions import InvalidArgumentError, MalformedResponseError, ValidationError
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


def _id_list(name: str, ids: object) -> Iterable[object]:
    """A collection of numbers; a string ("12" would be frames 1 and 2) or a lone number is
    an ``InvalidArgumentError`` naming the argument."""
    if isinstance(ids, (str, bytes, Mapping)) or not isinstance(ids, Iterable):
        raise InvalidArgumentError(name, ids, "a list of frame numbers")
    return ids


def _check_pattern(pattern: object) -> None:
    """``filename_pattern``, tried before any request: it formats with ``frame_id`` and
    ``frame_ext`` only, into a plain file name (no folder, so no file lands outside
    ``outdir``)."""
    allowed = "a file name pattern using {frame_id} and {frame_ext}, without folders"
    if not isinstance(pattern, str):
        raise InvalidArgumentError("filename_pattern", pattern, allowed)
    try:
        name = pattern.format(frame_id=0, frame_ext=".jpg")
    except (KeyError, IndexError, ValueError, AttributeError):
        raise InvalidArgumentError("filename_pattern", pattern, allowed) from None
    if not name or name in {".", ".."} or any(sep in name for sep in ("/", "\\", os.sep)):
        raise InvalidArgumentError("filename_pattern", pattern, allowed)


def get_frame(target: Target, number: int, *, quality: Quality = "original") -> bytes:
    """The encoded image of frame ``number`` (a task frame number, for jobs too)."""
    content, _ = _frame(target, number, quality)
    return content


def _frame(target: Target, number: int, quality: str) -> tuple[bytes, str]:
    response = _data(target, "frame", number, quality)
    return response.content, response.headers.get("Content-Type", "")


#: How many times a frame or chunk that arrived damaged is asked for again (GET is safe).
_MEDIA_ATTEMPTS = 3
#: How the image formats CVAT serves end: a frame cut short is caught here, since a server
#: (or a proxy) that sends no ``Content-Length`` gives the transport nothing to compare with.
_TRAILERS = {"image/png": b"IEND\xaeB`\x82", "image/jpeg": b"\xff\xd9"}


def _data(target: Target, kind: str, number: int, quality: str) -> requests.Response:
    """``GET .../data?type=<kind>&number=&quality=``: one frame or one chunk, checked: media
    (not a JSON or HTML page), and whole (a PNG or JPEG with its end, a zip that opens)."""
    _check_quality(quality)
    number = _check_number(f"{kind}_id", number)
    problem = ""
    for _ in range(_MEDIA_ATTEMPTS):
        response = target.request(
            "GET", "data", params={"type": kind, "number": number, "quality": quality}
        )
        problem = _media_problem(response)
        if not problem:
            return response
    raise MalformedResponseError(
        f"{target.describe()} {kind} {number}: {problem} ({_MEDIA_ATTEMPTS} attempts)"
    )


def _media_problem(response: requests.Response) -> str:
    """Why this answer is not a whole frame or chunk ("" when it is)."""
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    body = response.content
    if not body:
        return "an empty answer"
    if media.endswith("json") or media.startswith("text/"):
        return f"a {media} page instead of media"
    trailer = _TRAILERS.get(media)
    if trailer is not None and not body.rstrip(b"\x00").endswith(trailer):
        return f"a {media} image cut short ({len(body)} bytes)"
    if media in ("application/zip", "application/x-zip-compressed"):
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                if archive.testzip() is not None:
                    return "a zip chunk with a damaged member"
        except zipfile.BadZipFile:
            return f"a zip chunk that does not open ({len(body)} bytes)"
    return ""


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
    numbers = {_check_number("ids", i) for i in _id_list("ids", ids)}
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
    frame_ids = [_check_number("frame_ids", i) for i in _id_list("frame_ids", ids)]
    _check_pattern(filename_pattern)
    if not isinstance(outdir, (str, os.PathLike)) or not os.fspath(outdir):
        raise InvalidArgumentError("outdir", outdir, "a folder path (str or PathLike)")
    folder = Path(outdir)
    if folder.exists() and not folder.is_dir():
        raise InvalidArgumentError("outdir", str(outdir), "a folder (this is a file)")
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
