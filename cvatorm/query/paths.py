"""Resolving ``project__name__icontains`` against model metadata, and reading it from objects.

A ``FieldPath`` is the chain of fields a lookup key walks (``project`` then ``name``), with its
spelling on the wire (``("project_id", "name")``) and the kind of its last field, which decides
what lookups apply and whether the server can evaluate them. The kind is the one the field's
class declares (``Field.kind``, inherited by subclasses), or ``relation`` for a field referring
to another model: this module reads attributes of the objects it is given and imports no model.
Unknown names raise ``FieldError`` before any request, listing the valid choices as Django does.

Reading a path from an instance works on the raw JSON: nested objects (a task's ``owner``) are
read in place, values the JSON already carries for a related object (a job's ``task_name``) are
used directly, and other related objects come from a ``RelatedSource`` that the executor fills
in batches (one request per related resource per page, never one per object).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cvatorm.exceptions import FieldError
from cvatorm.query.lookups import KINDS, coerce, get_lookup, get_transform
from cvatorm.wire.filtervars import denormalized_key

__all__ = [
    "FieldPath",
    "RelatedSource",
    "ReverseLink",
    "ReverseSplit",
    "field_kind",
    "pk_of",
    "resolve_field",
    "resolve_lookup",
    "reverse_link",
    "split_reverse",
]

LOOKUP_SEP = "__"


class RelatedSource(Protocol):
    """Where local evaluation finds related objects' raw JSON (filled by the executor)."""

    def raw(self, model: Any, pk: Any) -> Mapping[str, Any] | None: ...


def _related_model(field: Any) -> Any:
    try:
        return getattr(field, "related_model", None)
    except KeyError:  # a related resource no model is registered for
        return None


def field_kind(field: Any) -> str:
    """``relation``, ``text``, ``number``, ``bool``, ``datetime`` or ``other``.

    ``relation`` when the field refers to a registered model (it holds that model's key), else
    the ``kind`` its class declares; an object declaring none is ``other``. A kind no lookup
    knows is a ``FieldError`` naming the field class.
    """
    if _related_model(field) is not None:
        return "relation"
    kind = getattr(field, "kind", "other")
    described = f"{type(field).__name__} '{getattr(field, 'name', field)}'"
    if kind == "relation":
        raise FieldError(f"{described} declares kind 'relation' but refers to no known model")
    if not isinstance(kind, str) or kind not in KINDS:
        known = ", ".join(sorted(KINDS - {"relation"}))
        raise FieldError(f"{described} declares kind {kind!r}; lookups know: {known}")
    return kind


def pk_of(raw: Any) -> Any:
    """The primary key a reference holds: a nested object's ``id``, or the id itself."""
    if isinstance(raw, Mapping):
        return raw.get("id")
    return raw


def _meta(model: Any) -> Any:
    meta = getattr(model, "_meta", None)
    if meta is None:
        raise FieldError(f"{model!r} is not a model")
    return meta


def _relation(meta: Any, name: str) -> tuple[Any, Any] | None:
    """(local id field, related model) of a forward relation (``task`` -> ``task_id``)."""
    relations = getattr(meta, "relations", None) or {}
    relation = relations.get(name) if isinstance(relations, Mapping) else None
    if relation is None or getattr(relation, "kind", "forward") != "forward":
        return None
    field = meta.fields.get(getattr(relation, "field_name", None) or "")
    if field is None:
        return None
    return field, relation.related_model


def _choices(meta: Any) -> str:
    names = set(meta.fields)
    relations = getattr(meta, "relations", None) or {}
    if isinstance(relations, Mapping):
        names.update(n for n, r in relations.items() if getattr(r, "kind", "") == "forward")
    names.add("pk")
    return ", ".join(sorted(names))


