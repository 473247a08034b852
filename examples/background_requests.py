"""Background requests: find, wait for and cancel what the server runs in the background.

Backs up a new project into a temporary folder (an ``export:backup`` request), then lists the
user's requests with the server's filters, relates one to its project, waits for it, and is
refused a cancel of a finished request. Then asks the serverless functions to auto-annotate:
the embedded test server has a detector; a server without nuclio answers with a typed error.
Everything it creates is deleted again.

Runs against the CVAT server of ``CVAT_URL``, or the embedded test server without one.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import cvatorm
from cvatorm import LambdaFunction, Project, Request
from cvatorm.exceptions import BadRequestError, LambdaUnavailableError


def main() -> None:
    with cvatorm.connect_or_embedded(), tempfile.TemporaryDirectory() as folder:
        project = Project.objects.create(
            name=f"requests demo {uuid.uuid4().hex[:6]}", labels=[{"name": "car"}]
        )
        try:
            project.download_backup(Path(folder) / "backup.zip")
            mine = Request.objects.filter(project_id=project.id, action="export")
            print("What will be sent:", mine.explain().splitlines()[1].strip())
            request = mine.get()
            print(f"Found {request.type} of {request.project!r}: {request.status.value}")
            print("Waited:", request.wait(timeout=60).status.value)
            try:
                request.cancel()
            except BadRequestError as refused:
                print("Cancel refused:", refused.body)
            failed = Request.objects.filter(status="failed").count()
            print("Failed requests of this user:", failed)
            try:
                detectors = list(LambdaFunction.objects.filter(kind="detector"))
                print("Detectors:", [f.name for f in detectors])
            except LambdaUnavailableError as unavailable:
                print("No serverless functions on this server:", unavailable.detail[:60])
        finally:
            project.delete()
            print("Deleted the project")


if __name__ == "__main__":
    main()
