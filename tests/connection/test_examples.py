"""The connection examples run, against LocalCVAT (or the server of CVAT_URL), and say so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_connect_and_login_example() -> None:
    out = _run("connect_and_login.py")
    assert "Logged in as" in out
    assert "Wrong password: login as 'admin1'" in out
    assert "connections['default'] is <Client" in out
    if not os.environ.get("CVAT_URL"):
        assert "Token authenticates as admin1" in out
        assert "!Q@W#E$R" not in out


def test_organizations_example() -> None:
    out = _run("organizations.py")
    assert "Main thread context is still: None" in out
    if os.environ.get("CVAT_URL"):
        return
    # LocalCVAT holds the seed data: the counts are known.
    assert "Organizations I can see: ['org3', 'org2', 'org1']" in out
    assert "Tasks, no organization context: 30" in out
    assert "Tasks in my personal workspace: 14" in out
    assert "Tasks in org2: 15" in out
    assert "worker thread in org1: 1 tasks" in out
