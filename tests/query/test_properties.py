"""Acceptance: for random filters, orderings and slices, a queryset returns exactly what the
same query gives when evaluated in plain Python over every listed object (fetched once).

The oracle below shares no code with the planner: it reads the raw JSON directly. Whichever
side (server or Python) the planner picks for a condition, the results must be the same.
Orderings use fields whose order does not depend on a database collation (numbers, dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvatorm.models import Job, Task, User
from cvatorm.query import Q


def _when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _user(raw: dict[str, Any], key: str) -> Any:
    return (raw.get(key) or {}).get("username")


TASK_FIELDS: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "id": ("number", lambda r: r.get("id")),
    "name": ("text", lambda r: r.get("name")),
    "status": ("text", lambda r: r.get("status")),
    "subset": ("text", lambda r: r.get("subset")),
    "project_id": ("number", lambda r: r.get("project_id")),
    "project__name": ("text", lambda r: r.get("project_name")),
    "owner__username": ("text", lambda r: _user(r, "owner")),
    "assignee__username": ("text", lambda r: _user(r, "assignee")),
    "updated_date": ("datetime", lambda r: _when(r["updated_date"])),
    "created_date": ("datetime", lambda r: _when(r["created_date"])),
    "size": ("number", lambda r: r.get("size")),
    "owner": ("relation", lambda r: (r.get("owner") or {}).get("id")),
    "project": ("relation", lambda r: r.get("project_id")),
}

JOB_FIELDS: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "id": ("number", lambda r: r.get("id")),
    "task_id": ("number", lambda r: r.get("task_id")),
    "task__name": ("text", lambda r: r.get("task_name")),
    "project_id": ("number", lambda r: r.get("project_id")),
    "state": ("text", lambda r: r.get("state")),
    "stage": ("text", lambda r: r.get("stage")),
    "type": ("text", lambda r: r.get("type")),
    "assignee__username": ("text", lambda r: _user(r, "assignee")),
    "start_frame": ("number", lambda r: r.get("start_frame")),
    "updated_date": ("datetime", lambda r: _when(r["updated_date"])),
}

TEXT_LOOKUPS = [
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
    "in",
    "isnull",
    "gt",
    "lte",
]
ORDERED_LOOKUPS = ["exact", "gt", "gte", "lt", "lte", "range", "in", "isnull"]
RELATION_LOOKUPS = ["exact", "in", "isnull"]


def _users_by_id(objects: list[dict[str, Any]]) -> dict[int, User]:
    """Users as the objects embed them, as ``User`` instances (``owner=<User>`` filters)."""
    found: dict[int, User] = {}
    for obj in objects:
        for key in ("owner", "assignee"):
            nested = obj.get(key)
            if isinstance(nested, dict):
                found[nested["id"]] = User._from_wire(dict(nested), client=None)
    return found


def oracle(lookup: str, value: Any, arg: Any) -> bool:
    """Django's meaning of ``lookup``, written out independently."""
    if lookup == "isnull":
        return (value is None) is arg
    if value is None:
        return False
    if lookup == "exact":
        return bool(value == arg)
    if lookup == "in":
        return value in arg
    if lookup == "range":
        return bool(arg[0] <= value <= arg[1])
    compare = {"gt": value > arg, "gte": value >= arg, "lt": value < arg, "lte": value <= arg}
    if lookup in compare:
        return bool(compare[lookup])
    upper_value, upper_arg = value.upper(), arg.upper()
    return {
        "iexact": upper_value == upper_arg,
        "contains": arg in value,
        "icontains": upper_arg in upper_value,
        "startswith": value.startswith(arg),
        "istartswith": upper_value.startswith(upper_arg),
        "endswith": value.endswith(arg),
        "iendswith": upper_value.endswith(upper_arg),
        "regex": re.search(arg, value) is not None,
        "iregex": re.search(arg, value, re.IGNORECASE) is not None,
    }[lookup]


Condition = tuple[Q, Callable[[dict[str, Any]], bool]]