@dataclass(frozen=True)
class FieldPath:
    """The fields a key walks from ``model``; the last one is compared or sorted on."""

    model: Any
    key: str
    fields: tuple[Any, ...]
    related: tuple[Any, ...]
    wire_path: tuple[str, ...]
    kind: str
    #: A part of the datetime read (``year``: ``created_date__year``); ``kind`` is then the
    #: part's kind, and the server compares it only as a datetime range.
    transform: str | None = None

    @property
    def resource(self) -> str:
        return str(_meta(self.model).resource)

    @property
    def leaf(self) -> Any:
        return self.fields[-1]

    def raw_value(self, raw: Mapping[str, Any], related: RelatedSource | None) -> Any:
        """The JSON value at this path (a primary key for a relation), or None."""
        shortcut = denormalized_key(self.resource, self.wire_path)
        if shortcut is not None and shortcut in raw:
            return raw[shortcut]
        current: Mapping[str, Any] | None = raw
        last = len(self.fields) - 1
        for index, field in enumerate(self.fields):
            if current is None:
                return None
            value = current.get(field.wire_name)
            if index == last:
                return pk_of(value) if self.kind == "relation" else value
            if value is None:
                return None
            following = self.fields[index + 1].wire_name
            if isinstance(value, Mapping) and following in value:
                current = value
                continue
            if related is None:
                return None
            current = related.raw(self.related[index], pk_of(value))
        return None

    def value(self, raw: Mapping[str, Any], related: RelatedSource | None = None) -> Any:
        """The value lookups compare: converted by the field, then coerced to its kind."""
        value = self.python_value(raw, related)
        return None if value is None else coerce(self.kind, value)

    def python_value(self, raw: Mapping[str, Any], related: RelatedSource | None = None) -> Any:
        """The value ``values()`` returns: the field's Python value (a relation's pk), or the
        part of it a transform takes."""
        value = self.raw_value(raw, related)
        if value is None or self.kind == "relation":
            return value
        value = self.leaf.to_python(value)
        if self.transform is not None and value is not None:
            transform = get_transform(self.transform)
            assert transform is not None  # _walk only records registered names
            value = transform.apply(coerce("datetime", value))
        return value

    @property
    def related_model(self) -> Any:
        """The model the last field refers to (None unless ``kind == "relation"``)."""
        return self.related[-1]


def _step(meta: Any, part: str) -> tuple[Any, Any] | None:
    """(field, related model or None) for one name: a field, a relation, or ``<relation>_id``."""
    field = meta.fields.get(part)
    if field is not None:
        return field, _related_model(field)
    found = _relation(meta, part)
    if found is not None:
        return found
    if part.endswith("_id"):
        found = _relation(meta, part[:-3])
        if found is None:
            field = meta.fields.get(part[:-3])
            if field is not None and _related_model(field) is not None:
                found = field, _related_model(field)
        return found
    return None


def _walk(model: Any, parts: list[str], key: str, *, allow_lookup: bool) -> tuple[FieldPath, str]:
    fields: list[Any] = []
    related: list[Any] = []
    current = model
    lookup = "exact"
    transform: str | None = None
    for index, given in enumerate(parts):
        meta = _meta(current)
        last = index == len(parts) - 1
        part = meta.pk_name if given == "pk" else given
        if transform is not None:
            if allow_lookup and last and get_lookup(part):
                lookup = part
                break
            raise FieldError(
                f"'{key}': after '{transform}' comes a lookup (exact, gt, in...), not '{part}'"
            )
        if fields and related[-1] is not None and current is related[-1] and part == meta.pk_name:
            continue  # project__id is project itself: the reference already holds the key
        step = _step(meta, part)
        if step is None and fields and related[-1] is None and get_transform(part) is not None:
            if field_kind(fields[-1]) != "datetime":
                raise FieldError(
                    f"'{key}': '{part}' takes a part of a datetime; "
                    f"{type(fields[-1]).__name__} '{fields[-1].name}' is not one"
                )
            transform = part
            continue
        if step is None and reverse_link(current, part) is not None:
            owner = getattr(current, "__name__", current)
            raise FieldError(
                f"'{key}': '{part}' is a reverse relation of {owner} (many objects per "
                f"{owner}): it can be filtered on (filter(), exclude()), not ordered by or read "
                "as a value, since Django would repeat the object once per related object"
            )
        if step is None:
            if fields and allow_lookup and last and get_lookup(part):
                lookup = part
                break
            if fields and allow_lookup and last and current is not related[-1]:
                raise FieldError(
                    f"Unsupported lookup '{part}' for {type(fields[-1]).__name__} "
                    f"'{fields[-1].name}' in '{key}'"
                )
            owner = getattr(current, "__name__", current)
            raise FieldError(
                f"Cannot resolve keyword '{part}' into field of {owner}."
                f" Choices are: {_choices(meta)}"
            )
        if fields and current is not (related[-1] if related else None):
            raise FieldError(f"'{key}': '{fields[-1].name}' has no field '{part}'")
        fields.append(step[0])
        related.append(step[1])
        if step[1] is not None and not last:
            following = parts[index + 1]
            if not (allow_lookup and index + 1 == len(parts) - 1 and get_lookup(following)):
                current = step[1]
    if not fields:
        raise FieldError(f"Cannot resolve '{key}' into a field")
    kind = "relation" if related[-1] is not None else field_kind(fields[-1])
    if transform is not None:
        found = get_transform(transform)
        assert found is not None
        kind = found.kind
    path = FieldPath(
        model=model,
        key=key,
        fields=tuple(fields),
        related=tuple(related),
        wire_path=tuple(f.wire_name for f in fields),
        kind=kind,
        transform=transform,
    )
    return path, lookup


