"""Every example in examples/ runs as written: against LocalCVAT, or the server of ``CVAT_URL``.

Examples are found, not listed: each ``examples/*.py`` script runs with no arguments in an empty
working directory, with ``TMPDIR`` pointing at a folder of the test's own, and must exit 0 and
leave the working directory empty (an example writes only into a temporary or a given folder).
Each ``examples/test_*.py`` runs under pytest, with cvatorm's plugin, and must pass. What an
example prints is checked further where its output is known (``EXPECTED``); an example added
later runs without anything to register here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("test_"))
PYTEST_EXAMPLES = sorted(EXAMPLES.glob("test_*.py"))
ON_LOCAL = not os.environ.get("CVAT_URL")


def run_example(*args: str, cwd: Path, tmp: Path) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmp)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# --------------------------------------------------------------------------- what they print


def _quickstart(out: str, tmp: Path) -> None:
    assert "Server version: 2." in out
    assert "What will be sent:" in out and "GET /api/tasks?" in out
    assert "Created <Project" in out
    assert out.rstrip().endswith("tasks named 'quickstart': 0")
    if ON_LOCAL:
        assert "No CVAT_URL set: started the embedded test server" in out
        assert "Tasks visible: 30" in out


def _create_task_from_images(out: str, tmp: Path) -> None:
    assert "frame_0.png: 640x480" in out
    assert "Deleted the task" in out


def _export_dataset(out: str, tmp: Path) -> None:
    (folder,) = tmp.glob("cvatorm-export-*")  # no OUTPUT given: a new temporary folder
    (written,) = folder.glob("*.zip")
    assert written.stat().st_size > 0
    assert f"Wrote {written}" in out
    assert "Deleted the demo task" in out


def _webhooks(out: str, tmp: Path) -> None:
    assert "Ping delivered: HTTP 200, target said 'thanks'" in out
    assert "Receiver got (event, signature ok): [('ping', True)]" in out
    assert "Active after save: False" in out
    assert out.rstrip().endswith("Cleaned up")


def _connect_and_login(out: str, tmp: Path) -> None:
    assert "Logged in as" in out
    assert "Wrong password: login as 'admin1'" in out
    assert "connections['default'] is <Client" in out
    if ON_LOCAL:
        assert "Token authenticates as admin1" in out
        assert "!Q@W#E$R" not in out


def _organizations(out: str, tmp: Path) -> None:
    assert "Main thread context is still: None" in out
    assert "Created <Project" in out and "in organization" in out
    if ON_LOCAL:  # LocalCVAT holds the seed data: the counts are known.
        assert "Organizations I can see: ['org3', 'org2', 'org1']" in out
        assert "Tasks, no organization context: 30" in out
        assert "Tasks in my personal workspace: 14" in out
        assert "Tasks in org2: 15" in out
        assert "worker thread in org1: 1 tasks" in out


def _background_requests(out: str, tmp: Path) -> None:
    assert "GET /api/requests?action=export&project_id=" in out
    assert "Found export:backup of <Project" in out and "Waited: finished" in out
    assert "Cancel refused: Only requests that have not yet been started" in out
    if ON_LOCAL:
        assert "Detectors: ['YOLO v3']" in out
    assert out.rstrip().endswith("Deleted the project")


def _access_tokens(out: str, tmp: Path) -> None:
    assert "The pipeline authenticates with <AccessToken" in out
    assert "Renamed: <AccessToken" in out and "(renamed)" in out
    assert out.rstrip().endswith("The pipeline is refused now")


def _quality_report(out: str, tmp: Path) -> None:
    assert "Validation frames: (0, 2)" in out
    assert "accuracy 0.50, precision 0.50, recall 0.50 on 2 of 4 frames" in out
    assert "conflict: mismatching_label on frame 2" in out
    assert out.rstrip().endswith("Deleted the task")


def _server_info(out: str, tmp: Path) -> None:
    assert "Computer Vision Annotation Tool 2." in out
    assert "did you mean 'CVAT for images 1.1'" in out
    assert "the share, the first files found:" in out


EXPECTED: dict[str, Callable[[str, Path], None]] = {
    "background_requests.py": _background_requests,
    "access_tokens.py": _access_tokens,
    "quality_report.py": _quality_report,
    "server_info.py": _server_info,
    "quickstart.py": _quickstart,
    "create_task_from_images.py": _create_task_from_images,
    "export_dataset.py": _export_dataset,
    "webhooks.py": _webhooks,
    "connect_and_login.py": _connect_and_login,
    "organizations.py": _organizations,
}


# --------------------------------------------------------------------------- the runs


def test_examples_are_found() -> None:
    assert {p.name for p in SCRIPTS} >= set(EXPECTED)
    assert [p.name for p in PYTEST_EXAMPLES] != []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs_and_writes_only_where_told(script: Path, tmp_path: Path) -> None:
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    out = run_example(str(script), cwd=cwd, tmp=tmp)
    assert sorted(p.name for p in cwd.iterdir()) == [], "wrote into the working directory"
    check = EXPECTED.get(script.name)
    if check is not None:
        check(out, tmp)


def test_export_dataset_writes_where_it_is_told(tmp_path: Path) -> None:
    cwd, tmp, target = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "exports"
    for folder in (cwd, tmp, target):
        folder.mkdir()
    out = run_example(
        str(EXAMPLES / "export_dataset.py"), "--output", str(target), cwd=cwd, tmp=tmp
    )
    (written,) = target.glob("*.zip")
    assert f"Wrote {written}" in out
    assert list(cwd.iterdir()) == [] and list(tmp.iterdir()) == []


@pytest.mark.parametrize("module", PYTEST_EXAMPLES, ids=lambda p: p.name)
def test_pytest_example_passes(module: Path, tmp_path: Path) -> None:
    out = run_example(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(module),
        cwd=tmp_path, tmp=tmp_path,
    )
    assert "passed" in out and "failed" not in out and "error" not in out
