"""examples/fix_assignees.py runs against the test server; its dry run changes nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cvatorm.connection import Client

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fix_assignees.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fix_assignees_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.covers("GET /api/jobs", call="Job.objects.filter(...)")
@pytest.mark.covers("GET /api/tasks", call="Task.objects.filter(...)")
@pytest.mark.covers("GET /api/users", call="User.objects.filter(...)")
def test_dry_run_reports_without_writing(
    orm_connection: Client, traffic: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example()
    traffic.clear()
    assert example.fix("org2", apply=False) == 0
    printed = capsys.readouterr().out
    assert "assigned task(s)" in printed
    assert {e.method for e in traffic} == {"GET"}
    listed = traffic.select("GET", "/api/tasks")
    assert listed and all(e.request_headers.get("X-Organization") == "org2" for e in listed)
    assert traffic.count("GET", "/api/jobs") == 1  # jobs prefetched in one request
