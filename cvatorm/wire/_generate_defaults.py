"""Regenerate ``_defaults.py`` from an OpenAPI schema file (JSON, or YAML with PyYAML).

    python -m cvatorm.wire._generate_defaults cvatorm/testing/data/schema.json

The module records the schema's version (``info.version``): a server of the same major.minor
version uses the bundled table without downloading its schema (see ``capabilities``). The test
suite checks that ``_defaults.py`` is exactly what this script produces from the bundled schema.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cvatorm.wire.capabilities import parse_schema

HEADER = '''"""Capabilities the CVAT {version} schema declares (made by _generate_defaults.py).

Do not edit: run ``python -m cvatorm.wire._generate_defaults cvatorm/testing/data/schema.json``.
"""

from __future__ import annotations

#: The ``info.version`` of the schema this table was generated from.
SCHEMA_VERSION = "{version}"

DEFAULTS: dict[str, dict[str, list[str]]] = '''


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml  # type: ignore[import-untyped]

    return yaml.safe_load(text)


def render(schema: Any) -> str:
    version = str((schema.get("info") or {}).get("version") or "")
    if not version:
        raise ValueError("the schema has no info.version")
    lines = [HEADER.replace("{version}", version) + "{"]
    for name, caps in sorted(parse_schema(schema).items()):
        lines.append(f"    {name!r}: {{")
        for key, values in caps.as_lists().items():
            if not values:
                lines.append(f"        {key!r}: [],")
                continue
            lines.append(f"        {key!r}: [")
            lines.extend(f"            {value!r}," for value in values)
            lines.append("        ],")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines).replace("'", '"') + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else Path("cvatorm/testing/data/schema.json")
    target = Path(__file__).with_name("_defaults.py")
    target.write_text(render(load(source)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