@functools.lru_cache(maxsize=1024)
def resolve_lookup(model: Any, key: str) -> tuple[FieldPath, str]:
    """``"project__name__icontains"`` -> (path to Project.name, ``"icontains"``).

    Kept per model and key (a path is immutable and depends on nothing else): a model's
    reverse relations filter by the same key for every object (``task.labels`` on each task
    of a page of 500), and a key that fails raises each time (exceptions are not kept)."""
    return _walk(model, key.split(LOOKUP_SEP), key, allow_lookup=True)


def resolve_field(model: Any, key: str) -> FieldPath:
    """A field path without lookup, for ``order_by``, ``values`` and ``prefetch_related``."""
    path, _ = _walk(model, key.split(LOOKUP_SEP), key, allow_lookup=False)
    return path


# ---------------------------------------------------------------------------- reverse relations


@dataclass(frozen=True)
class ReverseLink:
    """A reverse relation as filters follow it: the related objects of an object ``o`` are those
    whose ``remote`` field equals ``o``'s ``local`` field, for one of the ``pairs``.

    One pair for a plain relation (``Task.jobs``: ``Job.task_id == Task.id``); two for the
    labels of a task or job (its own, ``Label.task_id``, or its project's, ``Label.project_id``).
    """

    name: str
    model: Any
    related_model: Any
    pairs: tuple[tuple[str, str], ...]


def reverse_link(model: Any, name: str) -> ReverseLink | None:
    """The reverse relation ``name`` of ``model`` as a ``ReverseLink``, or None.

    Read off the relation's attributes (this module imports no model): ``remote_field`` for a
    plain relation, ``task_field`` for the labels relation, ``by_organization`` for an
    organization's memberships and invitations (their ``organization_id``).
    """
    meta = getattr(model, "_meta", None)
    relations = getattr(meta, "relations", None) or {}
    relation = relations.get(name) if isinstance(relations, Mapping) else None
    if meta is None or relation is None or getattr(relation, "kind", "") != "reverse":
        return None
    try:
        related = relation.related_model
    except KeyError:
        return None
    related_fields = _meta(related).fields
    pk = meta.pk_name
    remote = getattr(relation, "remote_field", None)
    task_field = getattr(relation, "task_field", None)
    pairs: tuple[tuple[str, str], ...]
    if remote is not None:
        pairs = ((remote, pk),)
    elif task_field is not None and "project_id" in meta.fields:
        pairs = (("task_id", task_field), ("project_id", "project_id"))
    elif getattr(relation, "by_organization", False) and "organization_id" in related_fields:
        pairs = (("organization_id", pk),)
    else:
        return None
    return ReverseLink(name, model, related, pairs)


@dataclass(frozen=True)
class ReverseSplit:
    """``job__task__jobs__state__in`` cut at its reverse relation: the forward ``prefix`` to the
    object owning it (``job__task``; empty for the model itself), the relation, and the ``rest``
    read on the related model (``state__in``; ``pk`` when the key ends at the relation)."""

    prefix: str
    link: ReverseLink
    rest: str

    @property
    def group(self) -> str:
        """The relation as the key spells it: conditions in one ``filter()`` that share it
        are about the same related object."""
        return f"{self.prefix}__{self.link.name}" if self.prefix else self.link.name

    def local_key(self, local: str) -> str:
        return f"{self.prefix}__{local}" if self.prefix else local


@functools.lru_cache(maxsize=1024)
def split_reverse(model: Any, key: str) -> ReverseSplit | None:
    """Where ``key`` crosses a reverse relation, after forward steps only; None if it does
    not (unknown names are left to ``resolve_lookup``'s errors). Kept per model and key, as
    :func:`resolve_lookup`."""
    parts = key.split(LOOKUP_SEP)
    current = model
    for index, given in enumerate(parts):
        meta = _meta(current)
        link = reverse_link(current, given)
        if link is not None:
            rest = parts[index + 1 :]
            related_meta = _meta(link.related_model)
            if not rest or (
                _step(related_meta, rest[0]) is None and rest[0] != "pk" and get_lookup(rest[0])
            ):
                rest = ["pk", *rest]
            return ReverseSplit(LOOKUP_SEP.join(parts[:index]), link, LOOKUP_SEP.join(rest))
        step = _step(meta, meta.pk_name if given == "pk" else given)
        if step is None or step[1] is None:
            return None
        current = step[1]
    return None
