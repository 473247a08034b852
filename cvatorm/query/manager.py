"""``Manager``: ``Task.objects`` and ``client.tasks``, the one entry point of a model.

As in Django (``BaseManager.from_queryset``), the manager's query methods are generated from
the ``QuerySet`` class, so the manager can never lack one (``latest()``, ``update()``...): each
proxy starts a new queryset and calls the method of the same name. The manager adds what only
an entry point has: binding to a client (``db_manager(client)``; ``client.tasks`` is
``Task.objects`` bound to that client) and cvat-sdk's repository names (``retrieve``, ``list``).
``create`` is the queryset's, which takes cvat-sdk's ``spec`` dict as well as keywords.

A manager is a descriptor that only answers on the class: ``task.objects`` raises
``AttributeError`` (a query is about the collection, not one object).
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.query.queryset import QuerySet

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.models.base import Model

__all__ = ["BaseManager", "Manager"]

M = TypeVar("M", bound="Model")
MG = TypeVar("MG", bound="BaseManager[Any]")


class BaseManager(Generic[M]):
    """Declared once on a model (``objects = Manager()``); bound per model class and, with
    ``db_manager``, to a client and an organization."""

    #: The queryset class proxies are generated from (set by :meth:`from_queryset`).
    _queryset_class: type[QuerySet[Any]] = QuerySet

    def __init__(self) -> None:
        self.model: type[M] | None = None
        self.name = "objects"
        self._using: str | Client | None = None
        self._organization: OrganizationArg = INHERIT
        self._bound: dict[type[Any], BaseManager[Any]] = {}

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    # On the class, the manager's own declared type: ``Task.objects`` is the ``TaskManager[Task]``
    # its model declares (each model annotates ``objects`` with its own type).
    @overload
    def __get__(self: MG, instance: None, owner: type[Any]) -> MG: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> BaseManager[Any]: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> BaseManager[Any]:
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

    @classmethod
    def from_queryset(
        cls, queryset_class: type[QuerySet[Any]], class_name: str | None = None
    ) -> type[BaseManager[Any]]:
        """A manager class with a proxy for every public method of ``queryset_class`` that the
        manager does not define itself (Django's ``from_queryset``)."""
        proxies: dict[str, Any] = {"_queryset_class": queryset_class}
        for name, method in inspect.getmembers(queryset_class, predicate=inspect.isfunction):
            if name.startswith("_") or hasattr(cls, name):
                continue
            proxies[name] = _proxy(name, method)
        return type(class_name or f"{cls.__name__}From{queryset_class.__name__}", (cls,), proxies)

    # ------------------------------------------------------------------ binding

    def get_queryset(self) -> QuerySet[M]:
        """A new queryset of every object, sent through this manager's client and organization."""
        if self.model is None:
            raise TypeError("this manager is not attached to a model class")
        return self._queryset_class(
            self.model, using=self._using, organization=self._organization
        )

    def db_manager(
        self: MG, using: str | Client | None = None, organization: OrganizationArg = INHERIT
    ) -> MG:
        """This manager bound to ``using`` (an alias or a client) and ``organization``:
        ``client.tasks`` is ``Task.objects.db_manager(client)``."""
        bound = copy.copy(self)
        bound._using = using
        bound._organization = organization
        return bound

    @property
    def client(self) -> Client | None:
        """The client this manager is bound to (``None``: the default connection)."""
        using = self._using
        return None if using is None or isinstance(using, str) else using

    # ------------------------------------------------------------------ cvat-sdk names

    def retrieve(self, pk: Any, *, organization: OrganizationArg = INHERIT) -> M:
        """The object with this primary key (one ``GET``; an invitation: its key);
        ``Model.DoesNotExist`` when there is none."""
        return self.get_queryset().organization(self._org(organization)).retrieve(pk)

    def list(self, *, organization: OrganizationArg = INHERIT) -> QuerySet[M]:
        """Every object, as a lazy queryset: iterating it walks all the pages (never one page
        only, unlike cvat-sdk), and it can still be filtered."""
        return self.get_queryset().organization(self._org(organization))

    def _org(self, organization: OrganizationArg) -> OrganizationArg:
        return self._organization if organization is INHERIT else organization

    def __repr__(self) -> str:
        owner = self.model.__name__ if self.model is not None else "unbound"
        where = f" on {self.client.server_id}" if self.client is not None else ""
        return f"<{type(self).__name__} for {owner}{where}>"


def _proxy(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def proxy(self: BaseManager[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self.get_queryset(), name)(*args, **kwargs)

    return proxy


if TYPE_CHECKING:
    # For type checkers the manager has every queryset method with its exact signature (what
    # ``from_queryset`` generates at run time).
    class Manager(BaseManager[M], QuerySet[M]):  # type: ignore[misc]
        def __init__(self) -> None: ...

else:

    class Manager(BaseManager.from_queryset(QuerySet), Generic[M]):
        """The manager of every model: ``BaseManager`` plus a proxy per queryset method."""
