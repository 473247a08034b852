"""Regenerate ``data/schema.json`` from ``data/schema.yml`` (run after updating the schema).

LocalCVAT serves ``/api/schema/?format=json`` from the precomputed JSON copy, because PyYAML is
not a runtime dependency. Usage (PyYAML needed, it comes with the test extras)::

    python -m cvatorm.testing.make_schema_json
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def main() -> None:
    import yaml  # type: ignore[import-untyped]

    document = yaml.safe_load((DATA / "schema.yml").read_text(encoding="utf-8"))
    text = json.dumps(document, indent=None, separators=(",", ":"), ensure_ascii=False)
    (DATA / "schema.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
