"""JSON Logic is built only in the forms CVAT's JsonLogicFilter understands."""

from __future__ import annotations

import json

import pytest

from cvatorm.wire import jsonlogic as jl


def test_comparisons_put_the_variable_first() -> None:
    assert jl.compare("==", "name", "a") == {"==": [{"var": "name"}, "a"]}
    assert jl.compare(">=", "id", 3) == {">=": [{"var": "id"}, 3]}
    with pytest.raises(ValueError):
        jl.compare("!=", "id", 3)


def test_membership_substring_and_range_forms() -> None:
    assert jl.member_of("id", (1, 2)) == {"in": [{"var": "id"}, [1, 2]]}
    assert jl.contains("name", "car") == {"in": ["car", {"var": "name"}]}
    assert jl.between("id", 2, 5) == {"<=": [2, {"var": "id"}, 5]}


def test_null_checks_use_equality_with_null_not_a_bare_var() -> None:
    # A bare {"var": "owner"} is not mapped to owner__username on the server.
    assert jl.is_null("owner") == {"==": [{"var": "owner"}, None]}
    assert jl.is_null("owner", False) == {"!": {"==": [{"var": "owner"}, None]}}


def test_and_or_are_never_empty_and_single_rules_are_not_wrapped() -> None:
    rule = jl.compare("==", "id", 1)
    assert jl.all_of([rule]) == rule
    assert jl.any_of([rule, rule]) == {"or": [rule, rule]}
    with pytest.raises(ValueError):
        jl.all_of([])
    with pytest.raises(ValueError):
        jl.any_of([])


def test_dumps_is_compact_and_keeps_unicode() -> None:
    text = jl.dumps(jl.compare("==", "name", "été"))
    assert text == '{"==":[{"var":"name"},"été"]}'
    assert json.loads(text) == {"==": [{"var": "name"}, "été"]}
