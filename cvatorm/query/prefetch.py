"""``prefetch_related``: related objects for a page of objects, in one request per relation.

Forward relations (``job.task``, ``task.owner``) are loaded with one ``id in [...]`` list
request for the page's distinct ids; reverse relations (``task.jobs``) with one
``<remote_field>__in=[...]`` request, grouped by parent. Results go to
``instance._prefetched[name]`` (the contract with the models layer: a forward relation reads it
instead of fetching; a reverse relation stores the queryset it would return, with the objects
as its known results, ``relation.prefetched(instance, objects)``, so that ``task.jobs`` stays a
queryset: ``count()``, ``all()`` and iteration read the cache, ``filter()`` asks again, as in
Django). ``"task__project"`` prefetches the
tasks, then the projects of those tasks: one request per level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import OrganizationArg
from cvatorm.exceptions import FieldError
from cvatorm.query.executor import RelatedLoader
from cvatorm.query.paths import FieldPath, resolve_field

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["check_prefetch", "prefetch", "prefetch_target"]


def prefetch_target(model: Any, name: str) -> Any:
    """The forward path or reverse relation called ``name``; ``FieldError`` otherwise."""
    relation = model._meta.relations.get(name)
    if relation is not None and getattr(relation, "kind", "") == "reverse":
        if not relation.prefetchable:
            raise FieldError(
                f"cannot prefetch '{name}' of {model.__name__}: {relation.not_prefetchable}"
            )
        return relation
    path = resolve_field(model, name)
    if path.kind != "relation" or len(path.fields) != 1:
        raise FieldError(f"'{name}' is not a relation of {model.__name__} that can be prefetched")
    return path


def _related_model(target: Any) -> Any:
    return target.related_model


def check_prefetch(model: Any, lookup: str) -> None:
    """Validate ``task__project``-style chains before any request."""
    current = model
    for name in lookup.split("__"):
        current = _related_model(prefetch_target(current, name))


def prefetch(
    objects: Sequence[Any],
    model: Any,
    lookups: Sequence[str],
    client: Client,
    organization: OrganizationArg,
) -> None:
    """Fill ``_prefetched`` along every lookup; one request per relation and level."""
    levels: dict[str, list[str]] = {}
    for lookup in lookups:
        first, _, rest = lookup.partition("__")
        levels.setdefault(first, [])
        if rest:
            levels[first].append(rest)
    for name, deeper in levels.items():
        target = prefetch_target(model, name)
        if isinstance(target, FieldPath):
            related = _forward(name, target, objects, client, organization)
        else:
            related = _reverse(name, target, objects, client, organization)
        if deeper and related:
            prefetch(related, _related_model(target), deeper, client, organization)


def _forward(
    name: str,
    path: FieldPath,
    objects: Sequence[Any],
    client: Client,
    organization: OrganizationArg,
) -> list[Any]:
    related_model = path.related_model
    loader = RelatedLoader(client)
    keys = [path.raw_value(obj._raw, None) for obj in objects]
    loader.load(related_model, keys)
    built: dict[Any, Any] = {}
    for obj, key in zip(objects, keys, strict=True):
        if key is not None and key not in built:
            raw = loader.raw(related_model, key)
            built[key] = (
                None
                if raw is None
                else related_model._from_wire(raw, client=client, organization=organization)
            )
        obj._prefetched[name] = built.get(key) if key is not None else None
    return [o for o in built.values() if o is not None]


def _reverse(
    name: str, relation: Any, objects: Sequence[Any], client: Client, organization: OrganizationArg
) -> list[Any]:
    from cvatorm.query.queryset import QuerySet

    keys = list(dict.fromkeys(obj.pk for obj in objects if obj.pk is not None))
    groups: dict[Any, list[Any]] = {key: [] for key in keys}
    found: list[Any] = []
    if keys:
        remote = resolve_field(relation.related_model, relation.remote_field)
        related = QuerySet(relation.related_model, using=client, organization=organization)
        for item in related.filter(**{f"{relation.remote_field}__in": keys}).iterator():
            groups.setdefault(remote.raw_value(item._raw, None), []).append(item)
            found.append(item)
    for obj in objects:
        obj._prefetched[name] = relation.prefetched(obj, groups.get(obj.pk, []))
    return found
