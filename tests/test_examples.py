"""The user-facing examples run as written: against LocalCVAT, or the server of ``CVAT_URL``.

The connection, query and model examples have their own tests beside their layers; these are the
ones a new user meets first (the README's quickstart) and the data examples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_quickstart_queries_creates_and_cleans_up(tmp_path: Path) -> None:
    out = run_example(str(EXAMPLES / "quickstart.py"), cwd=tmp_path)
    assert "Server version: 2." in out
    assert "What will be sent:" in out and "GET /api/tasks?" in out
    assert "Created <Project" in out
    assert out.rstrip().endswith("tasks named 'quickstart': 0")
    if not os.environ.get("CVAT_URL"):
        assert "No CVAT_URL set: started the embedded test server" in out
        assert "Tasks visible: 30" in out


def test_create_task_from_images_example(tmp_path: Path) -> None:
    pytest.importorskip("PIL", reason="the example draws its images with Pillow")
    out = run_example(str(EXAMPLES / "create_task_from_images.py"), cwd=tmp_path)
    assert "frame_0.png: 640x480" in out
    assert "Deleted the task" in out


def test_export_dataset_example_writes_a_zip(tmp_path: Path) -> None:
    pytest.importorskip("PIL", reason="the example's demo task draws its images with Pillow")
    out = run_example(str(EXAMPLES / "export_dataset.py"), cwd=tmp_path)
    written = list(tmp_path.glob("*.zip"))
    assert len(written) == 1 and written[0].stat().st_size > 0
    assert f"Wrote {written[0].name}" in out


def test_the_pipeline_testing_example_passes_under_pytest(tmp_path: Path) -> None:
    out = run_example(
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        str(EXAMPLES / "test_my_pipeline.py"),
        cwd=tmp_path,
    )
    assert "passed" in out and "failed" not in out


def test_webhooks_example_pings_a_loopback_receiver(tmp_path: Path) -> None:
    out = run_example(str(EXAMPLES / "webhooks.py"), cwd=tmp_path)
    assert "Ping delivered: HTTP 200, target said 'thanks'" in out
    assert "Receiver got (event, signature ok): [('ping', True)]" in out
    assert "Active after save: False" in out
    assert out.rstrip().endswith("Cleaned up")
