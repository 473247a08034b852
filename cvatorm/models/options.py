"""``Model._meta``: what the other layers may know about a model, in one object.

The query layer reads ``resource``, ``fields`` (declaration order), ``pk_name``, ``ordering``
and ``relations``; the repositories read ``creatable``/``updatable``/``deletable``. Keeping this
in one place (Django's ``Options``) means the model classes themselves hold only descriptors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cvatorm.exceptions import FieldError

if TYPE_CHECKING:
    from cvatorm.models.base import Model
    from cvatorm.models.fields import Field
    from cvatorm.models.relations import Relation

__all__ = ["Options"]

_META_KEYS = frozenset(
    {
        "resource",
        "ordering",
        "pk_name",
        "repr_field",
        "creatable",
        "updatable",
        "deletable",
        "organization_scoped",
    }
)


class Options:
    """Per-model metadata, built by the metaclass from the fields and the inner ``Meta``.

    - ``resource``: the wire name (``"tasks"``), the path segment after ``/api/``;
    - ``fields``: ``{name: Field}`` in declaration order (the pk first);
    - ``pk_name``: the primary key's field name (``"id"``; ``"key"`` for invitations);
    - ``ordering``: the server's default order (``("-id",)``, labels ``("id",)``);
    - ``relations``: ``{name: Relation}``, forward (FK-like) and reverse (one-to-many);
    - ``repr_field``: the field shown by ``repr`` next to the pk (``name``, ``username``...);
    - ``creatable``/``updatable``/``deletable``: which of POST, PATCH, DELETE the server offers;
    - ``organization_scoped``: whether requests carry the object's organization (not for
      organizations themselves, which are addressed by id).
    """

    def __init__(self, model: type[Model], meta: Any, fields: Mapping[str, Field[Any]],
                 relations: Mapping[str, Relation]) -> None:
        declared = {k for k in vars(meta) if not k.startswith("_")} if meta is not None else set()
        unknown = declared - _META_KEYS
        if unknown:
            raise TypeError(f"{model.__name__}.Meta: unknown option(s) {sorted(unknown)}")
        self.model = model
        self.resource: str = getattr(meta, "resource", "")
        self.ordering: tuple[str, ...] = tuple(getattr(meta, "ordering", ("-id",)))
        self.pk_name: str = getattr(meta, "pk_name", "id")
        self.repr_field: str | None = getattr(meta, "repr_field", None)
        self.creatable: bool = getattr(meta, "creatable", True)
        self.updatable: bool = getattr(meta, "updatable", True)
        self.deletable: bool = getattr(meta, "deletable", True)
        self.organization_scoped: bool = getattr(meta, "organization_scoped", True)
        self.fields: dict[str, Field[Any]] = dict(fields)
        self.relations: dict[str, Relation] = dict(relations)
        self.fields_by_wire_name: dict[str, Field[Any]] = {
            f.wire_name: f for f in self.fields.values() if not f.write_only
        }
        if self.resource and self.pk_name not in self.fields:
            raise TypeError(f"{model.__name__}: primary key field {self.pk_name!r} not declared")
        #: The primary key's ``Field`` (``None`` only on the abstract base ``Model``).
        self.pk: Field[Any] | None = self.fields.get(self.pk_name)
        #: The wire key of the primary key (``"id"``, ``"key"``).
        self.pk_wire_name: str = self.pk.wire_name if self.pk is not None else self.pk_name

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

    @property
    def writable_fields(self) -> dict[str, Field[Any]]:
        return {n: f for n, f in self.fields.items() if not f.read_only}

    def __repr__(self) -> str:
        return f"<Options for {self.model_name} ({self.resource})>"
