"""``Model``: an object of a CVAT resource, around the server's raw JSON.

Design choices, and why:

- The raw dict the server sent is kept as is (``_raw``) and fields are converted on first read
  (then cached): building a thousand instances from a page costs about what ``json.loads`` did,
  and fields a newer server adds stay available (``obj.raw``, and as plain attributes).
- ``_raw`` is also the snapshot for dirty tracking: assignments go through field descriptors
  (validated at once and marked dirty), and values that can be edited in place (lists, dicts) are
  compared with the raw data at ``save()``. ``save()`` sends exactly the dirty writable fields,
  and nothing at all when nothing changed (python-gitlab's lesson: never resend everything).
- The server's response to a PATCH is merged into the raw data rather than replacing it, so
  fields the server did not echo are not lost.
- Instances remember the client and organization they came from and send every later request
  (save, refresh, delete, relations) with that organization. There is no identity map: a shared
  server changes behind our back, so two fetches give two objects, equal by (model, server, id).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from cvatorm._sentinels import INHERIT
from cvatorm.connection.client import Client, register_resource_accessor
from cvatorm.connection.registry import ConnectionRef
from cvatorm.exceptions import (
    ConfigurationError,
    FieldError,
    InvalidArgumentError,
    MultipleObjectsReturned,
    NotFoundError,
    ObjectDoesNotExist,
    UnknownFieldError,
    ValidationError,
)
from cvatorm.models import dirty
from cvatorm.models.clients import OrganizationArg, resolve_client, resolve_organization
from cvatorm.models.fields import Field
from cvatorm.models.options import Options
from cvatorm.models.registry import registry
from cvatorm.models.relations import Relation, ReverseRelation
from cvatorm.models.serialization import validate_payload
from cvatorm.query import Manager
from cvatorm.wire.resource import resources

__all__ = ["Model", "ModelBase"]

M = TypeVar("M", bound="Model")
S = TypeVar("S")


class _LazyState(Generic[S]):
    """A per-instance container made on first access (``_values``, ``_assigned``...), then an
    ordinary instance attribute (a non-data descriptor: the instance's dict wins)."""

    def __init__(self, factory: Callable[[], S]) -> None:
        self.factory = factory
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        if instance is None:
            return self
        # setdefault: two threads reading a new object's state at once get the same one.
        return instance.__dict__.setdefault(self.name, self.factory())


class ModelBase(type):
    """Builds ``_meta`` from the declared fields and relations, gives each model its own
    ``DoesNotExist``/``MultipleObjectsReturned`` (so ``except Task.DoesNotExist`` does not catch
    a missing job), and registers concrete models by resource."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> ModelBase:
        meta = namespace.pop("Meta", None)
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)

        fields: dict[str, Field[Any]] = {}
        relations: dict[str, Relation] = {}
        for base in reversed(cls.__mro__[1:]):
            base_meta = base.__dict__.get("_meta")
            if isinstance(base_meta, Options):
                fields.update(base_meta.fields)
                relations.update(base_meta.relations)
        for attr, value in namespace.items():
            if isinstance(value, Field):
                fields[attr] = value
            elif isinstance(value, Relation):
                relations[attr] = value
                if isinstance(value, ReverseRelation) and value.write_field is not None:
                    fields[attr] = value.write_field
        options = Options(cls, meta, fields, relations)  # type: ignore[arg-type]
        cls._meta = options  # type: ignore[attr-defined]

        qualname = namespace.get("__qualname__", name)
        module = namespace.get("__module__", __name__)
        parents = [b for b in bases if isinstance(b, ModelBase)]
        cls.DoesNotExist = type(  # type: ignore[attr-defined]
            "DoesNotExist",
            tuple(p.DoesNotExist for p in parents) or (ObjectDoesNotExist,),  # type: ignore[attr-defined]
            {"__module__": module, "__qualname__": f"{qualname}.DoesNotExist"},
        )
        cls.MultipleObjectsReturned = type(  # type: ignore[attr-defined]
            "MultipleObjectsReturned",
            tuple(p.MultipleObjectsReturned for p in parents)  # type: ignore[attr-defined]
            or (MultipleObjectsReturned,),
            {"__module__": module, "__qualname__": f"{qualname}.MultipleObjectsReturned"},
        )
        if options.api is not None:
            registry.register(cls)  # type: ignore[arg-type]
            resources.add(options.api)
            register_resource_accessor(options.api.name, cls._bound_manager)  # type: ignore[attr-defined]
        return cls


class Model(metaclass=ModelBase):
    """Base of every model. Subclasses declare fields, relations and an inner ``Meta``.

    ``Task(name="cars", project=project, labels=[{"name": "car"}])`` builds a new, unsaved
    object (a forward relation sets its id field);
    ``Model._from_wire(data, client=..., organization=...)`` wraps server data.
    """

    _meta: ClassVar[Options]
    #: ``Task.objects.filter(...)``: queries start here; refused on instances.
    objects: Manager[Any] = Manager()
    DoesNotExist: ClassVar[type[ObjectDoesNotExist]]
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]]

    _raw: dict[str, Any]
    _client: Client | None
    _organization: OrganizationArg
    if TYPE_CHECKING:
        _values: dict[str, Any]
        _assigned: set[str]
        _prefetched: dict[str, Any]
        _related: dict[str, Any]
    else:
        # Made on first use: most listed objects are read, never assigned, prefetched into
        # or related; four empty containers per object cost as much as wrapping its dict.
        _values = _LazyState(dict)
        _assigned = _LazyState(set)
        _prefetched = _LazyState(dict)
        _related = _LazyState(dict)

    #: Set on an unpickled object whose connection this process did not have yet: resolved
    #: (``ConnectionRef.resolve()``) on the first request. A class default, so that building
    #: instances does not pay for it.
    _origin: ConnectionRef | None = None

    def __init__(self, **values: Any) -> None:
        self._init_state({}, client=None, organization=INHERIT)
        meta = self._meta
        for name, value in values.items():
            if name not in meta.fields and name not in meta.relations:
                raise FieldError(
                    f"{type(self).__name__}() got an unknown field {name!r}; "
                    f"fields are: {', '.join(meta.fields)}"
                )
            setattr(self, name, value)  # relations too: Task(project=p) sets project_id

    def _init_state(
        self, raw: dict[str, Any], *, client: Client | None, organization: OrganizationArg
    ) -> None:
        """All state reset around ``raw`` (a new object, a create's or refresh's answer)."""
        self.__dict__.update(
            _raw=raw,
            _values={},
            _assigned=set(),
            _prefetched={},
            _related={},
            _client=client,
            _organization=organization,
        )

    @classmethod
    def _from_wire(
        cls: type[M],
        data: dict[str, Any],
        *,
        client: Client | None,
        organization: OrganizationArg = INHERIT,
    ) -> M:
        """An instance around ``data`` (kept, not copied, not converted): the fast path used
        for every object of a listed page. Three keys of the instance's dict are set; the rest
        of its state is made when first used (``_LazyState``)."""
        obj = cls.__new__(cls)
        if cls._init_state is not Model._init_state:
            # A model that reads its wire data on arrival (a request's derived keys, a new
            # access token's one-time secret) takes the full path.
            obj._init_state(data, client=client, organization=organization)
            return obj
        state = obj.__dict__
        state["_raw"] = data
        state["_client"] = client
        state["_organization"] = organization
        return obj

    @classmethod
    def _bound_manager(cls, client: Client) -> Any:
        """``client.<resource>``: this model's manager bound to ``client``."""
        return cls.objects.db_manager(client)

    @classmethod
    def _fetch(
        cls: type[M], pk: Any, *, client: Client, organization: OrganizationArg = INHERIT
    ) -> M:
        """GET one object by primary key; ``DoesNotExist`` on 404."""
        path = cls._meta.require_api().item_path(pk)  # checked before any request
        organization = resolve_organization(client, organization)
        org = organization if cls._meta.organization_scoped else None
        try:
            response = client.request("GET", path, organization=org)
        except NotFoundError as exc:
            raise cls.DoesNotExist(
                f"{cls.__name__} with {cls._meta.pk_name}={pk!r} not found"
            ) from exc
        return cls._from_wire(response.json(), client=client, organization=organization)

    # ------------------------------------------------------------------ field access

    def _read_field(self, field: Field[Any]) -> Any:
        """A field's value: assigned, or converted from the raw data on first read and kept
        (plain fields, whose conversion is none, are read by ``Field.__get__`` directly)."""
        state = self.__dict__
        values = state.get("_values")
        name = field.name
        if values is None:
            values = state.setdefault("_values", {})
        elif name in values:
            return values[name]
        if field.write_only:
            return None
        raw = state["_raw"].get(field._wire_key or field.wire_name)
        if raw is None:  # every field reads a missing or null value as None: nothing to keep
            return None
        convert = field._convert
        value = convert(raw) if convert is not None else field.from_wire(raw, self)
        values[name] = value
        return value

    def _write_field(self, field: Field[Any], value: Any) -> None:
        name = field.name
        if field.read_only:
            raise ValidationError({name: [f"{type(self).__name__}.{name} is read-only."]})
        if self.pk is not None and not field.on_update:
            raise ValidationError(
                {name: [f"{type(self).__name__}.{name} can only be set when creating."]}
            )
        self._values[name] = field.clean(value)
        self._assigned.add(name)

    if not TYPE_CHECKING:
        # Hidden from type checkers, which then flag an unknown attribute (``task.nmae``) in
        # a user's script, as these methods refuse it (writes) at run time.

        def __setattr__(self, name: str, value: Any) -> None:
            # A typo (``task.nmae = ...``) would otherwise be kept silently and never saved.
            if not name.startswith("_") and not any(
                name in vars(klass) for klass in type(self).__mro__
            ):
                raise UnknownFieldError(
                    f"{type(self).__name__} has no field {name!r}; "
                    f"fields are: {', '.join(self._meta.fields)}"
                )
            super().__setattr__(name, value)

        def __getattr__(self, name: str) -> Any:
            # Only called when normal lookup fails: keys a newer server added stay readable.
            if any(name in vars(klass) for klass in type(self).__mro__):
                # A class attribute (``objects``, a property) raised AttributeError: keep its own
                # message rather than a generic "no attribute".
                try:
                    return object.__getattribute__(self, name)
                except AttributeError as exc:
                    raise AttributeError(f"{type(self).__name__}.{name}: {exc}") from exc
            if not name.startswith("_"):
                raw = self.__dict__.get("_raw")
                if raw is not None and name in raw:
                    return raw[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def pk(self) -> Any:
        """The primary key (``id``; an invitation's ``key``), ``None`` before the first save."""
        return self._raw.get(self._meta.pk_wire_name)

    @property
    def raw(self) -> Mapping[str, Any]:
        """The server's data, read-only, including fields this library does not declare."""
        return MappingProxyType(self._raw)

    @property
    def dirty_fields(self) -> tuple[str, ...]:
        """Names of the writable fields changed since loaded (in-place edits included)."""
        return tuple(dirty.dirty_fields(self))

    @property
    def is_dirty(self) -> bool:
        return bool(dirty.dirty_fields(self))

    # ------------------------------------------------------------------ connection

    def _connection(self, using: str | Client | None = None) -> Client:
        if using is not None:
            return resolve_client(using)
        if self._client is not None:
            return self._client
        if self._origin is not None:  # unpickled: the same server and user, in this process
            self._client = self._origin.resolve()
            return self._client
        return resolve_client(None)

    def _request_organization(self) -> OrganizationArg:
        return self._organization if self._meta.organization_scoped else None

    # ------------------------------------------------------------------ persistence

    def save(
        self,
        *,
        update_fields: Iterable[str] | None = None,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> None:
        """Create (POST) a new object, or PATCH exactly the changed writable fields.

        Nothing is sent when nothing changed. ``update_fields`` restricts a PATCH to those
        fields (the others stay dirty). ``using`` is a connection alias (or a client); by default
        the client the object came from, else ``"default"``. ``organization`` sets where a new
        object is created (and is remembered for later requests). Invalid values and usernames
        that match no user raise ``ValidationError`` before the create or update is sent.
        """
        if update_fields is not None and (
            isinstance(update_fields, (str, bytes)) or not isinstance(update_fields, Iterable)
        ):
            # A lone "name" would be read as the fields "n", "a", "m", "e".
            raise InvalidArgumentError(
                "update_fields", update_fields, "a list of field names, or None"
            )
        client = self._connection(using)
        if organization is not INHERIT:
            self._organization = organization
        if self.pk is None:
            if update_fields is not None:
                raise ValidationError("update_fields cannot be used when creating an object.")
            self._create(client)
        else:
            self._update(client, None if update_fields is None else list(update_fields))

    def _create(self, client: Client) -> None:
        meta = self._meta
        if not meta.creatable:
            raise ValidationError(f"{meta.model_name} objects cannot be created through the API.")
        self._organization = resolve_organization(client, self._organization)
        names = dirty.dirty_fields(self)
        update_only = [n for n in names if not meta.fields[n].on_create]
        if update_only:
            raise ValidationError(
                {n: ["can only be changed on an existing object."] for n in update_only}
            )
        payload = dirty.build_payload(self, names, client)
        validate_payload(type(self), payload, creating=True)
        with dirty.forgetting_refused_users(self, names, client):
            response = client.request(
                "POST",
                meta.require_api().collection_path(),
                json=payload,
                organization=self._request_organization(),
            )
        self._init_state(dict(response.json()), client=client, organization=self._organization)

    def _update(
        self, client: Client, update_fields: list[str] | None, *, force: bool = False
    ) -> None:
        """PATCH the dirty fields (of ``update_fields``); ``force`` sends all of
        ``update_fields`` even when equal to the server's values (cvat-sdk's ``update()``)."""
        meta = self._meta
        names = dirty.dirty_fields(self)
        # Assigned values equal to the server's are not changes: forget them, so that a later
        # server-side change merged into the raw data is not overwritten by a stale value.
        self._assigned.intersection_update(names)
        if update_fields is not None:
            for name in update_fields:
                field = meta.get_field(name)
                if field.read_only:
                    raise ValidationError({name: ["read-only field in update_fields."]})
            if force:
                names = [n for n in meta.fields if n in update_fields]
            else:
                names = [n for n in names if n in update_fields]
        if not names:
            return
        if not meta.updatable:
            raise ValidationError(f"{meta.model_name} objects cannot be changed through the API.")
        payload = dirty.build_payload(self, names, client)
        validate_payload(type(self), payload, creating=False)
        with dirty.forgetting_refused_users(self, names, client):
            response = client.request(
                "PATCH",
                meta.require_api().item_path(self.pk),
                json=payload,
                organization=self._request_organization(),
            )
        still_dirty = set(dirty.dirty_fields(self)) - set(names)
        self._client = client
        self._merge(response.json(), saved=names, keep=still_dirty)

    def _merge(self, data: Mapping[str, Any], *, saved: Iterable[str], keep: set[str]) -> None:
        """Fold a server response into the raw data: echoed keys win, others are kept."""
        self._raw.update(data)
        for name in saved:
            self._assigned.discard(name)
            self._values.pop(name, None)
        for name, field in self._meta.fields.items():
            if name not in keep and field.wire_name in data:
                self._values.pop(name, None)

    def refresh(self, *, using: str | Client | None = None) -> None:
        """Reload from the server (GET): replaces all state and forgets unsaved changes."""
        meta = self._meta
        if self.pk is None:
            raise ValidationError(f"{self!r} is not saved yet: there is nothing to refresh.")
        client = self._connection(using)
        response = client.request(
            "GET", meta.require_api().item_path(self.pk), organization=self._request_organization()
        )
        self._init_state(dict(response.json()), client=client, organization=self._organization)

    def refresh_from_db(self, *, using: str | Client | None = None) -> None:
        """Django's name for ``refresh()``."""
        self.refresh(using=using)

    def delete(self, *, using: str | Client | None = None) -> None:
        """DELETE the object on the server. The instance keeps its data, without a primary key,
        so ``save()`` would create a new object (as in Django)."""
        meta = self._meta
        if not meta.deletable:
            raise ValidationError(f"{meta.model_name} objects cannot be deleted through the API.")
        if self.pk is None:
            raise ValidationError(f"{self!r} is not saved yet: there is nothing to delete.")
        client = self._connection(using)
        client.request(
            "DELETE",
            meta.require_api().item_path(self.pk),
            organization=self._request_organization(),
        )
        self._raw.pop(meta.pk_wire_name, None)
        self._values.pop(meta.pk_name, None)

    # ------------------------------------------------------------------ cvat-sdk style

    def fetch(self: M) -> M:
        """cvat-sdk's ``entity.fetch()``: reload from the server and return ``self``."""
        self.refresh()
        return self

    def update(self: M, values: Mapping[str, Any]) -> M:
        """cvat-sdk's ``entity.update({...})``: PATCH those fields, merge the response, return
        ``self``. Keys are field names (``"assignee"``) or request names (``"assignee_id"``);
        all values are validated before anything is sent.
        """
        if not isinstance(values, Mapping):
            raise InvalidArgumentError("values", values, "a mapping of field names to values")
        names: list[str] = []
        before = (dict(self._values), set(self._assigned))
        try:
            for key, value in values.items():
                field = self._field_for_key(key)
                self._write_field(field, value)
                names.append(field.name)
        except Exception:
            self._values, self._assigned = before  # all or nothing
            raise
        self._update(self._connection(), names, force=True)
        return self

    def remove(self) -> None:
        """cvat-sdk's ``entity.remove()``: DELETE the object."""
        self.delete()

    @classmethod
    def _field_for_key(cls, key: str) -> Field[Any]:
        meta = cls._meta
        if key in meta.fields:
            return meta.fields[key]
        for field in meta.fields.values():
            if field.write_name == key:
                return field
        return meta.get_field(key)

    # ------------------------------------------------------------------ pickling, copying

    def __getstate__(self) -> dict[str, Any]:
        """What a pickle keeps: the data and unsaved changes, the organization, and which
        connection the object came from as a ``ConnectionRef`` (server, user, alias; never a
        credential). The client itself (sockets, locks) and the cache of fetched forward
        relations stay behind; prefetched relations travel."""
        client = self.__dict__.get("_client")
        origin = ConnectionRef.of(client) if client is not None else self._origin
        return {
            "raw": self._raw,
            "values": self._values,
            "assigned": self._assigned,
            "prefetched": self._prefetched,
            "organization": self._organization,
            "origin": origin,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebind to this process's connection to the same server as the same user when there
        is one now; otherwise on first use (``ConnectionNotFoundError`` if still none)."""
        self._init_state(state["raw"], client=None, organization=state["organization"])
        self.__dict__.update(
            _values=state["values"], _assigned=state["assigned"], _prefetched=state["prefetched"]
        )
        origin: ConnectionRef | None = state["origin"]
        if origin is not None:
            try:
                self.__dict__["_client"] = origin.resolve()
            except ConfigurationError:
                self.__dict__["_origin"] = origin  # not connected yet: resolved on use

    def __copy__(self: M) -> M:
        """A shallow copy with its own containers (changing one does not change the other),
        bound to the same client."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.__dict__.update(
            _raw=dict(self._raw),
            _values=dict(self._values),
            _assigned=set(self._assigned),
            _prefetched=dict(self._prefetched),
            _related=dict(self._related),
        )
        return clone

    def __deepcopy__(self: M, memo: dict[int, Any]) -> M:
        """A deep copy of the data, bound to the same client (clients are shared, not copied:
        they hold sockets and locks)."""
        client = self.__dict__.get("_client")
        if client is not None:
            memo.setdefault(id(client), client)
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            clone.__dict__[key] = copy.deepcopy(value, memo)
        return clone

    # ------------------------------------------------------------------ identity

    def _identity(self) -> tuple[type[Model], str | None, Any]:
        if self._client is not None:
            server: str | None = self._client.server_id
        else:
            server = self._origin.server if self._origin is not None else None
        return (type(self), server, self.pk)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        if self is other:
            return True
        if self.pk is None or other.pk is None:
            return False
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        if self.pk is None:
            raise TypeError(f"unsaved {type(self).__name__} objects are unhashable (no id yet)")
        return hash(self._identity())

    def __repr__(self) -> str:
        meta = self._meta
        pk = self.pk
        head = f"<{type(self).__name__} {pk if pk is not None else '(unsaved)'}"
        if meta.repr_field is not None:
            label = self._read_field(meta.fields[meta.repr_field])
            if label is not None:
                return f"{head}: {label!r}>"
        return f"{head}>"
