"""Regenerate ``_defaults.py`` from an OpenAPI schema file (YAML or JSON).

    python -m cvatorm.wire._generate_defaults cvatorm/testing/data/schema.yml

Needs PyYAML for a YAML schema (a development tool only; the library never reads YAML).
The test suite checks that the bundled table equals what this script produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cvatorm.wire.capabilities import parse_schema

HEADER = '''"""Capabilities declared by the CVAT 2.64 schema (generated: _generate_defaults.py)."""

from __future__ import annotations

DEFAULTS: dict[str, dict[str, list[str]]] = '''


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml  # type: ignore[import-untyped]

    return yaml.safe_load(text)


def render(schema: Any) -> str:
    lines = [HEADER + "{"]
    for name, caps in sorted(parse_schema(schema).items()):
        lines.append(f"    {name!r}: {{")
        for key, values in caps.as_lists().items():
            lines.append(f"        {key!r}: [")
            lines.extend(f"            {value!r}," for value in values)
            lines.append("        ],")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines).replace("'", '"') + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else Path("cvatorm/testing/data/schema.yml")
    target = Path(__file__).with_name("_defaults.py")
    target.write_text(render(load(source)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
