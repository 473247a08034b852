"""Record the real server's answers to the differential scenarios.

    ../shared/realcvat/reset-testdb.sh      # the real server back to its REST-test database
    CVAT_URL=http://127.0.0.1:8080 .venv/bin/python tests/differential/record.py [GROUP ...]

Writes ``tests/differential/recorded/<group>.json`` (all groups unless named), with the
server's version and the date. The scenarios clean up after themselves, so recording twice
gives the same answers; commit the files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, as under pytest

from differential.recording import record


def main(argv: list[str]) -> None:
    url = os.environ.get("CVAT_URL")
    if not url:
        raise SystemExit("set CVAT_URL to the real server (freshly reset) to record from")
    for path in record(url, argv or None):
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
