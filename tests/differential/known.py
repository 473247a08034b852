"""Differences between LocalCVAT and the real server that stay, with the reason.

Keyed by scenario name and step number; each entry also appears in docs/internals/test-suite.md
("Differences from a real server"). A difference not listed here fails the differential tests.
"""

from __future__ import annotations

#: scenario name -> {step number: why the answers differ}
_CRASH = (
    "CVAT 2.64.1 fails with an unhandled exception (500); LocalCVAT answers the 400 its "
    "serializer means to give, which tells the caller what is wrong"
)

KNOWN: dict[str, dict[int, str]] = {
    "task and project fields": {
        10: _CRASH + " (POST /api/tasks with an unknown assignee_id)",
        11: _CRASH + " (POST /api/tasks with a JSON list as the body)",
        20: _CRASH + " (PATCH /api/jobs/<id> with an unknown assignee)",
    },
    "task data parameters": {
        9: _CRASH + " (GET /api/tasks/<id>/data/meta of a task without data)",
    },
    "jobs, exports and imports": {
        4: "seed tasks have no media in LocalCVAT (the database was loaded without the files): "
        "their data endpoints answer a 404 that says so",
    },
    "task with data": {
        12: "previews: CVAT renders a JPEG thumbnail, LocalCVAT serves the first frame as uploaded",
        18: "PUT annotations: CVAT echoes numbers as they were sent (ints stay ints), LocalCVAT "
        "answers them as floats, as both servers do on GET; the values are the same",
    },
}


def without_known(scenario: str, found: list[str]) -> list[str]:
    """``found`` (from ``engine.differences``) without the listed differences of ``scenario``."""
    steps = KNOWN.get(scenario, {})
    return [line for line in found if not any(line.startswith(f"step {n} ") for n in steps)]
