"""``Model._meta``: what the other layers may know about a model, in one object.

The query layer reads ``resource``, ``fields`` (declaration order), ``pk_name``, ``ordering``
and ``relations``; everything that talks to the server reads ``api``, the resource descriptor
(:class:`cvatorm.wire.resource.Resource`: paths, primary key, operations, actions, filter
variables). Keeping this in one place (Django's ``Options``) means the model classes themselves
hold only field and relation declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cvatorm.exceptions import FieldError
from cvatorm.wire.resource import Resource

if TYPE_CHECKING:
    from cvatorm.models.base import Model
    from cvatorm.models.fields import Field
    from cvatorm.models.relations import Relation

__all__ = ["Options"]

_META_KEYS = frozenset({"api", "ordering", "repr_field"})


class Options:
    """Per-model metadata, built by the metaclass from the fields and the inner ``Meta``.

    - ``api``: the resource descriptor (``Meta.api``, named after the class when it declares no
      name: ``Task`` -> ``tasks``); ``None`` only on abstract bases;
    - ``resource``: the descriptor's name (``"tasks"``), ``""`` for abstract bases;
    - ``fields``: ``{name: Field}`` in declaration order (the pk first);
    - ``pk_name``: the field holding the descriptor's primary key (``"id"``; ``"key"``);
    - ``ordering``: the server's default order (``("-id",)``, labels ``("id",)``);
    - ``relations``: ``{name: Relation}``, forward (FK-like) and reverse (one-to-many);
    - ``repr_field``: the field shown by ``repr`` next to the pk (``name``, ``username``...).
    """

    def __init__(self, model: type[Model], meta: Any, fields: Mapping[str, Field[Any]],
                 relations: Mapping[str, Relation]) -> None:
        declared = {k for k in vars(meta) if not k.startswith("_")} if meta is not None else set()
        unknown = declared - _META_KEYS
        if unknown:
            raise TypeError(f"{model.__name__}.Meta: unknown option(s) {sorted(unknown)}")
        self.model = model
        api = getattr(meta, "api", None)
        if api is not None and not isinstance(api, Resource):
            raise TypeError(f"{model.__name__}.Meta.api must be a Resource, not {api!r}")
        self.api: Resource | None = api.named_after(model.__name__) if api is not None else None
        self.resource: str = self.api.name if self.api is not None else ""
        self.ordering: tuple[str, ...] = tuple(getattr(meta, "ordering", ("-id",)))
        self.repr_field: str | None = getattr(meta, "repr_field", None)
        self.fields: dict[str, Field[Any]] = dict(fields)
        self.relations: dict[str, Relation] = dict(relations)
        self.fields_by_wire_name: dict[str, Field[Any]] = {
            f.wire_name: f for f in self.fields.values() if not f.write_only
        }
        pk_wire = self.api.pk if self.api is not None else "id"
        pk_field = next(
            (f for f in self.fields.values() if f.wire_name == pk_wire and not f.write_only), None
        )
        if self.api is not None and pk_field is None:
            raise TypeError(f"{model.__name__}: primary key field {pk_wire!r} not declared")
        #: The primary key's ``Field`` (``None`` only on abstract bases).
        self.pk: Field[Any] | None = pk_field
        self.pk_name: str = pk_field.name if pk_field is not None else "id"
        #: The wire key of the primary key (``"id"``, ``"key"``).
        self.pk_wire_name: str = pk_wire

    @property
    def model_name(self) -> str:
        return self.model.__name__

    def get_field(self, name: str) -> Field[Any]:
        """The field called ``name``; ``FieldError`` (listing the choices) when there is none."""
        try:
            return self.fields[name]
        except KeyError:
            choices = ", ".join(self.fields)
            raise FieldError(
                f"{self.model_name} has no field {name!r}; choices are: {choices}"
            ) from None

    def get_relation(self, name: str) -> Relation:
        """The relation called ``name``; ``FieldError`` when there is none."""
        try:
            return self.relations[name]
        except KeyError:
            choices = ", ".join(self.relations) or "(none)"
            raise FieldError(
                f"{self.model_name} has no relation {name!r}; choices are: {choices}"
            ) from None

    def require_api(self) -> Resource:
        """The descriptor; ``TypeError`` for an abstract model, which has no resource."""
        if self.api is None:
            raise TypeError(f"{self.model_name} is abstract: it declares no Meta.api resource")
        return self.api

    @property
    def creatable(self) -> bool:
        return self.api is not None and self.api.allows("create")

    @property
    def updatable(self) -> bool:
        return self.api is not None and self.api.allows("update")

    @property
    def deletable(self) -> bool:
        return self.api is not None and self.api.allows("delete")

    @property
    def organization_scoped(self) -> bool:
        """Whether requests carry the object's organization (not for organizations themselves,
        which are addressed by id)."""
        return self.api is not None and self.api.organization_scoped

    @property
    def writable_fields(self) -> dict[str, Field[Any]]:
        return {n: f for n, f in self.fields.items() if not f.read_only}

    def __repr__(self) -> str:
        return f"<Options for {self.model_name} ({self.resource})>"
