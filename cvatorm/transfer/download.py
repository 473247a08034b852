"""Downloads that never leave a half-written file where the caller expects a whole one.

The body is streamed into a temporary file beside the target (same folder, so the final
``os.replace`` is an atomic rename on the same file system) and moved into place only after the
last byte arrived and matched ``Content-Length``. A connection that breaks mid-body is retried
from the start (the server's export files are immutable) up to the client's ``max_retries``;
whatever happens, the temporary file is removed and an existing target is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import requests

from cvatorm._sentinels import INHERIT
from cvatorm.exceptions import TransportError
from cvatorm.progress import ProgressReporter, reporting
from cvatorm.transfer.client import OrganizationArg, TransferClient

__all__ = ["atomic_file", "download", "filename_from_disposition", "writable_target"]

_BLOCK = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_\-. ]+$")


def filename_from_disposition(header: str | None) -> str | None:
    """The ``filename=`` of a ``Content-Disposition`` header when it is a plain, safe name
    (no folders, no leading dot, an extension), else ``None``."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename" and value:
            candidate = value.strip().strip('"')
            stem, ext = os.path.splitext(candidate)
            if (
                _SAFE_NAME.match(candidate)
                and not candidate.startswith(".")
                and stem
                and len(ext) > 1
                and len(candidate) < 255
            ):
                return candidate
    return None


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A temporary file beside ``target`` (``.<name>.<random>.part``, same folder, so the final
    ``os.replace`` is an atomic rename) to write into; renamed to ``target`` when the block ends
    normally, removed when it raises. An existing ``target`` is untouched until the rename."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as sink:
            yield sink
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def writable_target(output: str | os.PathLike[str], overwrite: bool) -> Path:
    """``output`` as a ``Path``; ``FileExistsError`` if it is an existing file and not
    ``overwrite`` (a folder is fine: the server's file name goes into it)."""
    target = Path(output)
    if not target.is_dir() and target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    return target


def download(
    client: TransferClient,
    path: str,
    output: str | os.PathLike[str],
    *,
    params: Any = None,
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    overwrite: bool = False,
    desc: str = "Downloading",
) -> Path:
    """GET ``path`` (an ``/api`` path or a ``result_url``) into ``output`` and return the path.

    ``output`` is a file path, or an existing folder: then the server's file name
    (``Content-Disposition``) is used. An existing file is a ``FileExistsError`` unless
    ``overwrite``.
    """
    target = writable_target(output, overwrite)
    attempts = 1 + max(client.config.max_retries, 0)
    for attempt in range(attempts):
        try:
            return _download_once(
                client, path, target, params, organization, progress, overwrite, desc
            )
        except _BrokenBody as broken:
            if attempt + 1 >= attempts:
                raise TransportError(
                    f"download of {path} failed after {attempts} attempt(s): {broken}"
                ) from broken.__cause__
            client.logger.warning("download of %s broke (%s); starting again", path, broken)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class _BrokenBody(Exception):
    """The response body ended early or the connection broke while reading it."""


def _download_once(
    client: TransferClient,
    path: str,
    target: Path,
    params: Any,
    organization: OrganizationArg,
    progress: ProgressReporter,
    overwrite: bool,
    desc: str,
) -> Path:
    response = client.request("GET", path, params=params, organization=organization, stream=True)
    with contextlib.closing(response):
        if target.is_dir():
            name = filename_from_disposition(response.headers.get("Content-Disposition"))
            if name is None:
                raise ValueError(
                    f"the server did not name the file for {path}; give a file path, not a folder"
                )
            target = target / name
            if target.exists() and not overwrite:
                raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
        expected = _content_length(response)
        target.parent.mkdir(parents=True, exist_ok=True)
        received = 0
        with atomic_file(target) as sink:
            with reporting(progress, expected, desc=desc, unit="B"):
                try:
                    for block in response.iter_content(_BLOCK):
                        sink.write(block)
                        received += len(block)
                        progress.advance(len(block))
                except requests.exceptions.RequestException as error:
                    raise _BrokenBody(f"{type(error).__name__}: {error}") from error
            if expected is not None and received != expected:
                raise _BrokenBody(f"received {received} of {expected} bytes")
    return target


def _content_length(response: requests.Response) -> int | None:
    if response.headers.get("Content-Encoding"):
        return None  # the length counts encoded bytes; iter_content yields decoded ones
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None
