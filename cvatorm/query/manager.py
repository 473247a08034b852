"""``Manager``: ``Task.objects``, the entry point of queries, as in Django.

A descriptor that only answers on the class: ``Task.objects`` is a manager bound to ``Task``,
``task.objects`` raises ``AttributeError`` (a query is about the collection, not one object).
Each queryset method is proxied, so ``Task.objects.filter(...)`` starts a new queryset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cvatorm.query.q import Q
from cvatorm.query.queryset import QuerySet

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["Manager"]

M = TypeVar("M", bound="Model")
MG = TypeVar("MG", bound="Manager[Any]")


class Manager(Generic[M]):
    """Declared once on the base model (``objects = Manager()``); bound per model class."""

    def __init__(self) -> None:
        self.model: type[M] | None = None
        self.name = "objects"
        self._bound: dict[type[Any], Manager[Any]] = {}

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    # On the class, the manager's own declared type: ``Task.objects`` is the ``TaskManager[Task]``
    # its model declares (each model annotates ``objects`` with its own type).
    @overload
    def __get__(self: MG, instance: None, owner: type[Any]) -> MG: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> Manager[Any]: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> Manager[Any]:
        if instance is not None:
            raise AttributeError(f"Manager isn't accessible via {owner.__name__} instances")
        if self.model is owner:
            return self
        bound = self._bound.get(owner)
        if bound is None:
            bound = type(self)()
            bound.model = owner
            bound.name = self.name
            self._bound[owner] = bound
        return bound

    def get_queryset(self) -> QuerySet[M]:
        if self.model is None:
            raise TypeError("this manager is not attached to a model class")
        return QuerySet(self.model)

    def __repr__(self) -> str:
        owner = self.model.__name__ if self.model is not None else "unbound"
        return f"<Manager for {owner}>"

    # ------------------------------------------------------------------ proxies

    def all(self) -> QuerySet[M]:
        return self.get_queryset()

    def none(self) -> QuerySet[M]:
        return self.get_queryset().none()

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        return self.get_queryset().filter(*args, **kwargs)

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        return self.get_queryset().exclude(*args, **kwargs)

    def order_by(self, *fields: str) -> QuerySet[M]:
        return self.get_queryset().order_by(*fields)

    def reverse(self) -> QuerySet[M]:
        return self.get_queryset().reverse()

    def using(self, alias: Any) -> QuerySet[M]:
        return self.get_queryset().using(alias)

    def organization(self, organization: Any) -> QuerySet[M]:
        return self.get_queryset().organization(organization)

    def in_org(self, slug: str) -> QuerySet[M]:
        return self.get_queryset().in_org(slug)

    def prefetch_related(self, *names: str | None) -> QuerySet[M]:
        return self.get_queryset().prefetch_related(*names)

    def values(self, *fields: str) -> QuerySet[Any]:
        return self.get_queryset().values(*fields)

    def values_list(self, *fields: str, flat: bool = False) -> QuerySet[Any]:
        return self.get_queryset().values_list(*fields, flat=flat)

    def get(self, *args: Q, **kwargs: Any) -> M:
        return self.get_queryset().get(*args, **kwargs)

    def first(self) -> M | None:
        return self.get_queryset().first()

    def last(self) -> M | None:
        return self.get_queryset().last()

    def count(self) -> int:
        return self.get_queryset().count()

    def exists(self) -> bool:
        return self.get_queryset().exists()

    def iterator(self, chunk_size: int | None = None, *, concurrency: int = 1) -> Iterator[M]:
        return self.get_queryset().iterator(chunk_size, concurrency=concurrency)

    def in_bulk(
        self, id_list: Sequence[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        return self.get_queryset().in_bulk(id_list, field_name=field_name)

    def create(self, **kwargs: Any) -> M:
        return self.get_queryset().create(**kwargs)

    def get_or_create(
        self, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        return self.get_queryset().get_or_create(defaults, **kwargs)

    def update_or_create(
        self, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        return self.get_queryset().update_or_create(defaults, **kwargs)

    def explain(self) -> str:
        return self.get_queryset().explain()
