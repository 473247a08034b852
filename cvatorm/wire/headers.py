"""The header names CVAT's protocol uses, spelled once.

``X-Organization`` scopes a request to an organization (``""``: the personal workspace). The
upload protocol (CVAT's ``UploadMixin``) brackets a data upload with ``Upload-Start`` and
``Upload-Finish``, marks grouped small files with ``Upload-Multiple``, and sends large files by
TUS 1.0.0 (``Tus-Resumable``, ``Upload-Length``, ``Upload-Metadata``, ``Upload-Offset``; the
server names the stored file in ``Upload-Filename``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CSRF_HEADER",
    "ORG_HEADER",
    "TUS_RESUMABLE",
    "TUS_VERSION",
    "UPLOAD_FILENAME",
    "UPLOAD_FINISH",
    "UPLOAD_LENGTH",
    "UPLOAD_METADATA",
    "UPLOAD_MULTIPLE",
    "UPLOAD_OFFSET",
    "UPLOAD_START",
]

ORG_HEADER: Final = "X-Organization"
CSRF_HEADER: Final = "X-CSRFToken"

UPLOAD_START: Final = "Upload-Start"
UPLOAD_MULTIPLE: Final = "Upload-Multiple"
UPLOAD_FINISH: Final = "Upload-Finish"

TUS_RESUMABLE: Final = "Tus-Resumable"
TUS_VERSION: Final = "1.0.0"
UPLOAD_LENGTH: Final = "Upload-Length"
UPLOAD_METADATA: Final = "Upload-Metadata"
UPLOAD_OFFSET: Final = "Upload-Offset"
UPLOAD_FILENAME: Final = "Upload-Filename"
