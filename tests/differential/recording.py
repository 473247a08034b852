"""The recorded answers of the real server: where they live, how they are written and read.

One file per scenario group, ``tests/differential/recorded/<group>.json``::

    {"server_version": "2.64.1", "recorded_at": "2026-12-04T17:10:00Z",
     "server": "...", "scenarios": {"<scenario name>": [answer, ...]}}

Written by ``record.py`` (run it against a real CVAT freshly reset to its REST-test database);
read by the differential tests, which compare LocalCVAT's answers with them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from differential.engine import Runner
from differential.scenarios import GROUPS

RECORDED = Path(__file__).resolve().parent / "recorded"


def recorded_file(group: str) -> Path:
    return RECORDED / f"{group}.json"


def load(group: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(recorded_file(group).read_text("utf-8"))
    return document


def record(base_url: str, groups: list[str] | None = None) -> list[Path]:
    """Run the scenarios against ``base_url`` and write what it answered."""
    about = requests.get(f"{base_url.rstrip('/')}/api/server/about", timeout=30).json()
    runner = Runner(base_url)
    written = []
    try:
        for group, scenarios in GROUPS.items():
            if groups and group not in groups:
                continue
            document = {
                "server_version": about["version"],
                "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "server": (
                    f"CVAT {about['version']} (cvat-ai/cvat, the REST-test database), "
                    "installed natively by the developers' realcvat scripts"
                ),
                "scenarios": {
                    scenario.name: [answer.as_json() for answer in runner.run(scenario)]
                    for scenario in scenarios
                },
            }
            path = recorded_file(group)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", "utf-8")
            written.append(path)
    finally:
        runner.close()
    return written
