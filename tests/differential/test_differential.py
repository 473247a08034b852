"""LocalCVAT answers as the real CVAT does: the same request sequences, the same answers.

Always: every scenario is sent to a LocalCVAT freshly reset to its seed data and compared with
the real server's recorded answers (``recorded/*.json``, written by ``record.py``). With
``CVAT_URL`` set, every scenario is also sent live to that server and to LocalCVAT, and the two
are compared with each other. Differences that stay are listed in ``known.py`` (and in
docs/internals/test-suite.md) with their reason; they are left out of the comparison, nothing
else is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cvatorm.testing import LocalCVAT
from differential.engine import Runner, Scenario, differences, iter_scenarios
from differential.known import without_known
from differential.recording import load
from differential.scenarios import GROUPS

CASES = [
    pytest.param(group, scenario, id=f"{group}: {scenario.name}")
    for group, scenario in iter_scenarios(GROUPS)
]


@pytest.fixture(scope="module")
def local() -> Iterator[LocalCVAT]:
    with LocalCVAT() as server:
        yield server


def run_local(server: LocalCVAT, scenario: Scenario) -> list[dict[str, object]]:
    server.reset()
    runner = Runner(server.url)
    try:
        return [answer.as_json() for answer in runner.run(scenario)]
    finally:
        runner.close()


@pytest.mark.parametrize(("group", "scenario"), CASES)
def test_local_cvat_answers_as_recorded(local: LocalCVAT, group: str, scenario: Scenario) -> None:
    document = load(group)
    assert scenario.name in document["scenarios"], f"not recorded: run record.py {group}"
    expected = document["scenarios"][scenario.name]
    actual = run_local(local, scenario)
    found = without_known(scenario.name, differences(expected, actual))
    assert not found, "\n".join(found)


@pytest.mark.skipif(not os.environ.get("CVAT_URL"), reason="live: needs CVAT_URL")
@pytest.mark.parametrize(("group", "scenario"), CASES)
def test_local_cvat_answers_as_the_live_server(
    local: LocalCVAT, group: str, scenario: Scenario
) -> None:
    live = Runner(os.environ["CVAT_URL"])
    try:
        expected = [answer.as_json() for answer in live.run(scenario)]
    finally:
        live.close()
    actual = run_local(local, scenario)
    found = without_known(scenario.name, differences(expected, actual))
    assert not found, "\n".join(found)
