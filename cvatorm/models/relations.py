"""Relations between models: forward (FK-like, ``task.project``) and reverse (``task.jobs``).

CVAT links objects by id: a task carries ``project_id``, an issue ``job``. A *forward* relation
reads that id and fetches the related object once (cached on the instance, and dropped when the
id changes), unless the query layer's ``prefetch_related()`` already put it in
``instance._prefetched[name]``. A *reverse* relation is a queryset over the related resource,
filtered by this object's id and bound to this object's client and organization.

Both are descriptors and both are metadata: ``Task._meta.relations["project"]`` tells the query
layer which local wire key holds the id (``local_field``), which model it points to, and, for
reverse relations, which field of the related model is compared (``remote_field``).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.models.registry import registry
from cvatorm.query.queryset import QuerySet

if TYPE_CHECKING:
    from cvatorm.models.base import Model
    from cvatorm.models.fields import Field

__all__ = [
    "ForwardRelation",
    "LabelsRelation",
    "Relation",
    "ReverseRelation",
    "create_related",
    "with_related_create",
]

#: What a relation reads as, for type checkers: a forward relation's object (``Project | None``
#: when the id may be null), a reverse relation's model (``task.jobs`` is a ``QuerySet[Job]``).
#: Declared on the model: ``project: ForwardRelation[Project | None] = ForwardRelation(...)``;
#: undeclared, it is ``Any``.
R = TypeVar("R")
RM = TypeVar("RM", bound="Model")
_Self = TypeVar("_Self", bound="Relation")


class Relation(abc.ABC):
    """What both kinds share: a name, the owner model, and the related model by resource."""

    kind: ClassVar[Literal["forward", "reverse"]]
    name: str
    model: type[Model]

    def __init__(self, related: str) -> None:
        self._related = related
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.model = owner

    @property
    def related_model(self) -> type[Model]:
        return registry[self._related]

    @property
    @abc.abstractmethod
    def local_field(self) -> str:
        """The wire key on this model's objects that the relation is computed from."""

    def __repr__(self) -> str:
        owner = getattr(self, "model", None)
        where = f"{owner.__name__}." if owner is not None else ""
        return f"<{type(self).__name__} {where}{self.name} -> {self._related}>"


class ForwardRelation(Relation, Generic[R]):
    """``task.project``: the object whose id is in a local field (``None`` when that is null).

    ``field`` names the local id field (``"project_id"``; an issue's ``"job_id"``, read from the
    wire key ``"job"``). Assigning an object (or ``None``) sets that field.
    """

    kind = "forward"

    def __init__(self: ForwardRelation[Any], related: str, *, field: str) -> None:
        super().__init__(related)
        self.field_name = field

    @property
    def field(self) -> Field[Any]:
        """The local field holding the related id (``Task.project_id``)."""
        return self.model._meta.fields[self.field_name]

    @property
    def local_field(self) -> str:
        """The wire key holding the related id (``"task_id"``, an issue's ``"job"``)."""
        return self.field.wire_name

    @property
    def remote_field(self) -> str:
        """The related model's field the id is compared with: its primary key."""
        return self.related_model._meta.pk_name

    def related_id(self, instance: Model) -> Any:
        return instance._read_field(self.field)

    @overload
    def __get__(self: _Self, instance: None, owner: type[Any]) -> _Self: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> R: ...

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        related_id = self.related_id(instance)
        if self.name in instance._prefetched:
            prefetched = instance._prefetched[self.name]
            if prefetched is None or prefetched.pk == related_id:
                return prefetched
        if related_id is None:
            return None
        cached = instance._related.get(self.name)
        if cached is not None and cached.pk == related_id:
            return cached
        obj = self.related_model._fetch(
            related_id, client=instance._connection(), organization=instance._organization
        )
        instance._related[self.name] = obj
        return obj

    def __set__(self, instance: Model, value: R | int) -> None:
        from cvatorm.models.base import Model

        if value is not None and not isinstance(value, Model | int):
            raise ValidationError(
                {self.name: [f"Expected a {self.related_model.__name__}, an id or None."]}
            )
        setattr(instance, self.field_name, value)
        if isinstance(value, Model):
            instance._related[self.name] = value
        else:
            instance._related.pop(self.name, None)
        instance._prefetched.pop(self.name, None)


