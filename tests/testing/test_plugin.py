"""The ``cvatorm`` pytest plugin's ``cvat_server`` fixture, as a user's test suite sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.local_only

USER_TESTS = """
import requests

AUTH = ("admin1", "!Q@W#E$R")


def test_changes_data(cvat_server):
    assert requests.delete(f"{cvat_server.url}/api/tasks/2", auth=AUTH).status_code == 204
    cvat_server.faults.add(path="/api/jobs", status=503, times=None)


def test_sees_fresh_data(cvat_server):
    assert requests.get(f"{cvat_server.url}/api/tasks/2", auth=AUTH).status_code == 200
    assert requests.get(f"{cvat_server.url}/api/jobs", auth=AUTH).status_code == 200
    assert cvat_server.requests[0].path == "/api/tasks/2"
"""


def test_cvat_server_fixture_is_reset_between_tests(tmp_path: Path) -> None:
    (tmp_path / "test_user_suite.py").write_text(USER_TESTS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
