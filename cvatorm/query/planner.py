"""The planner: a filter tree and an ordering -> what the server evaluates, what stays local.

Every leaf of the ``Q`` tree is resolved once, when ``filter()``/``exclude()``/``get()`` is
called (``resolve_q``): its path (``paths``) and its lookup object with the checked value
(``lookups``) travel in the tree as a ``ResolvedLeaf``, so a bad name, lookup or value raises
there, before any request, and planning reuses them instead of parsing the strings again. A leaf
goes to the server only when all of these hold:

- the lookup is exact on the server for the field's kind (``Lookup.server_kinds``);
- ``wire.filtervars`` knows a filter variable that compares exactly what the path reads;
- the server declares that variable in its ``filter_fields`` (``wire.capabilities``).

An AND/OR/NOT subtree goes to the server only when every leaf in it does: a subtree with one
local leaf stays local entirely, since ``A or B`` cannot be split. The top-level AND is split
conjunct by conjunct: server conjuncts become the JSON Logic ``filter``, the others are checked
in Python on what the server returns. The planner knows nothing of HTTP; it returns a ``Plan``.

Ordering goes to the server (``sort``) when every term maps to a declared ordering field;
otherwise the whole ordering is local, which needs every matching object first. The primary key
is appended as a tie-breaker so that page walks are stable and local sorts agree with the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cvatorm.exceptions import CvatOrmError, FieldError, InvalidArgumentError
from cvatorm.query.lookups import Lookup, get_lookup, get_transform
from cvatorm.query.paths import (
    FieldPath,
    RelatedSource,
    ReverseSplit,
    resolve_field,
    resolve_lookup,
    split_reverse,
)
from cvatorm.query.q import AND, Q
from cvatorm.wire import jsonlogic
from cvatorm.wire.capabilities import ResourceCapabilities
from cvatorm.wire.filtervars import filter_var, simple_filter
from cvatorm.wire.jsonlogic import Rule
from cvatorm.wire.listing import MAX_FILTER_URL_CHARS, membership_batches

__all__ = [
    "Condition",
    "Node",
    "OrderTerm",
    "Plan",
    "RelatedLeaf",
    "ResolvedLeaf",
    "compile_q",
    "make_plan",
    "resolve_leaf",
    "resolve_ordering",
    "resolve_q",
]


class ResolvedLeaf(tuple[str, Any]):
    """A ``Q`` leaf ``(key, value)`` resolved against ``path.model``: the field path and the
    lookup object holding the prepared value.

    Still the ``(key, value)`` pair for ``Q`` (equality, hashing, ``&``/``|``/``~`` and
    ``repr`` are unchanged), so querysets combine resolved trees as they combined plain ones.
    """

    path: FieldPath
    lookup: Lookup

    def __new__(cls, key: str, value: Any, path: FieldPath, lookup: Lookup) -> ResolvedLeaf:
        leaf = super().__new__(cls, (key, value))
        leaf.path = path
        leaf.lookup = lookup
        return leaf

    def __getnewargs__(self) -> tuple[Any, ...]:
        # copy/pickle rebuild the leaf with its resolution, not from the bare pair
        return (self[0], self[1], self.path, self.lookup)

    @property
    def key(self) -> str:
        return self[0]

    @property
    def value(self) -> Any:
        return self[1]


def resolve_leaf(model: Any, leaf: tuple[str, Any]) -> ResolvedLeaf:
    """``leaf`` resolved against ``model``: kept as is when it already is; otherwise its key is
    parsed and its value prepared (``FieldError``, ``TypeError``, ``ValueError`` now)."""
    if isinstance(leaf, ResolvedLeaf) and leaf.path.model is model:
        return leaf
    key, value = leaf
    path, lookup_name = resolve_lookup(model, key)
    lookup_cls = get_lookup(lookup_name)
    if lookup_cls is None:  # resolve_lookup only returns registered names
        raise FieldError(f"unknown lookup {lookup_name!r} in {key!r}")
    try:
        lookup = lookup_cls(path.kind, value)
    except CvatOrmError:
        raise
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(key, value, f"a value this lookup takes ({error})") from None
    _check_choices(key, path, lookup_name, lookup.rhs, value)
    return ResolvedLeaf(key, value, path, lookup)


#: Lookups whose values must be among a closed field's choices (others compare text freely).
_CHOICE_LOOKUPS = frozenset({"exact", "in"})


def _check_choices(key: str, path: FieldPath, lookup_name: str, rhs: Any, given: Any) -> None:
    """An enumeration compared with a value it cannot hold would silently match nothing
    (``state="finished"``; the server's states are new, in progress, rejected, completed)."""
    choices = getattr(path.leaf, "choices", None)
    if not choices or lookup_name not in _CHOICE_LOOKUPS or rhs is None:
        return
    values = rhs if lookup_name == "in" else (rhs,)
    wrong = [v for v in values if v not in choices]
    if wrong:
        allowed = ", ".join(repr(c) for c in choices)
        shown = given if lookup_name == "exact" else wrong
        raise InvalidArgumentError(key, shown, f"one of {allowed}")


class RelatedLeaf(ResolvedLeaf):
    """Conditions through a reverse relation (``jobs__state="new"``): "some related object
    matches ``inner``" (SQL's ``EXISTS``), for the object the forward ``split.prefix`` reaches.

    ``inner`` is resolved against the related model; ``admits_missing`` says that an object
    with no related object at all matches too (Django's LEFT JOIN: ``filter(jobs__assignee=
    None)`` keeps a task without jobs, whose joined row has a null assignee). The executor
    replaces the leaf, before planning, by ``<key> in [ids]`` conditions read off one listing
    of the related objects (``subqueries``); the pair is ``(group, inner)``.
    """

    split: ReverseSplit
    inner: Q
    admits_missing: bool

    def __new__(
        cls, model: Any, split: ReverseSplit, inner: Q, admits_missing: bool
    ) -> RelatedLeaf:
        path = resolve_field(model, split.local_key(split.link.pairs[0][1]))
        in_cls = get_lookup("in")
        assert in_cls is not None
        leaf = tuple.__new__(cls, (split.group, inner))
        leaf.path = path
        leaf.lookup = in_cls.trusted(path.kind, ())
        leaf.split = split
        leaf.inner = inner
        leaf.admits_missing = admits_missing
        return leaf

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.path.model, self.split, self.inner, self.admits_missing)