class ReverseRelation(Relation, Generic[RM]):
    """``task.jobs``: a queryset of the related objects that point at this one.

    ``remote_field`` is the related model's field compared with this object's id
    (``Job.task_id``). With ``by_organization`` (an organization's memberships) the queryset is
    instead run inside this organization (``X-Organization: <slug>``), which is how the server
    scopes memberships and invitations.

    ``write_field`` lets a write-only request field share the relation's name: a task's
    ``labels`` reads as a queryset of ``Label`` objects but is written as a list of label specs.
    """

    kind = "reverse"

    def __init__(
        self: ReverseRelation[Any],
        related: str,
        *,
        remote_field: str | None = None,
        by_organization: bool = False,
        write_field: Field[Any] | None = None,
    ) -> None:
        super().__init__(related)
        if (remote_field is None) == (not by_organization):
            raise TypeError("give exactly one of remote_field and by_organization")
        self.remote_field = remote_field
        self.by_organization = by_organization
        self.write_field = write_field

    def __set_name__(self, owner: type[Any], name: str) -> None:
        super().__set_name__(owner, name)
        if self.write_field is not None:
            self.write_field.__set_name__(owner, name)

    @property
    def prefetchable(self) -> bool:
        """Whether ``prefetch_related()`` can batch it as ``<remote_field>__in=[ids]``."""
        return self.remote_field is not None

    @property
    def not_prefetchable(self) -> str:
        """Why ``prefetch_related()`` refuses it (for the error message)."""
        return "its objects are listed inside each organization, one request per organization"

    @property
    def local_field(self) -> str:
        """The wire key of this model's value the related objects are matched with."""
        if self.by_organization:
            return "slug"
        return self.model._meta.pk_wire_name

    def filter_kwargs(self, instance: Model) -> dict[str, Any]:
        """The lookups that select the related objects of ``instance`` (``{"task_id": 7}``)."""
        if self.remote_field is None:
            return {}
        return {self.remote_field: instance.pk}

    def organization_for(self, instance: Model) -> Any:
        """The organization the related objects are listed in."""
        if self.by_organization:
            return instance._raw.get("slug")
        return instance._organization

    def queryset(self, instance: Model) -> QuerySet[RM]:
        """The related objects of ``instance``, as a lazy queryset."""
        if instance.pk is None:
            raise ValidationError(
                {self.name: [f"{instance!r} is not saved yet: it has no related objects."]}
            )
        qs: QuerySet[RM] = QuerySet(
            self.related_model,  # type: ignore[arg-type]
            using=instance._connection(),
            organization=self.organization_for(instance),
        )
        kwargs = self.filter_kwargs(instance)
        related: QuerySet[RM] = with_related_create(
            qs._related_to(**kwargs) if kwargs else qs, self, instance
        )
        return related

    def prefetched(self, instance: Model, objects: list[Any]) -> QuerySet[RM]:
        """What ``prefetch_related()`` stores for ``instance``: its related queryset, with
        ``objects`` as its results (read by ``__get__`` instead of a new queryset)."""
        return self.queryset(instance)._with_results(objects)

    @overload
    def __get__(self: _Self, instance: None, owner: type[Any]) -> _Self: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> QuerySet[RM]: ...

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        if self.name in instance._prefetched:
            return instance._prefetched[self.name]
        return self.queryset(instance)

    def __set__(self, instance: Model, value: Any) -> None:
        if self.write_field is None:
            raise AttributeError(
                f"{type(instance).__name__}.{self.name} is a reverse relation: change the "
                f"related {self.related_model.__name__} objects instead"
            )
        instance._write_field(self.write_field, value)


class LabelsRelation(ReverseRelation[RM]):
    """``task.labels``/``job.labels``: the labels that apply, which CVAT keeps on the project
    when the task is in one (their ``task_id`` is then null), else on the task.

    So the filter depends on the object: ``project_id=<its project>`` or ``task_id=<its task>``.
    It is not a plain ``remote_field`` match, hence ``remote_field`` is ``None`` and
    ``prefetchable`` is false: batching by ``task_id`` would silently miss project labels.
    """

    @property
    def not_prefetchable(self) -> str:
        return (
            "the labels of each object are its project's when it is in one, else its own, "
            "so no single label field can be matched with the ids"
        )

    def __init__(
        self: LabelsRelation[Any], *, task_field: str, write_field: Field[Any] | None = None
    ) -> None:
        Relation.__init__(self, "labels")
        self.remote_field = None
        self.by_organization = False
        self.write_field = write_field
        self.task_field = task_field

    @property
    def local_field(self) -> str:
        return self.model._meta.fields[self.task_field].wire_name

    def filter_kwargs(self, instance: Model) -> dict[str, Any]:
        fields = instance._meta.fields
        project_id = instance._read_field(fields["project_id"])
        if project_id is not None:
            return {"project_id": project_id}
        return {"task_id": instance._read_field(fields[self.task_field])}


# ---------------------------------------------------------------------------- creating through
# a reverse relation: ``task.jobs.create(...)``, ``project.tasks.create(name=...)``,
# ``task.labels.create(name="car")``. Kept apart from the descriptors: the relation's queryset,
# whatever its class, gets a ``create`` that fills the relation's key (``with_related_create``).


def _related_queryset_create(
    self: Any, spec: Mapping[str, Any] | None = None, /, **kwargs: Any
) -> Any:
    """Create an object related to the instance this queryset came from, the relation's key
    filled in (Django's related manager ``create``; see ``create_related``)."""
    return create_related(self._relation, self._instance, spec, kwargs)


