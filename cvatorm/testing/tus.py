"""The real server's upload protocols (its ``UploadMixin``), for every endpoint that takes files.

One ``POST`` endpoint (``/api/tasks/<id>/data/``, ``/api/tasks/<id>/annotations/``,
``/api/projects/<id>/dataset/``, ``/api/tasks/backup/``...) speaks all of them, told apart by
headers:

- ``Upload-Start``: a new upload session (an empty upload folder); ``202``, no body;
- ``Upload-Multiple``: multipart ``client_files[i]`` appended to the folder; ``200``;
- ``Upload-Length`` (TUS creation): a file of that length is announced; ``201`` with
  ``Location: <endpoint>/<uuid>`` and ``Upload-Filename``; then ``HEAD <Location>`` reports
  ``Upload-Offset`` and ``PATCH <Location>`` with a matching ``Upload-Offset`` appends a chunk
  (``409`` on a mismatch, so a client that lost a reply asks with ``HEAD`` and resumes);
- ``Upload-Finish`` (or no header at all, the single-request form): the endpoint's own work,
  given the files of the folder plus those of this request's body.

Upload folders are keyed by (store, endpoint key, user), so two users never see each other's
files, and a ``reset()`` forgets them all.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routing import Context, Handler, Router
from cvatorm.testing.store import Store

TUS_VERSION = "1.0.0"
#: The real server's default ``TUS_MAX_FILE_SIZE`` (26 GB).
TUS_MAX_SIZE = 26843545600

#: The files an upload produced, in arrival order: ``[(name, bytes)]``.
Files = list[tuple[str, bytes]]
Finish = Callable[[Context, Files], Response]


@dataclass
class TusFile:
    """A TUS upload in progress."""

    filename: str
    length: int
    buffer: bytearray = field(default_factory=bytearray)

    @property
    def offset(self) -> int:
        return len(self.buffer)


@dataclass
class UploadFolder:
    """What one user has uploaded to one endpoint since ``Upload-Start``."""

    files: Files = field(default_factory=list)
    tus: dict[str, TusFile] = field(default_factory=dict)


class _Folders:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.folders: dict[tuple[str, int], UploadFolder] = {}


_ALL: weakref.WeakKeyDictionary[Store, _Folders] = weakref.WeakKeyDictionary()
_ALL_LOCK = threading.Lock()


def _folders(store: Store) -> _Folders:
    with _ALL_LOCK:
        found = _ALL.get(store)
        if found is None:
            found = _ALL[store] = _Folders()
        return found


def _folder(ctx: Context, key: str, *, fresh: bool = False) -> UploadFolder:
    folders = _folders(ctx.app.store)
    with folders.lock:
        slot = (key, int(ctx.user["id"]))
        if fresh or slot not in folders.folders:
            folders.folders[slot] = UploadFolder()
        return folders.folders[slot]


def _drop(ctx: Context, key: str) -> None:
    folders = _folders(ctx.app.store)
    with folders.lock:
        folders.folders.pop((key, int(ctx.user["id"])), None)


def tus_headers(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    headers = {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Max-Size": str(TUS_MAX_SIZE),
        "Cache-Control": "no-store",
    }
    headers.update(extra or {})
    return list(headers.items())


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata: filename <base64>,other <base64>`` as a dict."""
    result: dict[str, str] = {}
    for item in (header or "").split(","):
        parts = item.strip().split(" ")
        if len(parts) == 2:
            result[parts[0]] = base64.b64decode(parts[1]).decode("utf-8", "replace")
        elif parts[0]:
            result[parts[0]] = ""
    return result


def multipart(ctx: Context) -> tuple[dict[str, str], Files]:
    """A ``multipart/form-data`` body as (plain fields, files); ``({}, [])`` for other bodies.

    Files keep their base name only, as Django's uploaded files do.
    """
    content_type = ctx.request.headers.get_header("content-type") or ""
    if not content_type.startswith("multipart/form-data") or not ctx.request.body:
        return {}, []
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + ctx.request.body)
    fields: dict[str, str] = {}
    files: Files = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files.append((filename.replace("\\", "/").rsplit("/", 1)[-1], data))
        elif isinstance(name, str):
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def _valid_name(name: str) -> bool:
    return bool(name) and not name.startswith("/") and ".." not in name.split("/")


