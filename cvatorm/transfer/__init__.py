"""Moving bytes to and from CVAT: uploads (multipart groups and resumable TUS) and downloads
(streamed to a temporary file, moved into place only when complete), with progress.

Nothing here knows tasks or annotations: :mod:`cvatorm.operations` says what to send where.
"""

from __future__ import annotations

from cvatorm.transfer.download import atomic_file, download, writable_target
from cvatorm.transfer.tus import TUS_CHUNK_SIZE, tus_upload
from cvatorm.transfer.upload import (
    MAX_REQUEST_SIZE,
    UploadPlan,
    plan_upload,
    upload_file,
    upload_files,
)
from cvatorm.transfer.waiting import wait_for_request

__all__ = [
    "MAX_REQUEST_SIZE",
    "TUS_CHUNK_SIZE",
    "UploadPlan",
    "atomic_file",
    "download",
    "plan_upload",
    "tus_upload",
    "upload_file",
    "upload_files",
    "wait_for_request",
    "writable_target",
]