_RELATED_CLASSES: dict[type[Any], type[Any]] = {}


def with_related_create(qs: Any, relation: ReverseRelation[Any], instance: Model) -> Any:
    """``qs`` with a ``create()`` filling ``relation``'s key from ``instance``: its class
    becomes a subclass of its own class (same layout) whose ``create`` is
    ``create_related``; clones keep it."""
    base = type(qs)
    if not getattr(base, "_creates_related", False):
        cls = _RELATED_CLASSES.get(base)
        if cls is None:
            namespace = {
                "__slots__": (),
                "__doc__": base.__doc__,
                "_creates_related": True,
                "create": _related_queryset_create,
                "__reduce__": _related_queryset_reduce,
            }
            cls = type(f"Related{base.__name__}", (base,), namespace)
            _RELATED_CLASSES[base] = cls
        qs.__class__ = cls
    qs._relation = relation
    qs._instance = instance
    return qs


def _related_queryset_reduce(qs: Any) -> tuple[Any, ...]:
    """A related queryset pickles as its plain queryset plus where its ``create`` comes from
    (the instance and the relation's name): the class made here has no importable name."""
    base: Any = type(qs).__mro__[1]
    plain = base.__new__(base)
    plain.__dict__.update(
        {k: v for k, v in qs.__dict__.items() if k not in ("_relation", "_instance")}
    )
    return (_restore_related, (plain, qs._instance, qs._relation.name))


def _restore_related(plain: Any, instance: Model, name: str) -> Any:
    relation = getattr(type(instance), name)
    return with_related_create(plain, relation, instance)


def create_related(
    relation: ReverseRelation[Any],
    instance: Model,
    spec: Mapping[str, Any] | None,
    kwargs: Mapping[str, Any],
) -> Any:
    """A new object related to ``instance`` through ``relation``.

    A creatable related model is created by its own manager's ``create`` with the key filled
    in (``Job.objects.create(task_id=task.id, ...)``), in ``instance``'s organization. Labels,
    which the server creates through the owner's ``labels`` (a PATCH of the task or project),
    are created that way and then read back by name.
    """
    if spec is not None and not isinstance(spec, Mapping):
        raise InvalidArgumentError("spec", spec, "a dict of field values, or None")
    if instance.pk is None:
        raise ValidationError(
            {relation.name: [f"{instance!r} is not saved yet: it cannot have related objects."]}
        )
    values = {**(spec or {}), **kwargs}
    related = relation.related_model
    if related._meta.creatable:
        manager = related.objects.db_manager(
            instance._connection(), organization=relation.organization_for(instance)
        )
        for key, value in relation.filter_kwargs(instance).items():
            _fill_key(relation, related, values, key, value)
        return manager.create(**values)
    if relation.write_field is not None:
        return _create_through_owner(relation, instance, values)
    raise ValidationError(
        f"{related.__name__} objects cannot be created through "
        f"{type(instance).__name__}.{relation.name}"
    )


def _fill_key(
    relation: ReverseRelation[Any],
    related: type[Model],
    values: dict[str, Any],
    key: str,
    value: Any,
) -> None:
    """Set ``values[key]`` to the instance's id; the same key given otherwise (as the field,
    its wire name or the forward relation) is refused rather than silently replaced."""
    field = related._meta.fields[key]
    spellings = {key, field.wire_name, field.write_name}
    spellings |= {
        name
        for name, forward in related._meta.relations.items()
        if getattr(forward, "field_name", None) == key
    }
    for name in spellings:
        if name is None or name not in values:
            continue
        given = values.pop(name)
        given_pk = getattr(given, "pk", given)
        if given_pk != value:
            raise InvalidArgumentError(
                name, given, f"{value!r} or nothing: {relation.name}.create() sets it"
            )
    values[key] = value


def _create_through_owner(
    relation: ReverseRelation[Any], instance: Model, values: dict[str, Any]
) -> Any:
    """``task.labels.create(name="car")``: a PATCH of the owner's ``labels`` with the one new
    label (the server keeps the others), then the label read back by its unique name."""
    name = values.get("name")
    if not isinstance(name, str) or not name:
        raise ValidationError({"name": [f"{relation.name}.create() needs the new label's name."]})
    owner = instance
    if isinstance(relation, LabelsRelation):
        fields = instance._meta.fields
        if relation.task_field != instance._meta.pk_name:
            raise ValidationError(
                {relation.name: [
                    f"the labels of {instance!r} are its task's or project's: create them there"
                ]}
            )
        project_id = instance._read_field(fields["project_id"])
        if project_id is not None:
            raise ValidationError(
                {relation.name: [
                    f"{instance!r} is in project {project_id}, whose labels it uses: create "
                    "the label with project.labels.create(...)"
                ]}
            )
    assert relation.write_field is not None
    relation.write_field.clean([values])  # the label spec checked before the request
    setattr(owner, relation.name, [values])
    owner.save(update_fields=[relation.name])
    return relation.queryset(owner).get(name=name)
