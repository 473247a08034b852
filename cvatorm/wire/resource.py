"""``Resource``: everything the client knows about one CVAT resource's wire format, in one object.

A model declares its descriptor once (``class Meta: api = Resource(...)``) and every layer that
talks to the server about that resource reads it: save/refresh/delete and listing take their
paths from it, the planner its filter variables and simple filters, prefetch and relations its
primary key, the data operations its named actions, the capabilities table its list path.
Adding a resource is one model module; nothing else in the package needs to learn its name
(python-gitlab's ``v4/objects/hooks.py`` is the model for this: a whole resource in one file).

Names follow CVAT's rule (``Task`` -> ``tasks`` at ``/api/tasks``), derived with ``inflection``
when the model class is created; a resource that breaks the rule declares ``name`` or ``path``
(``CloudStorage`` lives at ``/api/cloudstorages``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal
from urllib.parse import quote

import inflection

from cvatorm.exceptions import ConfigurationError, ValidationError

__all__ = [
    "ALL_OPERATIONS",
    "Action",
    "Operation",
    "Resource",
    "WirePath",
    "api_path",
    "direct",
    "resource_named",
    "resources",
    "users",
]

#: A path through the JSON of an object, in wire names: ``("project_id", "name")``.
WirePath = tuple[str, ...]

Operation = Literal["list", "retrieve", "create", "update", "delete"]
ALL_OPERATIONS: Final[frozenset[Operation]] = frozenset(
    ("list", "retrieve", "create", "update", "delete")
)

_API_PREFIX: Final = "/api/"
_SEGMENT = re.compile(r"^[A-Za-z0-9_.~-]+$")
#: CVAT's integer keys are database ids: 1, 2, ... (no sign, no 0, no leading zeros).
_INT_KEY = re.compile(r"^[0-9]+$")


def api_path(*segments: str) -> str:
    """``/api/<segments joined by '/'>``: the one place the ``/api/`` prefix is spelled."""
    return _API_PREFIX + "/".join(s.strip("/") for s in segments if s)


@dataclass(frozen=True)
class Action:
    """A named sub-resource or request of one object (``ping``) or of the collection (the
    backup import at ``/api/tasks/backup/``).

    ``path`` is relative to the object's path (or the collection's when ``on_collection``);
    it ends with ``/`` where the real route requires one (``/api/tasks/7/data/``, but
    ``/api/jobs/7/data``). ``background`` marks actions the server answers with ``202`` and an
    ``rq_id`` to wait for. The HTTP method is the operation's choice (annotations are read with
    GET, replaced with PUT, changed with PATCH, removed with DELETE on one path).
    """

    path: str
    background: bool = False
    on_collection: bool = False


def direct(*names: str) -> dict[WirePath, str]:
    """Filter variables named as the JSON key they compare: ``{("name",): "name"}``."""
    return {(name,): name for name in names}


def users(*names: str) -> dict[WirePath, str]:
    """User filter variables, which compare the nested user's username."""
    return {(name, "username"): name for name in names}


