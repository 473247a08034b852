"""``GET /api/requests?filter=``: the real ``NonModelJsonLogicFilter`` over background requests.

Unlike the model filter (:mod:`cvatorm.testing.listing`), the non-model one evaluates the rules
in Python on each request object: no validation of terms up front (an unknown ``var`` is a
``KeyError``, i.e. Django's 500), and an unsupported operation is a 400 naming it.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

from cvatorm.testing.errors import HttpError

Getter = Callable[[str], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "!=": operator.ne,
    "==": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def parse(raw: str) -> Any:
    """The rules of a ``filter`` parameter (None for an empty one)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise HttpError(400, [f"filter: can't parse filter expression: {error}"]) from None


def matches(rules: Any, value_of: Getter) -> bool:
    """``_apply_filter``: ``value_of(name)`` reads one filter field of the request."""
    try:
        return _apply(rules, value_of)
    except (KeyError, TypeError, AttributeError, StopIteration):
        raise HttpError(500, "Server Error (500)") from None


def _apply(rules: Any, value_of: Getter) -> bool:
    op, args = next(iter(rules.items()))
    if op in ("or", "and"):
        results = [_apply(arg, value_of) for arg in args]
        return any(results) if op == "or" else all(results)
    if op == "!":
        return not _apply(args, value_of)
    if op == "var":
        return value_of(args) is not None
    if op in _COMPARE and len(args) == 2:
        return _COMPARE[op](value_of(args[0]["var"]), args[1])
    if op == "in":
        if isinstance(args[0], dict):
            return operator.contains(args[1], value_of(args[0]["var"]))
        return operator.contains(args[0], value_of(args[1]["var"]))
    if op == "<=" and len(args) == 3:
        value = value_of(args[1]["var"])
        return bool(args[0] <= value <= args[2])
    # The requests list keeps the older wording (its own filter code, not JsonLogicFilter's).
    raise HttpError(400, [f"filter: {op} operation with {args} arguments is not implemented"])
