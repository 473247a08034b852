"""Reverse-relation conditions (``Task.objects.filter(jobs__state="new")``) as id lists.

CVAT's filters cannot look across a reverse relation: ``/api/tasks`` has no variable for its
jobs' states. But ``/api/jobs`` can filter on the state, and every job names its task. So a
``RelatedLeaf`` (one "some related object matches" condition, made by ``planner.resolve_q``) is
answered with one listing of the related objects -- the inner conditions split between server
and Python by the same planner, walked 1,000 per page -- whose keys become an ``id in [...]``
condition of the outer listing (``task_id`` of the jobs: ``id in [...]`` on the tasks). The
outer plan then treats it as any other condition: on the server when it fits a URL, split into
batches merged by id when it does not (``Plan.batches``), no request at all when the inner
listing found nothing (``Plan.empty``).

The substitution happens when the queryset is evaluated (each evaluation lists again, as
Django runs its subquery each time). ``explain()`` does it without requests: each inner
listing is a numbered step, and the outer filter names it (``["<step 1: task_id>"]``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import OrganizationArg
from cvatorm.query.executor import MAX_PAGE_SIZE, Executor
from cvatorm.query.lookups import get_lookup
from cvatorm.query.paths import resolve_field
from cvatorm.query.planner import RelatedLeaf, ResolvedLeaf, make_plan
from cvatorm.query.q import AND, OR, Q
from cvatorm.wire.capabilities import capabilities_for

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["IdSet", "has_related", "resolve_related"]


class IdSet(tuple[Any, ...]):
    """The keys an inner listing found: sorted for a deterministic URL, with set membership
    for the local checks (a plain tuple would make each check linear)."""

    _members: frozenset[Any]

    def __new__(cls, values: Iterable[Any]) -> IdSet:
        unique = list(dict.fromkeys(v for v in values if v is not None))
        with contextlib.suppress(TypeError):  # keys of one kind sort; placeholders too
            unique.sort()
        found = super().__new__(cls, unique)
        found._members = frozenset(unique)
        return found

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (tuple(self),)

    def __contains__(self, value: object) -> bool:
        try:
            return value in self._members
        except TypeError:  # an unhashable value is no key
            return False


def has_related(q: Q | None) -> bool:
    """Whether ``q`` holds a reverse-relation condition."""
    return q is not None and any(isinstance(leaf, RelatedLeaf) for leaf in q.leaves())


class _Resolver:
    def __init__(
        self, client: Client, organization: OrganizationArg, steps: list[str] | None
    ) -> None:
        self.client = client
        self.organization = organization
        self.steps = steps

    def tree(self, model: Any, q: Q) -> Q:
        children: list[Any] = []
        for child in q.children:
            if isinstance(child, Q):
                children.append(self.tree(model, child))
            elif isinstance(child, RelatedLeaf):
                children.append(self.leaf(model, child))
            else:
                children.append(child)
        return Q._make(tuple(children), q.connector, q.negated)

    def leaf(self, model: Any, leaf: RelatedLeaf) -> Any:
        """The leaf's replacement: a ``key in [ids]`` leaf, or a node of them."""
        link = leaf.split.link
        found = self.listing(link.related_model, leaf.inner, link.pairs, what=leaf.split.group)
        exists = self._any(model, leaf, found)
        if not leaf.admits_missing:
            return exists
        # Objects without any related object match too: ``NOT (key in <every related key>)``.
        every = self.listing(link.related_model, None, link.pairs, what=f"every {link.name}")
        missing = self._any(model, leaf, every)
        return Q._make((exists, Q._make((missing,), AND, True)), OR, False)

    def _any(self, model: Any, leaf: RelatedLeaf, found: list[IdSet]) -> Any:
        in_cls = get_lookup("in")
        assert in_cls is not None
        conditions: list[Any] = []
        for (_, local), keys in zip(leaf.split.link.pairs, found, strict=True):
            key = leaf.split.local_key(local)
            path = resolve_field(model, key)
            lookup = in_cls.trusted(path.kind, keys)
            conditions.append(ResolvedLeaf(f"{key}__in", keys, path, lookup))
        if len(conditions) == 1:
            return conditions[0]  # a leaf, not a node: a top-level empty ``in`` is seen
        return Q._make(tuple(conditions), OR, False)

    def listing(
        self, related: Any, inner: Q | None, pairs: tuple[tuple[str, str], ...], *, what: str
    ) -> list[IdSet]:
        """The keys (``pairs``' remote fields) of the related objects matching ``inner``: one
        list per pair, read off a single listing."""
        where = self.tree(related, inner) if inner is not None and inner else None
        caps = capabilities_for(self.client, related._meta.resource)
        plan = make_plan(related, where, ("pk",), caps)
        executor = Executor(
            plan, self.client, self.organization, page_size=MAX_PAGE_SIZE
        )
        remotes = [resolve_field(related, remote) for remote, _ in pairs]
        if self.steps is not None:
            number = len(self.steps) + 1
            requests = executor.describe() or ["no request (nothing can match)"]
            local = [c.describe() for c in plan.local_filter]
            checked = f"; checked locally: {' AND '.join(local)}" if local else ""
            names = ", ".join(r.key for r in remotes)
            self.steps.append(
                f"step {number}: {what}: {' '.join(requests)} -> their {names}{checked}"
            )
            return [IdSet([f"<step {number}: {r.key}>"]) for r in remotes]
        keys: list[list[Any]] = [[] for _ in remotes]
        for chunk in executor.batches():
            for raw in chunk:
                for found, remote in zip(keys, remotes, strict=True):
                    found.append(remote.raw_value(raw, None))
        return [IdSet(found) for found in keys]


def resolve_related(
    model: Any,
    where: Q | None,
    client: Client,
    organization: OrganizationArg,
    *,
    steps: list[str] | None = None,
) -> Q | None:
    """``where`` with every reverse-relation condition replaced by ``key in [ids]`` conditions
    (one listing of the related objects each; none when ``where`` has no such condition).

    With ``steps`` (a list to fill, for ``explain()``) nothing is sent: the listings are
    described there and the ids are placeholders naming them.
    """
    if not has_related(where):
        return where
    assert where is not None
    return _Resolver(client, organization, steps).tree(model, where)