@dataclass(frozen=True)
class Resource:
    """One CVAT resource as the client sends it.

    - ``name``: the resource's name (``"tasks"``; derived from the model's class name when left
      empty) and the ``client.<name>`` attribute;
    - ``path``: the segment after ``/api/`` (defaults to ``name``; ``"auth/access_tokens"``);
    - ``pk``: the wire key of the primary key (``"id"``; invitations: ``"key"``) and
      ``pk_kind``: ``"int"`` (refused unless a positive integer) or ``"str"`` (quoted);
    - ``operations``: which of list, retrieve, create, update, delete the server offers;
    - ``actions``: named requests (``ping``, ``annotations``, ``dataset/export``...);
    - ``filter_vars``: the server's JSON Logic variable that compares exactly what a wire path
      reads (read off the server's ``lookup_fields``); a variable the server does not declare in
      its schema is never used even when listed;
    - ``denormalized``: related values the listed JSON already carries (a job's ``task_name``);
    - ``simple_filters``: ``?task_id=7``-style parameters that answer a superset of the equality
      (only a narrowing: the condition is still checked locally);
    - ``organization_scoped``: whether requests carry the object's organization.
    """

    name: str = ""
    path: str = ""
    pk: str = "id"
    pk_kind: Literal["int", "str"] = "int"
    operations: frozenset[Operation] = ALL_OPERATIONS
    actions: Mapping[str, Action] = field(default_factory=dict)
    filter_vars: Mapping[WirePath, str] = field(default_factory=dict)
    denormalized: Mapping[WirePath, str] = field(default_factory=dict)
    simple_filters: Mapping[WirePath, str] = field(default_factory=dict)
    organization_scoped: bool = True

    # ------------------------------------------------------------------ naming

    def named_after(self, class_name: str) -> Resource:
        """This descriptor with ``name`` (and ``path``) derived from a model class name as CVAT
        names its resources: ``Task`` -> ``tasks``, ``AccessToken`` -> ``access_tokens``."""
        name = self.name or inflection.pluralize(inflection.underscore(class_name))
        return replace(self, name=name, path=self.path or name)

    # ------------------------------------------------------------------ paths

    def collection_path(self) -> str:
        """``/api/tasks``: the list (GET) and create (POST) endpoint."""
        return api_path(self._require_path())

    def item_path(self, pk: object) -> str:
        """``/api/tasks/7``; the key is checked and quoted, so no key can reach another path
        (``"../users/self"``) or smuggle a query string (``"2?org=x"``)."""
        return f"{self.collection_path()}/{self.quote_pk(pk)}"

    def action_path(self, name: str, pk: object | None = None) -> str:
        """The path of the named action: on the object ``pk``, or on the collection."""
        action = self.action(name)
        if action.on_collection:
            return f"{self.collection_path()}/{action.path}"
        if pk is None:
            raise ValidationError(f"{self.name}.{name} needs the object's {self.pk}.")
        return f"{self.item_path(pk)}/{action.path}"

    def action(self, name: str) -> Action:
        """The declared action ``name``; ``ConfigurationError`` naming the choices otherwise."""
        try:
            return self.actions[name]
        except KeyError:
            choices = ", ".join(sorted(self.actions)) or "(none)"
            raise ConfigurationError(
                f"{self.name} has no action {name!r}; actions are: {choices}"
            ) from None

    def quote_pk(self, pk: object) -> str:
        """The primary key as one path segment; ``ValidationError`` for a key of the wrong kind.

        Integer keys accept positive ints and their digit strings (not booleans: ids start at
        1, so ``0`` can name nothing); string keys (invitation keys) accept URL-safe segments
        only.
        """
        if self.pk_kind == "int":
            if isinstance(pk, bool) or not isinstance(pk, (int, str)):
                raise ValidationError(
                    {self.pk: [f"expected a positive integer id, not {pk!r}"]}
                )
            text = str(pk)
            if not _INT_KEY.match(text) or int(text) == 0:  # database ids start at 1
                raise ValidationError(
                    {self.pk: [f"expected a positive integer id, not {pk!r}"]}
                )
            return str(int(text))
        if not isinstance(pk, str) or not _SEGMENT.match(pk) or pk in {".", ".."}:
            raise ValidationError({self.pk: [f"not a valid {self.pk}: {pk!r}"]})
        return quote(pk, safe="")

    def allows(self, operation: Operation) -> bool:
        return operation in self.operations

    # ------------------------------------------------------------------ filters

    def filter_var(self, path: WirePath) -> str | None:
        """The filter variable comparing exactly what ``path`` reads, or None."""
        return self.filter_vars.get(path)

    def denormalized_key(self, path: WirePath) -> str | None:
        """The key of the listed JSON that already holds the value at ``path``, or None."""
        return self.denormalized.get(path)

    def simple_filter(self, path: WirePath, value: object) -> tuple[str, str] | None:
        """The ``(parameter, value)`` of the simple filter narrowing ``path == value``.

        Only integer ids are spelled (booleans are not ids); anything else has none.
        """
        name = self.simple_filters.get(path)
        if name is None or isinstance(value, bool) or not isinstance(value, int):
            return None
        return name, str(value)

    def _require_path(self) -> str:
        if not self.path:
            raise ConfigurationError("this resource descriptor was never named (no model?)")
        return self.path


class _Registry:
    """Descriptors by name, filled when model classes are created (one per resource)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Resource] = {}
        self._lock = threading.Lock()

    def add(self, resource: Resource) -> None:
        with self._lock:
            self._by_name[resource.name] = resource

    def get(self, name: str) -> Resource | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Resource]:
        return iter(list(self._by_name.values()))

    def paths(self) -> Iterable[str]:
        return [r.collection_path() for r in self]


resources = _Registry()


def resource_named(name: str) -> Resource:
    """The registered descriptor ``name``; ``ConfigurationError`` when no model declared it."""
    found = resources.get(name)
    if found is None:
        known = ", ".join(sorted(r.name for r in resources)) or "(none)"
        raise ConfigurationError(f"no resource {name!r} (known: {known})")
    return found