def handle_post(ctx: Context, key: str, finish: Finish) -> Response:
    """Dispatch a POST to an uploading endpoint on its headers (see the module docstring)."""
    headers = ctx.request.headers
    start = "upload-start" in headers
    end = "upload-finish" in headers
    if end:
        folder = _folder(ctx, key)
        _, body_files = multipart(ctx)
        response = finish(ctx, [*folder.files, *body_files])
        _drop(ctx, key)  # only once accepted: a refused Upload-Finish can be corrected and resent
        return response
    if start:
        _folder(ctx, key, fresh=True)
        return Response(202, b"", "application/vnd.cvat+json")
    if "upload-length" in headers:
        return _create_tus(ctx, key)
    if "upload-multiple" in headers:
        _, body_files = multipart(ctx)
        for name, _data in body_files:
            if not _valid_name(name):
                raise HttpError(400, f"File name {name} is not allowed")
        folder = _folder(ctx, key)
        folder.files.extend(body_files)
        return Response(200, b"", "application/vnd.cvat+json")
    _, body_files = multipart(ctx)
    return finish(ctx, body_files)


def _create_tus(ctx: Context, key: str) -> Response:
    metadata = parse_metadata(ctx.request.headers.get_header("upload-metadata"))
    filename = metadata.get("filename", "")
    if not _valid_name(filename):
        raise HttpError(400, f"File name {filename} is not allowed")
    try:
        length = int(ctx.request.headers.get_header("upload-length") or "0")
    except ValueError:
        raise HttpError(400, "Upload-Length must be an integer") from None
    if length > TUS_MAX_SIZE:
        raise HttpError(413, f"File size exceeds max limit of {TUS_MAX_SIZE} bytes")
    file_id = str(uuid.uuid4())
    folder = _folder(ctx, key)
    folder.tus[file_id] = TusFile(filename=filename, length=length)
    location = f"{ctx.app.base_url}{ctx.request.path.rstrip('/')}/{file_id}"
    return Response(
        201, b"", None, tus_headers({"Location": location, "Upload-Filename": filename})
    )


def chunk_routes(router: Router, template: str, handler: Handler) -> None:
    """Route ``HEAD``/``PATCH`` of a TUS upload URL. ``HEAD`` is also routed as ``GET``: a
    router that answers ``HEAD`` with the ``GET`` view (as DRF does) finds it there, and
    :func:`handle_chunk` refuses real ``GET`` requests."""
    router.add("HEAD", template, handler)
    router.add("GET", template, handler)
    router.add("PATCH", template, handler)


def handle_chunk(ctx: Context, key: str) -> Response:
    """``HEAD``/``PATCH`` of ``<endpoint>/<file id>``: report the offset, or append a chunk."""
    if ctx.request.method == "GET":
        raise HttpError(405, {"detail": 'Method "GET" not allowed.'}, {"Allow": "HEAD, PATCH"})
    file_id = ctx.params["file_id"]
    folder = _folder(ctx, key)
    tus = folder.tus.get(file_id)
    if tus is None:
        return Response(404, b"", None, tus_headers())
    if ctx.request.method == "HEAD":
        return Response(
            200,
            b"",
            None,
            tus_headers({"Upload-Offset": str(tus.offset), "Upload-Length": str(tus.length)}),
        )
    try:
        offset = int(ctx.request.headers.get_header("upload-offset") or "0")
    except ValueError:
        raise HttpError(400, "Upload-Offset must be an integer") from None
    if offset != tus.offset:
        return Response(409, b"", None, tus_headers({"Upload-Offset": str(tus.offset)}))
    chunk = ctx.request.body
    if tus.offset + len(chunk) > tus.length:
        return Response(413, b"", None, tus_headers())
    tus.buffer.extend(chunk)
    if tus.offset == tus.length:
        folder.files.append((tus.filename, bytes(tus.buffer)))
        del folder.tus[file_id]
    return Response(
        204,
        b"",
        None,
        tus_headers({"Upload-Offset": str(offset + len(chunk)), "Upload-Filename": tus.filename}),
    )


def file_named(files: Files, name: str | None) -> bytes | None:
    """The uploaded file called ``name`` (the last one wins), or the only file if no name."""
    if name:
        for file_name, data in reversed(files):
            if file_name == name:
                return data
        return None
    return files[-1][1] if files else None


def rq_response(rq_id: str) -> Response:
    return Response.json({"rq_id": rq_id}, 202)


def query_flag(ctx: Context, name: str, default: bool) -> bool:
    raw = ctx.query.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("true", "1", "yes")


def as_int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise HttpError(400, {name: ["A valid integer is required."]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HttpError(400, {name: ["A valid integer is required."]}) from None
