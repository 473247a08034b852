"""The cvat-sdk style on top of the models: ``client.tasks.retrieve(7)``, ``.list()``...

People coming from ``cvat_sdk.core`` know repositories bound to a client; here they are thin: a
repository only binds a model to a client (and the client's current organization) and returns
ordinary model instances, which carry cvat-sdk's entity methods (``fetch()``, ``update({...})``,
``remove()``). ``list()`` returns the lazy queryset, so it walks every page (never one page
only) and can still be filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from cvatorm._sentinels import INHERIT
from cvatorm.models.base import Model, bound_queryset
from cvatorm.models.clients import ApiClient, OrganizationArg
from cvatorm.models.registry import registry
from cvatorm.query import QuerySet

__all__ = ["Repository", "repository_for"]

M = TypeVar("M", bound=Model)


class Repository(Generic[M]):
    """The objects of one resource on one client, cvat-sdk style."""

    def __init__(self, client: ApiClient, model: type[M]) -> None:
        self._client = client
        self.model = model

    @property
    def client(self) -> ApiClient:
        return self._client

    def retrieve(self, obj_id: int | str, *, organization: OrganizationArg = INHERIT) -> M:
        """The object with this id (an invitation: key); ``Model.DoesNotExist`` if none."""
        return self.model._fetch(obj_id, client=self._client, organization=organization)

    def list(self, *, organization: OrganizationArg = INHERIT) -> QuerySet[M]:
        """Every object, as a lazy queryset: iterating it walks all the pages."""
        return bound_queryset(self.model, client=self._client, organization=organization)

    def create(self, spec: Mapping[str, Any], *, organization: OrganizationArg = INHERIT) -> M:
        """POST a new object from ``spec`` and return it.

        Keys are field names (``"assignee"``) or request names (``"assignee_id"``); values are
        validated before anything is sent.
        """
        obj = self.model()
        for key, value in spec.items():
            field = self.model._field_for_key(key)
            setattr(obj, field.name, value)
        obj.save(using=self._client, organization=organization)
        return obj

    def __repr__(self) -> str:
        return f"<Repository {self.model._meta.resource} on {self._client.server_id}>"


def repository_for(client: ApiClient, resource: str) -> Repository[Model]:
    """The repository of ``resource`` (``"tasks"``) on ``client``: what ``client.tasks`` is.

    Tasks and projects get the operations' subclasses (``create_from_data``,
    ``create_from_backup``), imported here rather than at module level because they subclass
    ``Repository``.
    """
    from cvatorm.operations.repositories import DATA_REPOSITORIES

    return DATA_REPOSITORIES.get(resource, Repository)(client, registry[resource])
