"""Downloads that never leave a half-written file where the caller expects a whole one.

The body is streamed into a temporary file beside the target (same folder, so the final
``os.replace`` is an atomic rename on the same file system) and moved into place only after it
was checked: the last byte arrived and matched ``Content-Length``, and a zip (announced by the
``Content-Type``, or a ``.zip`` target) opens and every member's CRC matches. An HTML page is
refused by the transport before a byte is written. A connection that breaks mid-body, or a body
that fails the check, is fetched again from the start (the server's export files are immutable)
up to the client's ``max_retries``, within ``Config.download_deadline``; whatever happens, the
temporary file is removed and an existing target, ``overwrite=True`` or not, is replaced only by
a file that passed the check.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import requests

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.client import Client
from cvatorm.exceptions import (
    DeadlineExceededError,
    InvalidArgumentError,
    MalformedResponseError,
    TargetExistsError,
    TransportError,
)
from cvatorm.progress import ProgressReporter, reporting

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
def atomic_file(target: Path, check: Callable[[Path], None] | None = None) -> Iterator[BinaryIO]:
    """A temporary file beside ``target`` (``.<name>.<random>.part``, same folder, so the final
    ``os.replace`` is an atomic rename) to write into; renamed to ``target`` when the block ends
    normally and ``check(temporary path)`` (if given) does not raise, removed otherwise. An
    existing ``target`` is untouched until the rename."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as sink:
            yield sink
        if check is not None:
            check(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def writable_target(output: str | os.PathLike[str], overwrite: bool) -> Path:
    """``output`` as a ``Path``, checked before any request: ``TargetExistsError`` (a
    ``FileExistsError``) if it is an existing file and not ``overwrite`` (a folder is fine: the
    server's file name goes into it); ``InvalidArgumentError`` if it is not a path, or if the
    folder it would be written in cannot be written (the export would run for nothing)."""
    if not isinstance(output, (str, os.PathLike)) or not str(output):
        raise InvalidArgumentError("output", output, "a file or folder path (str or PathLike)")
    target = Path(output)
    if not target.is_dir() and target.exists() and not overwrite:
        raise TargetExistsError(f"{target} exists; pass overwrite=True to replace it")
    folder = target if target.is_dir() else target.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folder is created: its nearest existing ancestor
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidArgumentError("output", str(output), "a path in a folder you can write to")
    return target


def download(
    client: Client,
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
    (``Content-Disposition``) is used. An existing file is a ``TargetExistsError`` (a
    ``FileExistsError``) unless ``overwrite``.
    """
    target = writable_target(output, overwrite)
    attempts = 1 + max(client.config.max_retries, 0)
    limit = client.config.download_deadline
    deadline = None if limit is None else time.monotonic() + limit
    for attempt in range(attempts):
        try:
            return _download_once(
                client, path, target, params, organization, progress, overwrite, desc
            )
        except _BrokenBody as broken:
            out_of_time = deadline is not None and time.monotonic() >= deadline
            if attempt + 1 >= attempts or out_of_time:
                kind = MalformedResponseError if broken.malformed else TransportError
                raise kind(
                    f"download of {path} failed after {attempt + 1} attempt(s): {broken}"
                ) from broken.__cause__
            client.logger.warning("download of %s broke (%s); starting again", path, broken)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class _BrokenBody(Exception):
    """The response body ended early, the connection broke while reading it, or the file
    failed its check (``malformed``)."""

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


def _check_zip(path: Path) -> None:
    """``_BrokenBody`` unless ``path`` is a whole zip: it opens and every CRC matches."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise _BrokenBody(f"the file is not a whole zip ({error})", malformed=True) from None
    if bad is not None:
        raise _BrokenBody(f"the zip is corrupt (member {bad!r})", malformed=True)


def _expects_zip(response: requests.Response, target: Path) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return "zip" in content_type or target.suffix.lower() == ".zip"


def _download_once(
    client: Client,
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
                raise InvalidArgumentError(
                    "output",
                    str(target),
                    f"a file path: the server did not name the file of {path}",
                )
            target = target / name
            if target.exists() and not overwrite:
                raise TargetExistsError(f"{target} exists; pass overwrite=True to replace it")
        expected = _content_length(response)
        target.parent.mkdir(parents=True, exist_ok=True)
        received = 0
        check = _check_zip if _expects_zip(response, target) else None
        with atomic_file(target, check) as sink:
            with reporting(progress, expected, desc=desc, unit="B"):
                try:
                    for block in response.iter_content(_BLOCK):
                        sink.write(block)
                        received += len(block)
                        progress.advance(len(block))
                except requests.exceptions.RequestException as error:
                    if getattr(response, "deadline_exceeded", False):
                        raise DeadlineExceededError(
                            f"download of {path} did not complete within its deadline "
                            f"(Config.download_deadline = {client.config.download_deadline}s)"
                        ) from error
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
