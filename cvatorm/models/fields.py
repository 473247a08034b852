"""Field descriptors: how one attribute of a model is read from, and written to, the wire.

A ``Field`` is declared on a model class (``name = StringField(writable=True)``) and is then three
things at once, as in peewee:

- read on the class (``Task.name``), it is the ``Field`` itself, which the query layer uses to
  name fields and convert filter values (``to_filter``);
- read on an instance, it converts the raw JSON value on first access and caches the result
  (``to_python``), so that building instances from a large page costs nothing per field;
- assigned on an instance, it validates the value at once (``ValidationError`` before any
  request) and marks the field dirty, so that ``save()`` sends exactly what changed.

Each field knows its read name (``wire_name``, the key in server responses) and its write name
(``write_name``, the key in request bodies: a task's ``assignee`` is read as a nested user and
written as ``assignee_id``), and whether it may be written when creating, when updating, both or
never. Validation of written values is marshmallow's (see ``serialization``): each field gives
its marshmallow field (``marshmallow_field``), from which the model's write schemas are built, and
a value is checked once, when assigned (``clean``); ``to_wire`` only converts.

Each field class declares the ``kind`` the query layer compares its values as (``"text"``,
``"number"``, ``"bool"``, ``"datetime"``, ``"relation"`` or ``"other"``), as peewee's
``field_type``: subclasses inherit it, and the query layer reads that attribute, never the class
name (a ``StringField`` subclass called ``HintField`` is text).
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import sys
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

from marshmallow import fields as mm
from marshmallow import validate

from cvatorm.exceptions import ValidationError
from cvatorm.models import serialization
from cvatorm.models.registry import registry

if TYPE_CHECKING:
    from cvatorm.models.base import Model
    from cvatorm.models.users import User

__all__ = [
    "BooleanField",
    "DateTimeField",
    "DictField",
    "EnumField",
    "Field",
    "FloatField",
    "IntegerField",
    "LabelSpecsField",
    "ListField",
    "StorageField",
    "StringField",
    "UserField",
    "Writable",
]

T = TypeVar("T")
F = TypeVar("F", bound="Field[Any]")
E = TypeVar("E", bound=enum.Enum)
# What each field class reads as: its Python type, ``| None`` when declared ``nullable=True``
# (the ``__init__`` overloads choose), so ``task.owner`` is ``User | None`` to type checkers.
_IntT = TypeVar("_IntT", bound="int | None")
_FloatT = TypeVar("_FloatT", bound="float | None")
_BoolT = TypeVar("_BoolT", bound="bool | None")
_StrT = TypeVar("_StrT", bound="str | None")
_EnumT = TypeVar("_EnumT", bound="enum.Enum | None")
_DateT = TypeVar("_DateT", bound="dt.datetime | None")
_ListT = TypeVar("_ListT", bound="list[Any] | None")
_DictT = TypeVar("_DictT", bound="dict[str, Any] | None")
_UserT = TypeVar("_UserT", bound="User | None")

#: ``True``: on create and update; ``"create"``/``"update"``: only then; ``False``: read-only.
Writable = bool | Literal["create", "update"]


class Field(Generic[T]):
    """Base of every field: names, writability, lazy conversion, validation, filter values.

    Subclasses override ``to_python`` (wire -> Python), ``_to_raw`` (Python -> wire, no
    validation), ``clean_value`` (check the Python type, normalize an assigned value),
    ``_mm_field`` (the marshmallow field that validates the wire value) and ``kind``.
    """

    #: How lookups compare this field's values: ``"text"``, ``"number"``, ``"bool"``,
    #: ``"datetime"``, ``"relation"`` or ``"other"`` (JSON lists and objects: only equality,
    #: ``isnull`` and text lookups on their ``str()``). A field that refers to another model
    #: (``related=``) is compared by primary key, as a relation, whatever its class declares.
    kind: ClassVar[str] = "other"
    #: The wire values the server accepts, when it is a closed set (enumerations): filters on
    #: the field compare with one of them or are refused before any request.
    choices: tuple[Any, ...] | None = None

    #: Python values of this field can be edited in place (lists, dicts): ``save()`` compares
    #: them with the raw data to notice such edits.
    mutable: ClassVar[bool] = False

    name: str
    model: type[Model]

    def __init__(
        self,
        *,
        wire_name: str | None = None,
        write_name: str | None = None,
        writable: Writable = False,
        nullable: bool = False,
        required: bool = False,
        write_only: bool = False,
        related: str | None = None,
        doc: str = "",
    ) -> None:
        self._wire_name = wire_name
        self._write_name = write_name
        self.on_create = writable is True or writable == "create"
        self.on_update = writable is True or writable == "update"
        self.nullable = nullable
        self.required = required
        self.write_only = write_only
        self._related = related
        self.doc = doc
        self.name = ""
        #: Set when declared (``__set_name__``): the response key, and whether a read is the
        #: raw value itself (no conversion, nothing to copy), which ``__get__`` then returns
        #: without a call.
        self._wire_key = ""
        self._plain = False
        self._convert: Callable[[Any], Any] | None = None
        #: Wire string -> immutable Python value, for fields read by lookup (enumerations).
        self._table: dict[str, Any] | None = None

    # ------------------------------------------------------------------ declaration

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.model = owner
        self._wire_key = self._wire_name or name
        kind = type(self)
        self._plain = (
            not self.write_only
            and not self.mutable
            and kind.to_python is Field.to_python
            and kind.from_wire is Field.from_wire
        )
        # Reading needs no instance when ``from_wire`` is ``to_python``: one call less.
        self._convert = self.to_python if kind.from_wire is Field.from_wire else None

    @property
    def wire_name(self) -> str:
        """The key of this field in the server's responses."""
        return self._wire_name or self.name

    @property
    def write_name(self) -> str | None:
        """The key of this field in request bodies, ``None`` for read-only fields."""
        if self.read_only:
            return None
        return self._write_name or self.wire_name

    @property
    def read_only(self) -> bool:
        return not (self.on_create or self.on_update)

    @property
    def related_model(self) -> type[Model] | None:
        """The model this field refers to (a ``User`` for ``owner``, a ``Project`` for
        ``project_id``), resolved lazily through the registry so modules can refer to each
        other."""
        return registry[self._related] if self._related else None

    # ------------------------------------------------------------------ descriptor

    @overload
    def __get__(self: F, instance: None, owner: type[Any]) -> F: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> T: ...

    @overload
    def __get__(self: F, instance: object, owner: type[Any]) -> F: ...

    def __get__(self: F, instance: Any, owner: type[Any]) -> F | Any:
        if instance is None:
            return self
        # The short read path, without a call: an assigned (or already converted) value; else
        # the raw value itself when there is nothing to convert (a plain field, or null: every
        # field reads null as None), which is then not cached either: dirty tracking compares
        # assigned values and the cached values of mutable fields only.
        state = instance.__dict__
        values = state.get("_values")
        if values and self.name in values:
            return values[self.name]
        raw = state["_raw"].get(self._wire_key)
        if raw is None or self._plain:
            return raw
        table = self._table
        if table is not None and type(raw) is str:
            # Values read through a table of immutable ones (an enumeration's members): the
            # lookup is the conversion, and there is nothing to cache.
            found = table.get(raw)
            if found is not None:
                return found
        return instance._read_field(self)

    def __set__(self, instance: Model, value: T) -> None:
        # Typed with the read type (wider in subclasses that accept more: an enum's string
        # value, a username): ``task.name = 5`` is a type error as well as a ValidationError.
        instance._write_field(self, value)

    # ------------------------------------------------------------------ conversions

    def to_python(self, raw: Any) -> T:
        """The Python value of a wire value (``None`` stays ``None``)."""
        return raw  # type: ignore[no-any-return]

    def from_wire(self, raw: Any, instance: Model) -> T:
        """``to_python`` for a value read from ``instance`` (references inherit its client)."""
        return self.to_python(raw)

    def clean_value(self, value: Any) -> Any:
        """Normalize a value assigned by the user (``"acceptance"`` -> ``JobStage.ACCEPTANCE``).

        ``clean`` then validates its wire form, so invalid values fail on assignment.
        """
        return value

    def clean(self, value: Any) -> Any:
        """Validate and normalize an assigned value; raise ``ValidationError`` if invalid.

        The one check of a single value: its Python type (``clean_value``), then its wire form
        with this field's marshmallow field. The cleaned value is stored, and ``to_wire`` later
        converts it without checking it again.
        """
        cleaned = self.clean_value(value)
        self.check_wire(self.to_wire(cleaned))
        return cleaned

    def check_wire(self, raw: Any) -> None:
        """Validate one wire value with this field's marshmallow field (``ValidationError``)."""
        serialization.check_value(self.name, self.validator, raw)

    @cached_property
    def validator(self) -> mm.Field[Any]:
        """The marshmallow field checking one assigned value, built once per field."""
        return self.marshmallow_field()

    def _to_raw(self, value: Any) -> Any:
        return value

    def same_as_raw(self, value: Any, raw: Any) -> bool:
        """Whether the Python ``value`` equals the server's ``raw`` one (then there is nothing
        to send: assigning a field its current value does not make it dirty)."""
        return bool(value == self.to_python(raw))

    def to_wire(self, value: Any) -> Any:
        """The wire (request body) value of a cleaned ``value``: a conversion, not a check.

        ``clean`` validated the value on assignment, and ``save()`` validates the whole body
        with the model's write schema (which also covers lists and dicts edited in place).
        """
        return None if value is None else self._to_raw(value)

    def to_filter(self, value: Any) -> Any:
        """``value`` as the server's filters compare it (ids, usernames, ISO strings)."""
        from cvatorm.models.base import Model

        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, Model):
            return value.pk
        return value

    def marshmallow_field(self, *, required: bool = False) -> mm.Field[Any]:
        """The marshmallow field that validates this field's wire value."""
        return self._mm_field(required=required, allow_none=self.nullable)

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.Raw(required=required, allow_none=allow_none)

    def __repr__(self) -> str:
        owner = getattr(self, "model", None)
        where = f"{owner.__name__}." if owner is not None else ""
        return f"<{type(self).__name__} {where}{self.name}>"


