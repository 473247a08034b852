"""JSON Logic as CVAT's ``filter`` parameter understands it (``cvat/apps/engine/filters.py``).

The server turns each rule into a Django ``Q``: ``==``/``<``/``<=``/``>``/``>=`` compare a
filter variable with a value, ``{"in": [var, [..]]}`` is membership, ``{"in": ["text", var]}``
is a case-sensitive substring (``__contains``), ``{"<=": [a, var, b]}`` is an inclusive range,
``and``/``or`` take non-empty lists and ``!`` negates. Only these forms are built here, so that a
rule we send always means what the planner thinks it means.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "Rule",
    "all_of",
    "any_of",
    "between",
    "compare",
    "contains",
    "dumps",
    "is_null",
    "member_of",
    "negate",
    "var",
]

Rule = dict[str, Any]

_COMPARISONS = frozenset({"==", "<", "<=", ">", ">="})


def var(name: str) -> Rule:
    return {"var": name}


def compare(op: str, name: str, value: Any) -> Rule:
    """``{"op": [{"var": name}, value]}`` for ``==``, ``<``, ``<=``, ``>``, ``>=``."""
    if op not in _COMPARISONS:
        raise ValueError(f"not a JSON Logic comparison CVAT accepts: {op!r}")
    return {op: [var(name), value]}


def between(name: str, low: Any, high: Any) -> Rule:
    """Inclusive range, the 3-argument ``<=`` (``__gte`` and ``__lte`` on the server)."""
    return {"<=": [low, var(name), high]}


def member_of(name: str, values: Sequence[Any]) -> Rule:
    return {"in": [var(name), list(values)]}


def contains(name: str, text: str) -> Rule:
    """Case-sensitive substring (Django ``__contains``)."""
    return {"in": [text, var(name)]}


def is_null(name: str, null: bool = True) -> Rule:
    """``== null``: Django turns ``exact=None`` into ``isnull``, through the variable's mapping.

    A bare ``{"var": name}`` would be the shorter "not null", but the server does not map a bare
    variable through its lookup table (``owner`` would not become ``owner__username``), so the
    ``== null`` form is the one that means the same thing for every filter variable.
    """
    rule = compare("==", name, None)
    return rule if null else negate(rule)


def negate(rule: Rule) -> Rule:
    return {"!": rule}


def all_of(rules: Sequence[Rule]) -> Rule:
    if not rules:
        raise ValueError("CVAT refuses an empty 'and'")
    return rules[0] if len(rules) == 1 else {"and": list(rules)}


def any_of(rules: Sequence[Rule]) -> Rule:
    if not rules:
        raise ValueError("CVAT refuses an empty 'or'")
    return rules[0] if len(rules) == 1 else {"or": list(rules)}


def dumps(rule: Rule) -> str:
    """Compact, deterministic text for the ``filter`` query parameter."""
    return json.dumps(rule, separators=(",", ":"), ensure_ascii=False)
