"""A resumable TUS 1.0 upload of one file, as CVAT's ``UploadMixin`` speaks it.

``POST <endpoint>/`` with ``Upload-Length`` and ``Upload-Metadata: filename <base64>`` creates
the upload (``201``, ``Location``, ``Upload-Filename``); each ``PATCH <Location>`` sends one
chunk at ``Upload-Offset`` and the server answers the new offset.

Why this goes past cvat-sdk: a large upload over a real network meets dropped connections and
proxies that time out. When a chunk fails (connection reset, 5xx, ``409`` offset mismatch) we
ask the server where it stands (``HEAD`` -> ``Upload-Offset``) and continue from there, so the
bytes the server already has are never sent twice and a lost reply never corrupts the file.
When the lost reply was the one to the *last* chunk, the server has finished the upload and
forgotten it (CVAT deletes its TUS bookkeeping on completion, so ``HEAD`` answers 404): that
404, and only after the last chunk, means the file is complete.
Only ``max_errors`` failures *in a row* give up: a long upload over a flaky line still ends.

``exists_ok`` (used to recover a multipart request whose reply was lost) treats the creation's
``409 File with same name already exists`` as "the server has this file already".
"""

from __future__ import annotations

import base64
from typing import BinaryIO
from urllib.parse import urlsplit

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.client import Client
from cvatorm.exceptions import (
    ApiException,
    ConflictError,
    DeadlineExceededError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
    TusError,
)
from cvatorm.progress import ProgressReporter
from cvatorm.wire.headers import (
    TUS_RESUMABLE,
    TUS_VERSION,
    UPLOAD_FILENAME,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_OFFSET,
)

__all__ = ["MAX_CONSECUTIVE_ERRORS", "TUS_CHUNK_SIZE", "TusError", "tus_upload"]

#: cvat-sdk's chunk size: small enough for proxies' body limits, big enough to be fast.
TUS_CHUNK_SIZE = 10 * 2**20
MAX_CONSECUTIVE_ERRORS = 5
_TUS = {TUS_RESUMABLE: TUS_VERSION}


def _metadata(values: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in values.items()
    )


def _location_path(location: str) -> str:
    """The upload URL as a path on our server (a proxy may have built it with another host)."""
    parts = urlsplit(location)
    if not parts.scheme:
        return location
    return parts.path + (f"?{parts.query}" if parts.query else "")


def tus_upload(
    client: Client,
    endpoint: str,
    stream: BinaryIO,
    size: int,
    filename: str,
    *,
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    chunk_size: int = TUS_CHUNK_SIZE,
    max_errors: int = MAX_CONSECUTIVE_ERRORS,
    exists_ok: bool = False,
) -> str:
    """Upload ``size`` bytes of ``stream`` as ``filename`` to ``endpoint`` (an ``/api`` path
    ending in ``/``); return the name the server stored it under (``Upload-Filename``)."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
        raise InvalidArgumentError("chunk_size", chunk_size, "an int > 0 (bytes)")
    try:
        created = client.request(
            "POST",
            endpoint,
            headers={
                **_TUS,
                UPLOAD_LENGTH: str(size),
                UPLOAD_METADATA: _metadata({"filename": filename}),
            },
            organization=organization,
        )
    except ConflictError:
        if not exists_ok:
            raise
        client.logger.info("upload of %s: the server has it already", filename)
        progress.advance(size)
        return filename
    location = created.headers.get("Location")
    stored_name = created.headers.get(UPLOAD_FILENAME) or filename
    if not location:
        raise TusError(f"the server sent no Location for the upload of {filename}")
    upload_path = _location_path(location)
    offset = 0
    errors = 0
    while offset < size:
        stream.seek(offset)
        chunk = stream.read(min(chunk_size, size - offset))
        try:
            response = client.request(
                "PATCH",
                upload_path,
                data=chunk,
                headers={
                    **_TUS,
                    UPLOAD_OFFSET: str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
                organization=organization,
            )
            new_offset = _offset(response.headers.get(UPLOAD_OFFSET), filename)
            if new_offset < offset + len(chunk):
                raise TusError(f"the server did not accept the chunk at {offset} of {filename}")
        except (TransportError, ApiException) as error:
            if isinstance(error, ApiException) and not _resumable(error):
                raise
            if isinstance(error, DeadlineExceededError):
                raise
            errors += 1
            client.logger.warning(
                "upload of %s: chunk at %d failed (%s); asking the server where to resume",
                filename,
                offset,
                error,
            )
            if errors >= max_errors:
                raise TusError(
                    f"upload of {filename} failed {errors} times in a row; last error: {error}"
                ) from error
            try:
                head = client.request(
                    "HEAD", upload_path, headers=dict(_TUS), organization=organization
                )
            except NotFoundError:
                if offset + len(chunk) < size:
                    raise TusError(
                        f"the server forgot the upload of {filename} at {offset} of {size} bytes"
                    ) from error
                # The last chunk arrived: the server completed the file and forgot the upload.
                client.logger.info("upload of %s: complete (the reply was lost)", filename)
                new_offset = size
            else:
                new_offset = _offset(head.headers.get(UPLOAD_OFFSET), filename)
        else:
            errors = 0
        if not offset <= new_offset <= size:
            if new_offset < offset and new_offset >= 0:
                client.logger.warning("server rewound upload of %s to %d", filename, new_offset)
            else:
                raise TusError(f"the server reported offset {new_offset} for {filename}")
        progress.advance(new_offset - offset)
        offset = new_offset
    return stored_name


def _resumable(error: ApiException) -> bool:
    return error.status >= 500 or error.status in (408, 409, 429)


def _offset(value: str | None, filename: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise TusError(f"the server sent no valid Upload-Offset for {filename}") from None