def conditions(
    objects: list[dict[str, Any]], fields: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]]
) -> st.SearchStrategy[Condition]:
    @st.composite
    def leaf(draw: st.DrawFn) -> Condition:
        name = draw(st.sampled_from(sorted(fields)))
        kind, read = fields[name]
        seen = [read(o) for o in objects if read(o) is not None]
        choices = {"text": TEXT_LOOKUPS, "relation": RELATION_LOOKUPS}.get(kind, ORDERED_LOOKUPS)
        lookup = draw(st.sampled_from(choices))
        arg: Any
        users = _users_by_id(objects)
        if kind == "relation" and lookup != "isnull" and name in ("owner", "assignee"):
            # a User object (compared by username on the server) or an id (compared locally)
            ids = draw(st.lists(st.sampled_from(seen), min_size=1, max_size=2))
            as_users = draw(st.booleans())
            values = [users[i] if as_users else i for i in ids]
            orm_arg = values if lookup == "in" else values[0]
            arg = ids if lookup == "in" else ids[0]
            return Q(**{f"{name}__{lookup}": orm_arg}), (
                lambda o, r=read, lk=lookup, a=arg: oracle(lk, r(o), a)
            )
        if lookup == "isnull":
            arg = draw(st.booleans())
        elif lookup == "in":
            arg = draw(st.lists(st.sampled_from(seen), min_size=1, max_size=3))
        elif lookup == "range":
            low, high = sorted(draw(st.lists(st.sampled_from(seen), min_size=2, max_size=2)))
            arg = (low, high)
        elif kind == "text" and lookup not in ("exact", "iexact", "gt", "lte"):
            text = draw(st.sampled_from(seen))
            start = draw(st.integers(0, len(text)))
            piece = text[start : start + draw(st.integers(1, 4))] or "a"
            if draw(st.booleans()):
                piece = piece.swapcase()
            arg = re.escape(piece) if "regex" in lookup else piece
        else:
            arg = draw(st.sampled_from(seen))
        return Q(**{f"{name}__{lookup}": arg}), (
            lambda o, r=read, lk=lookup, a=arg: oracle(lk, r(o), a)
        )

    def combine(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        pairs = st.tuples(children, children)
        return st.one_of(
            pairs.map(lambda p: (p[0][0] & p[1][0], lambda o: p[0][1](o) and p[1][1](o))),
            pairs.map(lambda p: (p[0][0] | p[1][0], lambda o: p[0][1](o) or p[1][1](o))),
            children.map(lambda c: (~c[0], lambda o: not c[1](o))),
        )

    return st.recursive(leaf(), combine, max_leaves=3)


def order_terms(names: list[str]) -> st.SearchStrategy[list[str]]:
    term = st.tuples(st.sampled_from(names), st.booleans()).map(
        lambda t: ("-" if t[1] else "") + t[0]
    )
    return st.lists(term, max_size=2, unique_by=lambda t: t.lstrip("-"))


def oracle_sort(
    objects: list[dict[str, Any]],
    terms: list[str],
    fields: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]],
) -> list[dict[str, Any]]:
    """Ties by descending id (the models' default); nulls last ascending, first descending."""
    result = sorted(objects, key=lambda o: -o["id"])
    for term in reversed(terms):
        read = fields[term.lstrip("-")][1]
        result.sort(
            key=lambda o, r=read: (r(o) is None, r(o) if r(o) is not None else 0),
            reverse=term.startswith("-"),
        )
    return result


def slices() -> st.SearchStrategy[tuple[int, int | None]]:
    return st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 60)))


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


_LISTED: dict[tuple[int, Any], list[dict[str, Any]]] = {}


def listed(client: Any, model: Any) -> list[dict[str, Any]]:
    """Every object, fetched once per test (all examples of a test share the connection)."""
    key = (id(client), model)
    if key not in _LISTED:
        _LISTED.clear()
        _LISTED[key] = [o._raw for o in model.objects.all()]
    return _LISTED[key]


def check(client: Any, model: Any, fields: Any, sortable: list[str], data: st.DataObject) -> None:
    objects = listed(client, model)
    condition, predicate = data.draw(conditions(objects, fields), label="filter")
    terms = data.draw(order_terms(sortable), label="order_by")
    low, high = data.draw(slices(), label="slice")
    queryset = model.objects.filter(condition)
    if terms:
        queryset = queryset.order_by(*terms)
    expected = [o["id"] for o in oracle_sort([o for o in objects if predicate(o)], terms, fields)]
    expected = expected[low:high]
    sliced = queryset[low:high]
    assert [o.id for o in sliced] == expected, queryset.explain()
    assert queryset[low:high].count() == len(expected)
    assert queryset[low:high].exists() is bool(expected)


@SETTINGS
@given(data=st.data())
def test_task_queries_equal_plain_python(orm_connection: Any, data: st.DataObject) -> None:
    check(
        orm_connection,
        Task,
        TASK_FIELDS,
        ["id", "project_id", "updated_date", "created_date", "size"],
        data,
    )


@SETTINGS
@given(data=st.data())
def test_job_queries_equal_plain_python(orm_connection: Any, data: st.DataObject) -> None:
    check(
        orm_connection,
        Job,
        JOB_FIELDS,
        ["id", "task_id", "project_id", "updated_date", "start_frame"],
        data,
    )


@pytest.mark.parametrize("model", [Task, Job])
def test_property_fields_are_real_fields(model: Any) -> None:
    # a typo in the oracle's field table would silently test nothing
    fields = TASK_FIELDS if model is Task else JOB_FIELDS
    for name in fields:
        model.objects.filter(**{name: None})
