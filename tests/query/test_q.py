from __future__ import annotations

import pytest

from cvatorm.query import Q
from cvatorm.query.q import AND, OR


def test_keyword_arguments_are_anded_in_sorted_order() -> None:
    q = Q(b=2, a=1)
    assert q.connector == AND and not q.negated
    assert q.children == (("a", 1), ("b", 2))
    assert Q(a=1, b=2) == Q(b=2, a=1)


def test_and_or_flatten_same_connector_and_keep_structure() -> None:
    a, b, c = Q(a=1), Q(b=2), Q(c=3)
    assert (a & b & c).children == (("a", 1), ("b", 2), ("c", 3))
    either = a | b
    assert either.connector == OR and either.children == (("a", 1), ("b", 2))
    mixed = (a | b) & c
    assert mixed.connector == AND
    assert mixed.children == (either, ("c", 3))


def test_invert_flips_negation_without_touching_the_original() -> None:
    a = Q(a=1)
    not_a = ~a
    assert not_a.negated and not a.negated
    assert not (~not_a).negated
    assert (~(a | Q(b=2))).connector == OR


def test_empty_q_is_neutral() -> None:
    a = Q(a=1)
    assert (Q() & a) == a and (a | Q()) == a
    assert not Q()


def test_combining_with_non_q_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Q(a=1) & {"a": 1}  # type: ignore[operator]
    with pytest.raises(TypeError):
        Q("a")  # type: ignore[arg-type]


def test_leaves_walk_the_whole_tree() -> None:
    q = (Q(a=1) | ~Q(b=2)) & Q(c=3)
    assert list(q.leaves()) == [("a", 1), ("b", 2), ("c", 3)]
    assert "NOT" in repr(~Q(a=1))
    assert hash(Q(a=[1, 2])) == hash(Q(a=[1, 2]))