def _type_error(name: str, expected: str, value: Any) -> ValidationError:
    return ValidationError({name: [f"Expected {expected}, got {type(value).__name__} {value!r}."]})


class IntegerField(Field[_IntT]):
    """An integer; with ``related``, the id of another model (``project_id``)."""

    kind = "number"

    @overload
    def __init__(
        self: IntegerField[int],
        *,
        nullable: Literal[False] = ...,
        min_value: int | None = ...,
        max_value: int | None = ...,
        **kwargs: Any,
    ) -> None: ...

    @overload
    def __init__(
        self: IntegerField[int | None],
        *,
        nullable: Literal[True],
        min_value: int | None = ...,
        max_value: int | None = ...,
        **kwargs: Any,
    ) -> None: ...

    def __init__(
        self, *, min_value: int | None = None, max_value: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.min_value = min_value
        self.max_value = max_value

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _IntT | Model) -> None: ...

    def clean_value(self, value: Any) -> Any:
        from cvatorm.models.base import Model

        if isinstance(value, Model) and self._related is not None:
            if not isinstance(value, self.related_model or ()):
                raise _type_error(self.name, f"a {self._related} object or an id", value)
            if value.pk is None:
                raise ValidationError({self.name: [f"{value!r} is not saved yet (no id)."]})
            return value.pk
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _type_error(self.name, "an integer", value)
        return value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        checks = []
        if self.min_value is not None or self.max_value is not None:
            checks.append(validate.Range(min=self.min_value, max=self.max_value))
        return mm.Integer(strict=True, required=required, allow_none=allow_none, validate=checks)


