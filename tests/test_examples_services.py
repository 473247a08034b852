"""The background requests and access tokens examples run as written (against LocalCVAT, or
the server of ``CVAT_URL``)."""

from __future__ import annotations

import os
from pathlib import Path

from test_examples import EXAMPLES, run_example


def test_background_requests_example(tmp_path: Path) -> None:
    out = run_example(str(EXAMPLES / "background_requests.py"), cwd=tmp_path)
    assert "GET /api/requests?action=export&project_id=" in out
    assert "Found export:backup of <Project" in out and "Waited: finished" in out
    assert "Cancel refused: Only requests that have not yet been started" in out
    if not os.environ.get("CVAT_URL"):
        assert "Detectors: ['YOLO v3']" in out
    assert out.rstrip().endswith("Deleted the project")
    assert list(tmp_path.iterdir()) == []


def test_access_tokens_example(tmp_path: Path) -> None:
    out = run_example(str(EXAMPLES / "access_tokens.py"), cwd=tmp_path)
    assert "The pipeline authenticates with <AccessToken" in out
    assert "Renamed: <AccessToken" in out and "(renamed)" in out
    assert out.rstrip().endswith("The pipeline is refused now")
