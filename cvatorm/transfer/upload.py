"""Uploading files to CVAT's uploading endpoints (task data, annotations, datasets, backups).

Task data, like cvat-sdk: ``Upload-Start``; small files grouped into multipart ``Upload-Multiple``
requests of at most ``max_request_size`` bytes (many small images cost few requests); every
larger file by resumable TUS (:mod:`cvatorm.transfer.tus`); then ``Upload-Finish`` with the
data parameters, which answers the background request id.

A single file (annotations, dataset, backup): ``Upload-Start``, TUS, ``Upload-Finish`` with the
query parameters (``filename`` is the name the server stored the file under).

A multipart request is not idempotent: CVAT *appends* each received file to the file of that
name in the upload folder, so sending a group again after its reply was lost would double the
files. Hence, when a group fails:

- ``429`` or ``503`` (refused before any work): the same request again, after the client's
  backoff (or ``Retry-After``), up to ``Config.max_retries`` times;
- a broken connection, a gateway error (500/502/504) or an answer that was not CVAT's (the
  server may or may not have stored the files): each file of the group is sent again by TUS,
  whose creation answers ``409 File with same name already exists`` for a file the lost request
  stored, so no file is stored twice and none is missing;
- anything else (a ``400``...): raised.

``Upload-Start`` does nothing on the server but answer ``202`` (CVAT's
``UploadMixin.upload_started``), so it is sent again after any failure a retry may cure, like an
idempotent request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.client import Client
from cvatorm.connection.retry import RetryPolicy
from cvatorm.exceptions import (
    ApiException,
    DeadlineExceededError,
    MalformedResponseError,
    TransportError,
)
from cvatorm.progress import ProgressReporter, reporting
from cvatorm.transfer.tus import TUS_CHUNK_SIZE, tus_upload
from cvatorm.wire.headers import UPLOAD_FINISH, UPLOAD_MULTIPLE, UPLOAD_START

__all__ = ["MAX_REQUEST_SIZE", "UploadPlan", "plan_upload", "upload_file", "upload_files"]

#: cvat-sdk's limit for one multipart request (proxies commonly cap bodies around here).
MAX_REQUEST_SIZE = 100 * 2**20


@dataclass(frozen=True)
class UploadPlan:
    """Which files go together in one multipart request, and which go alone by TUS."""

    groups: tuple[tuple[Path, ...], ...]
    separate: tuple[Path, ...]
    total_size: int


def plan_upload(files: Sequence[Path], max_request_size: int = MAX_REQUEST_SIZE) -> UploadPlan:
    """Group files in order: a file larger than ``max_request_size`` goes by TUS; the others
    fill multipart requests up to ``max_request_size`` bytes each."""
    groups: list[tuple[Path, ...]] = []
    separate: list[Path] = []
    current: list[Path] = []
    current_size = 0
    total = 0
    for path in files:
        size = path.stat().st_size
        total += size
        if size > max_request_size:
            separate.append(path)
            continue
        if current and current_size + size > max_request_size:
            groups.append(tuple(current))
            current, current_size = [], 0
        current.append(path)
        current_size += size
    if current:
        groups.append(tuple(current))
    return UploadPlan(tuple(groups), tuple(separate), total)


def upload_files(
    client: Client,
    endpoint: str,
    files: Sequence[Path],
    *,
    fields: Mapping[str, Any],
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    max_request_size: int = MAX_REQUEST_SIZE,
    chunk_size: int = TUS_CHUNK_SIZE,
) -> requests.Response:
    """Upload task data files to ``endpoint`` (``/api/tasks/<id>/data/``); return the
    ``Upload-Finish`` response. ``fields`` are the ``DataRequest`` parameters."""
    plan = plan_upload(files, max_request_size)
    multipart_fields = {"image_quality": str(fields.get("image_quality", 70))}
    with reporting(progress, plan.total_size, desc="Uploading data", unit="B"):
        _start(client, endpoint, organization=organization)
        for group in plan.groups:
            _send_group(
                client,
                endpoint,
                group,
                multipart_fields,
                organization=organization,
                progress=progress,
                chunk_size=chunk_size,
            )
        for path in plan.separate:
            with path.open("rb") as stream:
                tus_upload(
                    client,
                    endpoint,
                    stream,
                    path.stat().st_size,
                    path.name,
                    organization=organization,
                    progress=progress,
                    chunk_size=chunk_size,
                )
    return client.request(
        "POST",
        endpoint,
        json=dict(fields),
        headers={UPLOAD_FINISH: "true"},
        organization=organization,
    )


def _policy(client: Client) -> RetryPolicy:
    config = client.config
    return RetryPolicy(
        max_retries=config.max_retries,
        backoff_base=config.backoff_base,
        backoff_cap=config.backoff_cap,
        max_retry_after=config.max_retry_after,
    )


def _start(
    client: Client,
    endpoint: str,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg,
) -> None:
    """``Upload-Start``, sent again after failures a retry may cure (it changes nothing)."""
    policy = _policy(client)
    attempt = 0
    while True:
        try:
            client.request(
                "POST",
                endpoint,
                params=dict(params) if params else None,
                headers={UPLOAD_START: "true"},
                organization=organization,
            )
            return
        except DeadlineExceededError:
            raise
        except (ApiException, TransportError) as error:
            headers = error.headers if isinstance(error, ApiException) else None
            if isinstance(error, ApiException) and error.status not in _REFUSED | _AMBIGUOUS:
                raise
            wait = policy.wait_before(attempt, headers)
            if wait is None:
                raise
            client.logger.warning("Upload-Start failed (%s); again in %.2fs", error, wait)
            time.sleep(wait)
            attempt += 1


#: Statuses that refuse a request before the server does anything with it.
_REFUSED = frozenset({429, 503})
#: Statuses after which the server may have stored the files anyway.
_AMBIGUOUS = frozenset({500, 502, 504})


def _send_group(
    client: Client,
    endpoint: str,
    group: Sequence[Path],
    fields: Mapping[str, str],
    *,
    organization: OrganizationArg,
    progress: ProgressReporter,
    chunk_size: int,
) -> None:
    """One ``Upload-Multiple`` request for ``group``, recovered as the module docstring says."""
    policy = _policy(client)
    attempt = 0
    while True:
        payload = [
            (f"client_files[{index}]", (path.name, path.read_bytes()))
            for index, path in enumerate(group)
        ]
        try:
            client.request(
                "POST",
                endpoint,
                data=dict(fields),
                files=payload,
                headers={UPLOAD_MULTIPLE: "true"},
                organization=organization,
            )
        except ApiException as error:
            if error.status in _REFUSED:
                wait = policy.wait_before(attempt, error.headers)
                if wait is None:
                    raise
                client.logger.warning(
                    "upload of %d file(s) refused (%d); again in %.2fs",
                    len(group),
                    error.status,
                    wait,
                )
                time.sleep(wait)
                attempt += 1
                continue
            if error.status not in _AMBIGUOUS:
                raise
            failure: Exception = error
        except DeadlineExceededError:
            raise
        except (TransportError, MalformedResponseError) as error:
            failure = error
        else:
            progress.advance(sum(path.stat().st_size for path in group))
            return
        client.logger.warning(
            "upload of %d file(s) failed (%s); the server may have stored some: sending each "
            "again by TUS, which skips those it has",
            len(group),
            failure,
        )
        for path in group:
            with path.open("rb") as stream:
                tus_upload(
                    client,
                    endpoint,
                    stream,
                    path.stat().st_size,
                    path.name,
                    organization=organization,
                    progress=progress,
                    chunk_size=chunk_size,
                    exists_ok=True,
                )
        return


def upload_file(
    client: Client,
    endpoint: str,
    path: str | os.PathLike[str],
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    chunk_size: int = TUS_CHUNK_SIZE,
) -> requests.Response:
    """Upload one file by TUS to ``endpoint`` and finish with ``params`` as the query (plus
    ``filename``); return the ``Upload-Finish`` response."""
    source = Path(path)
    size = source.stat().st_size
    query = dict(params or {})
    with reporting(progress, size, desc=f"Uploading {source.name}", unit="B"):
        _start(client, endpoint, params=query, organization=organization)
        with source.open("rb") as stream:
            stored = tus_upload(
                client,
                endpoint,
                stream,
                size,
                source.name,
                organization=organization,
                progress=progress,
                chunk_size=chunk_size,
            )
    query["filename"] = stored
    return client.request(
        "POST",
        endpoint,
        params=query,
        headers={UPLOAD_FINISH: "true"},
        organization=organization,
    )
