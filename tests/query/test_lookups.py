"""Local evaluation follows Django's semantics; the registry takes a new lookup in one class."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cvatorm.exceptions import FieldError
from cvatorm.query.lookups import Lookup, coerce, get_lookup, lookup_names, register_lookup

UTC = dt.timezone.utc


def check(name: str, kind: str, rhs: Any, lhs: Any) -> bool:
    cls = get_lookup(name)
    assert cls is not None
    return cls(kind, rhs).matches(coerce(kind, lhs))


@pytest.mark.parametrize(
    ("name", "rhs", "lhs", "expected"),
    [
        ("exact", "Car", "Car", True),
        ("exact", "Car", "car", False),
        ("iexact", "Car", "cAR", True),
        ("contains", "ar", "Car", True),
        ("contains", "AR", "Car", False),
        ("icontains", "AR", "Car", True),
        ("startswith", "Ca", "Car", True),
        ("startswith", "ca", "Car", False),
        ("istartswith", "ca", "Car", True),
        ("endswith", "ar", "Car", True),
        ("iendswith", "AR", "Car", True),
        ("regex", r"^C.r$", "Car", True),
        ("regex", r"^c", "Car", False),
        ("iregex", r"^c", "Car", True),
        ("in", ["Car", "Bus"], "Bus", True),
        ("in", ["Car"], "car", False),
        ("contains", "", "x", True),
    ],
)
def test_text_lookups(name: str, rhs: Any, lhs: Any, expected: bool) -> None:
    assert check(name, "text", rhs, lhs) is expected


@pytest.mark.parametrize(
    "name",
    [
        "exact",
        "iexact",
        "contains",
        "icontains",
        "startswith",
        "endswith",
        "regex",
        "gt",
        "lt",
        "in",
        "range",
    ],
)
def test_null_field_values_match_no_comparison(name: str) -> None:
    rhs: Any = {"in": ["a"], "range": ("a", "b")}.get(name, "a")
    assert check(name, "text", rhs, None) is False


def test_exact_none_and_isnull() -> None:
    assert check("exact", "number", None, None) is True
    assert check("exact", "number", None, 3) is False
    assert check("isnull", "number", True, None) is True
    assert check("isnull", "number", False, 0) is True
    with pytest.raises(TypeError):
        check("isnull", "number", "yes", None)


def test_numbers_and_ranges() -> None:
    assert check("gt", "number", 3, 4) and not check("gt", "number", 3, 3)
    assert check("gte", "number", 3, 3) and check("lte", "number", 3, 3)
    assert check("lt", "number", "3", 2)  # "3" is coerced as Django would
    assert check("range", "number", (2, 4), 4) and not check("range", "number", (2, 4), 5)
    with pytest.raises(ValueError):
        check("gt", "number", None, 1)
    with pytest.raises(ValueError):
        check("range", "number", (1,), 1)
    with pytest.raises(TypeError):
        check("in", "number", 5, 5)


def test_in_ignores_none_like_sql() -> None:
    assert check("in", "number", [None, 1], 1)
    assert not check("in", "number", [None], None)


def test_datetimes_compare_aware_and_naive_is_utc() -> None:
    moment = dt.datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert check("gt", "datetime", dt.datetime(2024, 1, 1, 11, 59), moment)
    assert check("exact", "datetime", "2024-01-01T12:00:00Z", moment)
    assert check(
        "exact",
        "datetime",
        dt.datetime(2024, 1, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        moment,
    )
    with pytest.raises(ValueError):
        check("gt", "datetime", "yesterday", moment)


def test_text_lookups_refuse_numbers_before_any_request() -> None:
    cls = get_lookup("icontains")
    assert cls is not None
    with pytest.raises(FieldError):
        cls("number", "1")


def test_a_new_lookup_is_one_small_class() -> None:
    @register_lookup
    class NotEqual(Lookup):
        name = "ne_test"

        def matches(self, lhs: Any) -> bool:
            return lhs is not None and lhs != self.rhs

    try:
        assert "ne_test" in lookup_names()
        assert check("ne_test", "number", 1, 2) and not check("ne_test", "number", 1, 1)
        # a lookup without a server form is always evaluated locally
        assert NotEqual("number", 1).server_rule("id", 1) is None
    finally:
        from cvatorm.query import lookups

        lookups._registry.pop("ne_test")
    with pytest.raises(ValueError):
        register_lookup(type("Bad", (Lookup,), {"name": "a__b"}))


def test_references_compare_primary_keys_and_refuse_names() -> None:
    class Saved:
        _meta = object()
        pk = 7

    class Unsaved:
        _meta = object()
        pk = None

    assert coerce("relation", Saved()) == 7
    assert coerce("relation", "7") == 7
    with pytest.raises(ValueError, match="username"):
        coerce("relation", "admin1")
    with pytest.raises(ValueError, match="not saved"):
        coerce("relation", Unsaved())
