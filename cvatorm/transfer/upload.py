"""Uploading files to CVAT's uploading endpoints (task data, annotations, datasets, backups).

Task data, like cvat-sdk: ``Upload-Start``; small files grouped into multipart ``Upload-Multiple``
requests of at most ``max_request_size`` bytes (many small images cost few requests); every
larger file by resumable TUS (:mod:`cvatorm.transfer.tus`); then ``Upload-Finish`` with the
data parameters, which answers the background request id.

A single file (annotations, dataset, backup): ``Upload-Start``, TUS, ``Upload-Finish`` with the
query parameters (``filename`` is the name the server stored the file under).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from cvatorm._sentinels import INHERIT
from cvatorm.progress import ProgressReporter, reporting
from cvatorm.transfer.client import OrganizationArg, TransferClient
from cvatorm.transfer.tus import TUS_CHUNK_SIZE, tus_upload

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
    client: TransferClient,
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
        client.request(
            "POST", endpoint, headers={"Upload-Start": "true"}, organization=organization
        )
        for group in plan.groups:
            payload = [
                (f"client_files[{index}]", (path.name, path.read_bytes()))
                for index, path in enumerate(group)
            ]
            client.request(
                "POST",
                endpoint,
                data=multipart_fields,
                files=payload,
                headers={"Upload-Multiple": "true"},
                organization=organization,
            )
            progress.advance(sum(path.stat().st_size for path in group))
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
        headers={"Upload-Finish": "true"},
        organization=organization,
    )


def upload_file(
    client: TransferClient,
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
        client.request(
            "POST",
            endpoint,
            params=query,
            headers={"Upload-Start": "true"},
            organization=organization,
        )
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
        headers={"Upload-Finish": "true"},
        organization=organization,
    )