def resolve_q(model: Any, q: Q, *, negated: bool = False) -> Q:
    """The same tree with every leaf a ``ResolvedLeaf`` for ``model`` (what ``filter()``
    stores); leaves already resolved for ``model`` are reused.

    ``q`` is one ``filter()`` call's conditions (``negated`` for ``exclude()``). Conditions
    through a reverse relation become ``RelatedLeaf``s with Django's meaning for multi-valued
    relations: outside any negation, the conditions of one node on the same relation are about
    one related object (``filter(jobs__state="new", jobs__assignee=None)``: a job that is new
    and unassigned); under a negation each condition is its own "no related object matches"
    (``exclude(jobs__state="new", jobs__stage="validation")``: no new job and no job in
    validation, as Django's ``exclude()``). Separate ``filter()`` calls are separate objects.
    """
    resolved = _resolve_node(model, q, negated)
    _positive_groups(resolved, negated)
    return resolved


def _resolve_node(model: Any, q: Q, negated: bool) -> Q:
    inside = negated != q.negated  # the context of this node's children
    children: list[Any] = []
    groups: dict[str, tuple[int, ReverseSplit, list[tuple[str, Any]]]] = {}
    for child in q.children:
        if isinstance(child, Q):
            children.append(_resolve_node(model, child, inside))
            continue
        if isinstance(child, ResolvedLeaf) and child.path.model is model:
            children.append(child)
            continue
        split = split_reverse(model, child[0])
        if split is None:
            children.append(resolve_leaf(model, child))
        elif inside:
            children.append(_related_leaf(model, split, [(split.rest, child[1])], AND, False))
        elif split.group in groups:
            groups[split.group][2].append((split.rest, child[1]))
        else:
            groups[split.group] = (len(children), split, [(split.rest, child[1])])
            children.append(None)
    for index, split, items in groups.values():
        children[index] = _related_leaf(model, split, items, q.connector, True)
    return Q._make(tuple(children), q.connector, q.negated)


def _related_leaf(
    model: Any, split: ReverseSplit, items: list[tuple[str, Any]], connector: str, positive: bool
) -> RelatedLeaf:
    related = split.link.related_model
    inner = resolve_q(related, Q._make(tuple(items), connector, False))
    return RelatedLeaf(model, split, inner, positive and matches_missing(inner))


