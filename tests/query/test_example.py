"""examples/querying.py runs against the test server and takes the request counts it shows."""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "querying.py"


def test_querying_example_runs_with_the_request_counts_it_claims(
    orm_connection: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("querying_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    @contextlib.contextmanager
    def connect_or_embedded() -> Iterator[Any]:
        yield orm_connection  # the fixtures' "default" connection instead of a new server

    monkeypatch.setattr(module.cvatorm, "connect_or_embedded", connect_or_embedded)
    module.main()
    out = capsys.readouterr().out
    counts: dict[str, int] = {}
    for block in out.split("\n\n"):
        step = re.match(r"\s*(\d+)\.", block)
        sent = re.search(r"\((\d+) request\(s\)\)", block)
        if step and sent:
            counts[step.group(1)] = int(sent.group(1))
    assert counts["1"] == 1  # count()
    assert counts["2"] == 1  # a slice inside one page
    assert counts["5"] == 2  # 20 jobs and their tasks
    assert counts["6"] == 1  # values_list of a slice
    assert "Task matching query does not exist." in out