class FloatField(Field[_FloatT]):
    """A floating-point number."""

    kind = "number"

    @overload
    def __init__(
        self: FloatField[float], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: FloatField[float | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _FloatT) -> None: ...

    def clean_value(self, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _type_error(self.name, "a number", value)
        return value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return serialization.StrictNumber(allow_nan=False, required=required, allow_none=allow_none)


class BooleanField(Field[_BoolT]):
    """A boolean; only ``True``/``False`` are accepted when written (no ``"yes"``, no ``1``)."""

    kind = "bool"

    @overload
    def __init__(
        self: BooleanField[bool], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: BooleanField[bool | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _BoolT) -> None: ...

    def clean_value(self, value: Any) -> Any:
        if value is not None and not isinstance(value, bool):
            raise _type_error(self.name, "True or False", value)
        return value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.Boolean(truthy={True}, falsy={False}, required=required, allow_none=allow_none)


class StringField(Field[_StrT]):
    """A string, with the server's length limits and pattern, or an e-mail address."""

    kind = "text"

    @overload
    def __init__(
        self: StringField[str],
        *,
        nullable: Literal[False] = ...,
        min_length: int | None = ...,
        max_length: int | None = ...,
        pattern: str | None = ...,
        email: bool = ...,
        **kwargs: Any,
    ) -> None: ...

    @overload
    def __init__(
        self: StringField[str | None],
        *,
        nullable: Literal[True],
        min_length: int | None = ...,
        max_length: int | None = ...,
        pattern: str | None = ...,
        email: bool = ...,
        **kwargs: Any,
    ) -> None: ...

    def __init__(
        self,
        *,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        email: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.email = email

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _StrT) -> None: ...

    def clean_value(self, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise _type_error(self.name, "a string", value)
        return value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        checks: list[Callable[[Any], Any]] = []
        if self.min_length is not None or self.max_length is not None:
            checks.append(validate.Length(min=self.min_length, max=self.max_length))
        if self.pattern is not None:
            checks.append(validate.Regexp(self.pattern))
        if self.email:
            return mm.Email(required=required, allow_none=allow_none, validate=checks)
        return mm.String(required=required, allow_none=allow_none, validate=checks)


class EnumField(Field[_EnumT]):
    """A value of a server enumeration, read as a member of ``enum_cls``.

    A value the enum does not know (a newer server's) is returned as the plain string rather
    than failing, so that listing keeps working; writing only accepts known values.
    Lookups compare its wire value, a string (``status__in=["annotation", JobStatus...]``).
    """

    kind = "text"

    @overload
    def __init__(
        self: EnumField[E], enum_cls: type[E], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: EnumField[E | None], enum_cls: type[E], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, enum_cls: type[enum.Enum], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum_cls = enum_cls
        self.choices = tuple(member.value for member in enum_cls)
        #: value -> member: a dict lookup instead of ``enum_cls(raw)`` (several calls).
        self._members: dict[Any, _EnumT] = {
            member.value: member  # type: ignore[misc]
            for member in enum_cls
        }
        self._table = {value: m for value, m in self._members.items() if isinstance(value, str)}

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _EnumT | str) -> None: ...

    def to_python(self, raw: Any) -> _EnumT:
        if raw is None:
            return None  # type: ignore[return-value]
        try:
            return self._members[raw]
        except (KeyError, TypeError):  # not a value (or unhashable): ask the enum itself
            pass
        try:
            return self.enum_cls(raw)  # type: ignore[return-value]
        except ValueError:
            return raw  # type: ignore[no-any-return]

    def clean_value(self, value: Any) -> Any:
        if value is None or isinstance(value, self.enum_cls):
            return value
        try:
            return self.enum_cls(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in self.enum_cls)
            raise ValidationError({self.name: [f"{value!r} is not one of {choices}."]}) from None

    def _to_raw(self, value: Any) -> Any:
        return value.value if isinstance(value, enum.Enum) else value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.String(
            required=required,
            allow_none=allow_none,
            validate=validate.OneOf([m.value for m in self.enum_cls]),
        )


_FROMISOFORMAT_READS_Z = sys.version_info >= (3, 11)


def parse_datetime(raw: str) -> dt.datetime:
    """An aware datetime from the server's ISO 8601 strings (``...Z`` included, on 3.10)."""
    if _FROMISOFORMAT_READS_Z:
        value = dt.datetime.fromisoformat(raw)
    else:
        text = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
        value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


class DateTimeField(Field[_DateT]):
    """An aware ``datetime`` (the server sends UTC ISO 8601 strings).

    A string the parser does not understand is returned unchanged rather than failing a whole
    listing; written values must be aware datetimes.
    """

    kind = "datetime"

    @overload
    def __init__(
        self: DateTimeField[dt.datetime], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: DateTimeField[dt.datetime | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _DateT) -> None: ...

    def to_python(self, raw: Any) -> _DateT:
        if not isinstance(raw, str):
            return raw  # type: ignore[no-any-return]
        try:
            return parse_datetime(raw)  # type: ignore[return-value]
        except ValueError:
            return raw  # type: ignore[return-value]

    def clean_value(self, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, dt.datetime):
            raise _type_error(self.name, "a datetime", value)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError({self.name: ["Expected an aware datetime (with a timezone)."]})
        return value

    def _to_raw(self, value: Any) -> Any:
        return value.isoformat()

    def to_filter(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return self.clean_value(value).isoformat()
        return value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.String(required=required, allow_none=allow_none)


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists and immutable scalars): what ``copy.deepcopy``
    gives for it, several times faster (no memo, no dispatch per scalar)."""
    if isinstance(value, dict):
        return {
            key: json_copy(item) if isinstance(item, dict | list) else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [json_copy(item) if isinstance(item, dict | list) else item for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return copy.deepcopy(value)  # not JSON (a tuple someone put there): the general copy


class _MutableField(Field[T]):
    """A JSON list or object: copied on read so that in-place edits don't touch the raw data,
    which stays the snapshot that ``save()`` compares with."""

    mutable = True

    def to_python(self, raw: Any) -> T:
        return json_copy(raw)  # type: ignore[no-any-return]


class ListField(_MutableField[_ListT]):
    """A JSON list; ``item`` is the marshmallow field that validates each element."""

    @overload
    def __init__(
        self: ListField[list[Any]],
        item: mm.Field[Any] | None = ...,
        *,
        nullable: Literal[False] = ...,
        **kwargs: Any,
    ) -> None: ...

    @overload
    def __init__(
        self: ListField[list[Any] | None],
        item: mm.Field[Any] | None = ...,
        *,
        nullable: Literal[True],
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, item: mm.Field[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _ListT | tuple[Any, ...]) -> None: ...

    def clean_value(self, value: Any) -> Any:
        if value is not None and not isinstance(value, list | tuple):
            raise _type_error(self.name, "a list", value)
        return list(value) if isinstance(value, tuple) else value

    def _to_raw(self, value: Any) -> Any:
        return list(value)

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.List(self.item or mm.Raw(), required=required, allow_none=allow_none)


class DictField(_MutableField[_DictT]):
    """A JSON object (an organization's ``contact``, ``organization_info``...)."""

    @overload
    def __init__(
        self: DictField[dict[str, Any]], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: DictField[dict[str, Any] | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _DictT | Mapping[str, Any]) -> None: ...

    def clean_value(self, value: Any) -> Any:
        if value is not None and not isinstance(value, Mapping):
            raise _type_error(self.name, "a dict", value)
        return dict(value) if value is not None and not isinstance(value, dict) else value

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.Dict(keys=mm.String(), required=required, allow_none=allow_none)


class StorageField(DictField[_DictT]):
    """``source_storage``/``target_storage``: read as ``Storage`` (with its own ``id``), written
    as ``StorageRequest`` (``location``, ``cloud_storage_id``): the id is dropped when sent."""

    @overload
    def __init__(
        self: StorageField[dict[str, Any]], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: StorageField[dict[str, Any] | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        # (the overloads above only restate DictField's for this class's own type)
        super().__init__(**kwargs)  # type: ignore[misc]

    def _to_raw(self, value: Any) -> Any:
        return {k: v for k, v in value.items() if k != "id"}

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.Nested(serialization.StorageSchema, required=required, allow_none=allow_none)


class LabelSpecsField(ListField[_ListT]):
    """The write-only ``labels`` of a task or project: a list of ``PatchedLabelRequest`` dicts
    (``{"name": "car", "attributes": [...]}``; ``{"id": 3, "deleted": True}`` removes one)."""

    def __init__(self: LabelSpecsField[list[Any]], **kwargs: Any) -> None:
        super().__init__(mm.Nested(serialization.LabelSpecSchema), write_only=True, **kwargs)


class UserField(Field[_UserT]):
    """A user, read from the nested ``BasicUser`` object the server sends (``owner``,
    ``assignee``, a membership's ``user``) as a ``User``.

    Written as the user's id under ``write_name`` (``assignee_id`` for tasks, ``assignee`` for
    jobs and issues). An assigned value may be a ``User``, an id or a username; a username is
    resolved to an id by ``save()``, with one request for all the usernames of that save.
    """

    kind = "relation"

    @overload
    def __init__(
        self: UserField[User], *, nullable: Literal[False] = ..., **kwargs: Any
    ) -> None: ...

    @overload
    def __init__(
        self: UserField[User | None], *, nullable: Literal[True], **kwargs: Any
    ) -> None: ...

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("related", "users")
        super().__init__(**kwargs)

    if TYPE_CHECKING:

        def __set__(self, instance: Model, value: _UserT | int | str) -> None: ...

    def _user_model(self) -> type[User]:
        model: type[User] | None = self.__dict__.get("_user_cls")
        if model is None:  # looked up once: every read of a user field needs it
            model = registry["users"]  # type: ignore[assignment]
            self.__dict__["_user_cls"] = model
        return model  # type: ignore[return-value]

    def to_python(self, raw: Any) -> _UserT:
        if type(raw) is not dict and not isinstance(raw, Mapping):
            return raw  # type: ignore[no-any-return]
        return self._user_model()._from_wire(  # type: ignore[return-value]
            dict(raw), client=None, organization=None
        )

    def from_wire(self, raw: Any, instance: Model) -> _UserT:
        if type(raw) is not dict and not isinstance(raw, Mapping):  # a dict: no ABC check
            return raw  # type: ignore[no-any-return]
        # ``prefetch_related("owner")`` read the full users (e-mail, groups, last login...)
        # that the nested ``BasicUser`` lacks: the read then returns the full one.
        prefetched = (instance.__dict__.get("_prefetched") or {}).get(self.name)
        if prefetched is not None and prefetched.pk == raw.get("id"):
            return prefetched  # type: ignore[no-any-return]
        return self._user_model()._from_wire(  # type: ignore[return-value]
            dict(raw), client=instance._client, organization=instance._organization
        )

    def clean_value(self, value: Any) -> Any:
        user_model = self._user_model()
        if value is None or isinstance(value, user_model):
            return value
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _type_error(self.name, "a User, a user id or a username", value)
        if isinstance(value, int):
            return user_model._from_wire({"id": value}, client=None, organization=None)
        username_check = user_model._meta.fields["username"].validator
        serialization.check_value(self.name, username_check, value)
        return user_model._from_wire({"username": value}, client=None, organization=None)

    def same_as_raw(self, value: Any, raw: Any) -> bool:
        if value is None or raw is None:
            return value is None and raw is None
        pk = getattr(value, "pk", None)
        return pk is not None and isinstance(raw, Mapping) and pk == raw.get("id")

    def needs_lookup(self, value: Any) -> str | None:
        """The username to resolve before ``value`` can be sent, if it has no id yet."""
        user_model = self._user_model()
        if isinstance(value, str):
            return value
        if isinstance(value, user_model) and value.pk is None:
            return value._raw.get("username")
        return None

    def clean(self, value: Any) -> Any:
        # A username has no id yet: it was checked as a username, and ``save()`` resolves it.
        cleaned = self.clean_value(value)
        if self.needs_lookup(cleaned) is None:
            self.check_wire(self.to_wire(cleaned))
        return cleaned

    def _to_raw(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        user_model = self._user_model()
        if isinstance(value, user_model):
            if value.pk is None:
                raise ValidationError(
                    {self.name: [f"{value!r} has no id: save() resolves usernames to ids."]}
                )
            return value.pk
        raise _type_error(self.name, "a User or a user id", value)

    def to_filter(self, value: Any) -> Any:
        """The username: the server's ``owner``/``assignee`` filters compare usernames."""
        user_model = self._user_model()
        if isinstance(value, user_model):
            username = value._raw.get("username")
            if username is None:
                raise ValidationError(
                    {self.name: [f"Filter by a username or a User with a username, not {value!r}."]}
                )
            return username
        if value is None or isinstance(value, str):
            return value
        raise ValidationError(
            {self.name: [f"The server filters {self.name} by username, not by {value!r}."]}
        )

    def _mm_field(self, *, required: bool, allow_none: bool) -> mm.Field[Any]:
        return mm.Integer(strict=True, required=required, allow_none=allow_none)
