"""``Q``: a small immutable tree of filter conditions combined with ``&``, ``|`` and ``~``.

A leaf is a ``(lookup_path, value)`` pair such as ``("project__name__icontains", "cat")``; an
inner node has a connector (``AND``/``OR``), a ``negated`` flag and children. The planner walks
this tree to decide which part the server evaluates and which part stays local, so the tree is
kept plain data: no model knowledge here. ``QuerySet.filter()`` resolves the names against its
model once (``planner.resolve_q``, through ``map_leaves``): each leaf then is a ``ResolvedLeaf``,
still a ``(lookup_path, value)`` pair for this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Union

from cvatorm.exceptions import InvalidArgumentError

__all__ = ["AND", "OR", "Leaf", "Q"]

AND = "AND"
OR = "OR"

Leaf = tuple[str, Any]
Child = Union["Q", Leaf]


class Q:
    """Conditions to combine: ``Q(name="a") | ~Q(status="completed")``.

    Keyword arguments are AND-ed, in sorted order (like Django) so that equal queries produce
    equal trees and equal requests.
    """

    __slots__ = ("children", "connector", "negated")

    def __init__(
        self, *args: Child, _connector: str = AND, _negated: bool = False, **kwargs: Any
    ) -> None:
        for arg in args:
            if not isinstance(arg, (Q, tuple)):
                # filter("name") or filter({"name": "x"}): keywords were meant.
                raise InvalidArgumentError(
                    "Q()/filter() positional argument", arg,
                    "a Q object or a (lookup, value) pair (conditions go as keywords)",
                )
        self.children: tuple[Child, ...] = (*args, *sorted(kwargs.items()))
        self.connector = _connector
        self.negated = _negated

    @classmethod
    def _make(cls, children: tuple[Child, ...], connector: str, negated: bool) -> Q:
        q = cls(_connector=connector, _negated=negated)
        q.children = children
        return q

    def _combine(self, other: object, connector: str) -> Q:
        if not isinstance(other, Q):
            raise InvalidArgumentError("the other operand", other, "a Q object")
        if not other:
            return self._copy()
        if not self:
            return other._copy()
        parts: list[Child] = []
        for q in (self, other):
            # Flatten same-connector or one-child non-negated nodes: (a & b) & c == AND(a, b, c).
            if not q.negated and (q.connector == connector or len(q.children) == 1):
                parts.extend(q.children)
            else:
                parts.append(q)
        return Q._make(tuple(parts), connector, False)

    def _copy(self) -> Q:
        return Q._make(self.children, self.connector, self.negated)

    def __and__(self, other: object) -> Q:
        return self._combine(other, AND)

    def __or__(self, other: object) -> Q:
        return self._combine(other, OR)

    def __invert__(self) -> Q:
        return Q._make(self.children, self.connector, not self.negated)

    def __bool__(self) -> bool:
        return bool(self.children)

    def __len__(self) -> int:
        return len(self.children)

    def __iter__(self) -> Iterator[Child]:
        return iter(self.children)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and self.connector == other.connector
            and self.negated == other.negated
            and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.connector, self.negated, _hashable(self.children)))

    def materialized(self) -> Q:
        """The same tree with one-shot iterators (generators) turned into tuples, so that a
        queryset evaluated several times compares with the same values each time."""
        return self.map_leaves(
            lambda leaf: (leaf[0], tuple(leaf[1])) if isinstance(leaf[1], Iterator) else leaf
        )

    def map_leaves(self, func: Callable[[Leaf], Leaf]) -> Q:
        """The same tree (connectors, negations) with every leaf replaced by ``func(leaf)``."""
        children: list[Child] = []
        for child in self.children:
            children.append(child.map_leaves(func) if isinstance(child, Q) else func(child))
        return Q._make(tuple(children), self.connector, self.negated)

    def leaves(self) -> Iterator[Leaf]:
        """Every ``(lookup, value)`` pair in the tree, depth first."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.leaves()
            else:
                yield child

    def __repr__(self) -> str:
        inner = ", ".join(repr(c) for c in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({self.connector}: {inner})>"


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