def matches_missing(q: Q) -> bool:
    """Whether ``q`` holds for an object that does not exist (every value null): the row a
    LEFT JOIN adds for an object without related objects."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(matches_missing(child))
        elif isinstance(child, RelatedLeaf):
            results.append(child.admits_missing)
        else:
            assert isinstance(child, ResolvedLeaf)
            results.append(child.lookup.matches(None))
    result = all(results) if q.connector == AND else any(results)
    return not result if q.negated else result


def _positive_groups(q: Q, negated: bool = False) -> set[str]:
    """The relations ``q`` is about outside negations; ``FieldError`` where Django would join
    one relation once for conditions that this planner would read as several objects."""
    inside = negated != q.negated
    if inside:
        return set()
    seen: set[str] = set()
    shared: set[str] = set()
    for child in q.children:
        found = (
            _positive_groups(child)
            if isinstance(child, Q)
            else ({child.split.group} if isinstance(child, RelatedLeaf) else set())
        )
        if q.connector == AND:
            shared |= seen & found
        seen |= found
    if shared:
        name = sorted(shared)[0]
        raise FieldError(
            f"conditions on '{name}' in several AND-ed parts of one filter() call: Django "
            f"reads them all as one related object through a single join, which cannot be "
            f"planned here. Put them in one Q(...) (one object) or in separate filter() calls "
            f"(any objects)"
        )
    return seen


@dataclass(frozen=True)
class Condition:
    """One resolved leaf: ``path`` compared by ``lookup``; ``rule`` if the server evaluates it."""

    path: FieldPath
    lookup: Lookup
    original: Any
    rule: Rule | None

    def matches(self, raw: Mapping[str, Any], related: RelatedSource | None) -> bool:
        return self.lookup.matches(self.path.value(raw, related))

    def paths(self) -> list[FieldPath]:
        return [self.path]

    def describe(self) -> str:
        return f"{self.path.key}={self.original!r}"


@dataclass(frozen=True)
class Node:
    """An AND/OR of conditions, possibly negated; ``rule`` if the server evaluates all of it."""

    connector: str
    negated: bool
    children: tuple[Node | Condition, ...]
    rule: Rule | None

    def matches(self, raw: Mapping[str, Any], related: RelatedSource | None) -> bool:
        if self.connector == AND:
            result = all(c.matches(raw, related) for c in self.children)
        else:
            result = any(c.matches(raw, related) for c in self.children)
        return not result if self.negated else result

    def paths(self) -> list[FieldPath]:
        return [p for c in self.children for p in c.paths()]

    def describe(self) -> str:
        inner = f" {self.connector} ".join(
            c.describe() if isinstance(c, Condition) or len(c.children) < 2 else f"({c.describe()})"
            for c in self.children
        )
        return f"NOT ({inner})" if self.negated else inner


def _user_names(values: Any, *, many: bool) -> Any:
    """The usernames of User instances (for ``owner=<User>``), or None if one has none."""
    items = list(values) if many else [values]
    names: list[Any] = []
    for item in items:
        if item is None and not many:
            names.append(None)
            continue
        raw = getattr(item, "_raw", None)
        name = raw.get("username") if isinstance(raw, Mapping) else None
        if not isinstance(name, str):
            return _MISSING
        names.append(name)
    return names if many else names[0]


_MISSING = object()


def _server_rule(
    path: FieldPath, lookup: Lookup, original: Any, caps: ResourceCapabilities
) -> Rule | None:
    if path.transform is not None:
        # A part of a datetime: compared as datetime ranges, on the datetime's own variable.
        transform = get_transform(path.transform)
        var = filter_var(path.resource, path.wire_path)
        if transform is None or var is None or var not in caps.filter_fields:
            return None
        return transform.server_rule(lookup, var)
    if path.kind not in lookup.server_kinds:
        return None
    resource = path.resource
    var = filter_var(resource, path.wire_path)
    value = lookup.wire_value()
    if var is None and path.kind == "relation" and lookup.name in ("exact", "in", "isnull"):
        # owner=<User>: the server's owner/assignee variables compare usernames.
        var = filter_var(resource, (*path.wire_path, "username"))
        if var is not None and lookup.name != "isnull":
            value = _user_names(original, many=lookup.name == "in")
            if value is _MISSING:
                return None
    if var is None or var not in caps.filter_fields:
        return None
    rule = lookup.server_rule(var, value)
    if rule is not None and _too_long(rule):
        return None  # a long ``in`` list: checked locally, or walked in batches (make_plan)
    return rule


def _too_long(rule: Rule) -> bool:
    return len(quote(jsonlogic.dumps(rule))) > MAX_FILTER_URL_CHARS


def _batchable(condition: Node | Condition, caps: ResourceCapabilities) -> tuple[str, Any] | None:
    """``(variable, values)`` of a top-level ``in`` condition too long for one URL, which the
    executor can send as several requests (one per batch of values)."""
    if not isinstance(condition, Condition) or condition.rule is not None:
        return None
    path, lookup = condition.path, condition.lookup
    if lookup.name != "in" or path.transform is not None or path.kind not in lookup.server_kinds:
        return None
    var = filter_var(path.resource, path.wire_path)
    if var is None or var not in caps.filter_fields:
        return None
    return var, lookup.wire_value()


def compile_q(model: Any, q: Q, caps: ResourceCapabilities) -> Node:
    """Find the server rules of ``q``'s leaves (resolved by ``filter()``; a plain leaf, from a
    caller building a ``Q`` by hand, is resolved here: ``FieldError`` for unknown names)."""
    children: list[Node | Condition] = []
    for child in q.children:
        if isinstance(child, Q):
            if child:
                children.append(compile_q(model, child, caps))
            continue
        if isinstance(child, RelatedLeaf):
            raise RuntimeError(
                "a reverse-relation condition reached the planner unresolved: "
                "cvatorm.query.subqueries.resolve_related() replaces it first"
            )
        leaf = resolve_leaf(model, child)
        path, lookup, value = leaf.path, leaf.lookup, leaf.value
        children.append(Condition(path, lookup, value, _server_rule(path, lookup, value, caps)))
    rules = [c.rule for c in children]
    rule: Rule | None = None
    if children and all(r is not None for r in rules):
        concrete = [r for r in rules if r is not None]
        rule = jsonlogic.all_of(concrete) if q.connector == AND else jsonlogic.any_of(concrete)
        if q.negated:
            rule = jsonlogic.negate(rule)
    return Node(q.connector, q.negated, tuple(children), rule)


@dataclass(frozen=True)
class OrderTerm:
    path: FieldPath
    descending: bool
    sort_var: str | None

    @property
    def text(self) -> str:
        return ("-" if self.descending else "") + self.path.key


def resolve_ordering(
    model: Any, terms: tuple[str, ...], caps: ResourceCapabilities
) -> tuple[OrderTerm, ...]:
    """Order terms with their server sort variables, plus the primary key as a tie-breaker."""
    meta = model._meta
    resolved: list[OrderTerm] = []
    for term in terms:
        if term == "?":
            raise FieldError("random ordering ('?') is not supported by CVAT")
        descending = term.startswith("-")
        path = resolve_field(model, term.lstrip("-"))
        # a part of a datetime (``created_date__year``) sorts with ties the datetime breaks
        var = None if path.transform else filter_var(path.resource, path.wire_path)
        resolved.append(OrderTerm(path, descending, var if var in caps.ordering_fields else None))
    pk = meta.pk_name
    pk_path = resolve_field(model, pk)
    pk_var = filter_var(pk_path.resource, pk_path.wire_path)
    if pk_var in caps.ordering_fields and not any(
        t.path.wire_path == pk_path.wire_path for t in resolved
    ):
        # Ties broken by the pk, in the direction of the model's default order for it.
        descending = f"{pk}" not in meta.ordering
        resolved.append(OrderTerm(pk_path, descending, pk_var))
    return tuple(resolved)


@dataclass(frozen=True)
class Plan:
    """What to ask the server, and what to do in Python with its answer."""

    model: Any
    resource: str
    server_filter: Rule | None
    sort: tuple[str, ...]
    local_filter: tuple[Node | Condition, ...]
    local_order: tuple[OrderTerm, ...]
    keyset: str | None
    pk_var: str | None
    low: int = 0
    high: int | None = None
    ordering: tuple[OrderTerm, ...] = field(default=())
    #: Simple equality filters sent as they are (``?task_id=7``): a narrowing only, the
    #: conditions they come from stay in ``local_filter``.
    params: tuple[tuple[str, str], ...] = ()
    #: An ``in`` condition too long for one URL, split: the walk is one walk per rule (each
    #: AND-ed with ``server_filter``), merged by primary key. Empty: one walk.
    batches: tuple[Rule, ...] = ()
    #: A top-level ``in`` condition with no values (a reverse relation no object matched):
    #: nothing matches, nothing is sent.
    empty: bool = False

    @property
    def has_local_filter(self) -> bool:
        return bool(self.local_filter)

    @property
    def needs_full_scan(self) -> bool:
        """Counting, slicing and ``exists()`` must read every matching object."""
        return bool(self.local_filter or self.local_order)

    def local_paths(self) -> list[FieldPath]:
        paths = [p for c in self.local_filter for p in c.paths()]
        paths.extend(t.path for t in self.local_order)
        return paths

    def matches(self, raw: Mapping[str, Any], related: RelatedSource | None) -> bool:
        return all(c.matches(raw, related) for c in self.local_filter)


def make_plan(
    model: Any,
    where: Q | None,
    ordering: tuple[str, ...] | None,
    caps: ResourceCapabilities,
    *,
    low: int = 0,
    high: int | None = None,
    narrowing: tuple[tuple[str, Any], ...] = (),
) -> Plan:
    """Split ``where`` and ``ordering`` between the server and Python.

    ``narrowing`` holds ``(field, value)`` equalities known to name an existing object (a
    relation's parent): when the server has no JSON Logic variable for one but declares a
    simple filter for it, that filter is sent too, so that ``project.labels`` reads one page
    instead of every label. The equality itself is also in ``where``.
    """
    meta = model._meta
    server: list[Rule] = []
    local: list[Node | Condition] = []
    resolved: dict[str, FieldPath] = {}
    empty = False
    if where:
        root = compile_q(model, where, caps)
        resolved = {path.key: path for path in root.paths()}
        if root.connector == AND and not root.negated:
            conjuncts: tuple[Node | Condition, ...] = root.children
        else:
            conjuncts = (root,)
        for conjunct in conjuncts:
            if isinstance(conjunct, Condition) and conjunct.lookup.name == "in":
                empty = empty or not conjunct.lookup.rhs
            if conjunct.rule is not None:
                server.append(conjunct.rule)
            else:
                local.append(conjunct)
    terms = resolve_ordering(model, tuple(ordering or meta.ordering), caps)
    pk_path = resolve_field(model, meta.pk_name)
    pk_var = filter_var(pk_path.resource, pk_path.wire_path)
    if pk_var is not None and pk_var not in caps.filter_fields:
        pk_var = None
    if all(t.sort_var is not None for t in terms):
        sort = tuple(("-" if t.descending else "") + str(t.sort_var) for t in terms)
        local_order: tuple[OrderTerm, ...] = ()
    else:
        local_order = terms
        sort = ()
        if pk_var is not None and pk_var in caps.ordering_fields:
            sort = (f"-{pk_var}",)
    keyset = None
    if pk_var is not None and len(sort) == 1 and sort[0].lstrip("-") == pk_var:
        keyset = "desc" if sort[0].startswith("-") else "asc"
    batches: tuple[Rule, ...] = ()
    if keyset is not None:
        batches, local = _split_batches(local, server, caps)
    return Plan(
        model=model,
        resource=meta.resource,
        server_filter=jsonlogic.all_of(server) if server else None,
        sort=sort,
        local_filter=tuple(local),
        local_order=local_order,
        keyset=keyset,
        pk_var=pk_var,
        low=low,
        high=high,
        ordering=terms,
        params=_simple_params(model, narrowing, caps, resolved),
        batches=batches,
        empty=empty,
    )


def _split_batches(
    local: list[Node | Condition], server: list[Rule], caps: ResourceCapabilities
) -> tuple[tuple[Rule, ...], list[Node | Condition]]:
    """The first long ``in`` conjunct as batches of values that fit a URL beside the server
    rules (walks merged by primary key: the plan's order is the pk); the rest stays local."""
    for index, condition in enumerate(local):
        found = _batchable(condition, caps)
        if found is None:
            continue
        var, values = found
        room = MAX_FILTER_URL_CHARS - (
            len(quote(jsonlogic.dumps(jsonlogic.all_of(server)))) if server else 0
        )
        chunks = membership_batches(values, max_chars=max(room, 200))
        rules = tuple(jsonlogic.member_of(var, chunk) for chunk in chunks)
        return rules, local[:index] + local[index + 1 :]
    return (), local


def _simple_params(
    model: Any,
    narrowing: tuple[tuple[str, Any], ...],
    caps: ResourceCapabilities,
    resolved: Mapping[str, FieldPath],
) -> tuple[tuple[str, str], ...]:
    params: list[tuple[str, str]] = []
    for name, value in narrowing:
        # The narrowing's equality is also a leaf of ``where``: its path was resolved there.
        path = resolved.get(name) or resolve_field(model, name)
        if filter_var(path.resource, path.wire_path) in caps.filter_fields:
            continue  # already exact in the JSON Logic filter
        param = simple_filter(path.resource, path.wire_path, value)
        if param is not None and param[0] in caps.simple_filters:
            params.append(param)
    return tuple(params)
