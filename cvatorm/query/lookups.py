"""The lookup registry: ``field__<lookup>=value``, one small class per lookup.

A lookup knows three things: how to check its right-hand side (``prepare``, before any
request), how to evaluate itself in Python with Django's semantics (``matches``), and for which
kinds of field the server evaluates it *exactly* and how to spell that in JSON Logic
(``server_rule``). The planner sends a condition to the server only when the server's answer is
the one ``matches`` would give, so results do not depend on which side evaluated a condition.

Exactness, read from CVAT's ``JsonLogicFilter`` (PostgreSQL behind Django):

- ``==`` is Django ``exact``: case-sensitive for text, exact for numbers, booleans, datetimes;
- ``in`` with a list is ``__in``; ``in`` with a text first is ``__contains``, case-sensitive
  (LIKE with Django's escaping) -- so ``contains`` goes to the server and ``icontains`` does not;
- ``<``/``>``... on numbers and datetimes are exact; on text they follow the database
  collation, which Python cannot reproduce, so text comparisons stay local;
- nothing spells ``startswith``, ``endswith``, ``iexact``, ``regex``: local.

Adding a lookup::

    @register_lookup
    class NotEqual(Lookup):
        name = "ne"
        def matches(self, lhs, rhs):
            return lhs is not None and lhs != rhs
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from cvatorm.exceptions import FieldError
from cvatorm.wire import jsonlogic
from cvatorm.wire.jsonlogic import Rule

__all__ = [
    "KINDS",
    "Lookup",
    "Transform",
    "coerce",
    "get_lookup",
    "get_transform",
    "lookup_names",
    "register_lookup",
    "register_transform",
    "transform_names",
]

#: Field kinds the lookups reason about. ``relation`` compares related primary keys; ``date``
#: is what the ``__date`` transform of a datetime gives.
KINDS = frozenset({"text", "number", "bool", "datetime", "date", "relation", "other"})
_ORDERED = frozenset({"number", "datetime", "date", "relation"})
_EQUALITY = frozenset({"text", "number", "bool", "datetime", "date", "relation"})

_registry: dict[str, type[Lookup]] = {}

L = TypeVar("L", bound="type[Lookup]")


def register_lookup(cls: L) -> L:
    """Class decorator: make ``field__<cls.name>=`` available on every model."""
    name = getattr(cls, "name", "")
    if not name or "__" in name:
        raise ValueError(f"a lookup needs a name without '__': {cls!r}")
    _registry[name] = cls
    return cls


def get_lookup(name: str) -> type[Lookup] | None:
    return _registry.get(name)


def lookup_names() -> list[str]:
    return sorted(_registry)


def _parse_datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    return value


#: The spellings a boolean filter value may take, as Django's ``BooleanField.to_python``.
_BOOLEANS = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


def _boolean(value: Any) -> bool:
    """``True``/``False`` (or ``1``/``0``, ``"true"``/``"false"``); anything else is refused
    rather than read as truthy (``"no"`` would otherwise match ``True``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    raise ValueError(f"expected True or False, got {value!r}")


def coerce(kind: str, value: Any) -> Any:
    """A value as fields of ``kind`` compare it, the same for a field value and a lookup value.

    Enums become their wire value, naive datetimes are taken as UTC (the server's zone), ISO
    strings compared with datetimes are parsed, model instances stand for their primary key.
    """
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if kind == "datetime":
        if isinstance(value, str):
            try:
                value = _parse_datetime(value)
            except ValueError:
                raise ValueError(f"not an ISO 8601 datetime: {value!r}") from None
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value
    if kind == "date":
        return _date(value)
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    if kind == "bool":
        return _boolean(value)
    if kind == "number" and hasattr(value, "_meta"):
        return _related_key(value)  # jobs=<Job>, id__in=[<Task>...]: the primary key
    if kind == "number" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                raise ValueError(f"expected a number, got {value!r}") from None
    if kind == "relation":
        return _related_key(value)
    return value


def _date(value: Any) -> dt.date:
    """A date as ``__date`` compares it: an aware datetime is taken in UTC (the server's zone),
    as Django's ``DateField`` reads a datetime in the current time zone."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        day: dt.date = value.date()
        return day
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date: {value!r}") from None
    raise ValueError(f"expected a date, got {value!r}")


def _related_key(value: Any) -> Any:
    """A reference is compared by primary key: an object's, or an id given as is."""
    if hasattr(value, "_meta"):
        pk = getattr(value, "pk", None)
        if pk is None:
            raise ValueError(f"{value!r} is not saved (it has no id): it cannot be filtered on")
        return pk
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"expected an object or an id, got {value!r}")
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ValueError(
                f"expected an object or an id, got {value!r} (filter usernames with "
                "'<field>__username=')"
            ) from None
    return value


class Lookup:
    """One comparison between a field's value (``lhs``) and the lookup's value (``rhs``).

    ``kinds``: the field kinds the lookup applies to (``FieldError`` otherwise).
    ``server_kinds``: the kinds for which ``server_rule`` is exact on CVAT.
    """

    name: ClassVar[str] = ""
    kinds: ClassVar[frozenset[str]] = KINDS
    server_kinds: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, kind: str, value: Any) -> None:
        if kind not in self.kinds:
            raise FieldError(
                f"lookup '{self.name}' does not apply to a {kind} field "
                f"(it applies to: {', '.join(sorted(self.kinds))})"
            )
        self.kind = kind
        self.rhs = self.prepare(value)

    def prepare(self, value: Any) -> Any:
        """Check and normalize the lookup's value (raises before any request)."""
        return coerce(self.kind, value)

    @classmethod
    def trusted(cls, kind: str, rhs: Any) -> Lookup:
        """A lookup holding an already prepared ``rhs`` (the planner's own ``id in [...]``
        conditions, whose values come from the server), ``prepare`` skipped."""
        lookup = cls.__new__(cls)
        lookup.kind = kind
        lookup.rhs = rhs
        return lookup

    def matches(self, lhs: Any) -> bool:
        """Django's answer for one (already coerced) field value."""
        raise NotImplementedError

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        """The JSON Logic evaluating this lookup on ``var``; only called for ``server_kinds``."""
        return None

    def wire_value(self) -> Any:
        """``rhs`` as the server's filter compares it."""
        return _to_wire(self.rhs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.rhs!r}>"


def _to_wire(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    return value


def _text(lhs: Any) -> str | None:
    if lhs is None:
        return None
    return lhs if isinstance(lhs, str) else str(lhs)


@register_lookup
class Exact(Lookup):
    name = "exact"
    server_kinds = _EQUALITY

    def matches(self, lhs: Any) -> bool:
        if self.rhs is None:
            return lhs is None
        return lhs is not None and lhs == self.rhs

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        if wire_rhs is None:
            return jsonlogic.is_null(var)
        return jsonlogic.compare("==", var, wire_rhs)


@register_lookup
class In(Lookup):
    name = "in"
    server_kinds = _EQUALITY

    def prepare(self, value: Any) -> Any:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError(f"'in' needs a list of values, not {value!r}")
        # Like Django, None never matches in a list (SQL IN ignores NULL).
        return tuple(dict.fromkeys(coerce(self.kind, v) for v in value if v is not None))

    def matches(self, lhs: Any) -> bool:
        return lhs is not None and lhs in self.rhs

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        return jsonlogic.member_of(var, wire_rhs)


class _Compare(Lookup):
    kinds = frozenset({"text", "number", "datetime", "date", "relation", "bool"})
    server_kinds = _ORDERED
    op: ClassVar[str] = ""

    def prepare(self, value: Any) -> Any:
        if value is None:
            raise ValueError(f"'{self.name}' cannot compare with None (use isnull)")
        return coerce(self.kind, value)

    def matches(self, lhs: Any) -> bool:
        if lhs is None:
            return False
        try:
            return bool(_OPS[self.op](lhs, self.rhs))
        except TypeError:
            return False

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        return jsonlogic.compare(self.op, var, wire_rhs)


_OPS: dict[str, Any] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


@register_lookup
class GreaterThan(_Compare):
    name = "gt"
    op = ">"


@register_lookup
class GreaterThanOrEqual(_Compare):
    name = "gte"
    op = ">="


@register_lookup
class LessThan(_Compare):
    name = "lt"
    op = "<"


@register_lookup
class LessThanOrEqual(_Compare):
    name = "lte"
    op = "<="


@register_lookup
class Range(Lookup):
    name = "range"
    kinds = _Compare.kinds
    server_kinds = _ORDERED

    def prepare(self, value: Any) -> Any:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError(f"'range' needs (low, high), not {value!r}")
        bounds = tuple(value)
        if len(bounds) != 2 or None in bounds:
            raise ValueError(f"'range' needs (low, high), not {value!r}")
        return (coerce(self.kind, bounds[0]), coerce(self.kind, bounds[1]))

    def matches(self, lhs: Any) -> bool:
        if lhs is None:
            return False
        try:
            return bool(self.rhs[0] <= lhs <= self.rhs[1])
        except TypeError:
            return False

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        return jsonlogic.between(var, wire_rhs[0], wire_rhs[1])


@register_lookup
class IsNull(Lookup):
    name = "isnull"
    server_kinds = KINDS - {"other"}

    def prepare(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise TypeError(f"'isnull' needs True or False, not {value!r}")
        return value

    def matches(self, lhs: Any) -> bool:
        return (lhs is None) is self.rhs

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        return jsonlogic.is_null(var, bool(wire_rhs))


class _TextLookup(Lookup):
    """Lookups on text; ``other`` fields (JSON lists/objects) compare their ``str()``."""

    kinds = frozenset({"text", "other"})

    def prepare(self, value: Any) -> Any:
        if value is None:
            raise ValueError(f"'{self.name}' cannot compare with None (use isnull)")
        return coerce("text", value)

    def matches(self, lhs: Any) -> bool:
        text = _text(lhs)
        return text is not None and self.test(text)

    def test(self, text: str) -> bool:
        raise NotImplementedError


@register_lookup
class IExact(_TextLookup):
    name = "iexact"

    def prepare(self, value: Any) -> Any:
        return None if value is None else coerce("text", value)

    def matches(self, lhs: Any) -> bool:
        if self.rhs is None:  # Django: iexact=None is isnull=True
            return lhs is None
        return super().matches(lhs)

    def test(self, text: str) -> bool:
        return bool(text.upper() == self.rhs.upper())


@register_lookup
class Contains(_TextLookup):
    name = "contains"
    server_kinds = frozenset({"text"})

    def test(self, text: str) -> bool:
        return bool(self.rhs in text)

    def server_rule(self, var: str, wire_rhs: Any) -> Rule | None:
        return jsonlogic.contains(var, str(wire_rhs))


@register_lookup
class IContains(_TextLookup):
    name = "icontains"

    def test(self, text: str) -> bool:
        return bool(self.rhs.upper() in text.upper())


@register_lookup
class StartsWith(_TextLookup):
    name = "startswith"

    def test(self, text: str) -> bool:
        return text.startswith(self.rhs)


@register_lookup
class IStartsWith(_TextLookup):
    name = "istartswith"

    def test(self, text: str) -> bool:
        return text.upper().startswith(self.rhs.upper())


@register_lookup
class EndsWith(_TextLookup):
    name = "endswith"

    def test(self, text: str) -> bool:
        return text.endswith(self.rhs)


@register_lookup
class IEndsWith(_TextLookup):
    name = "iendswith"

    def test(self, text: str) -> bool:
        return text.upper().endswith(self.rhs.upper())


@register_lookup
class Regex(_TextLookup):
    name = "regex"
    flags: ClassVar[int] = 0

    def prepare(self, value: Any) -> Any:
        pattern = super().prepare(value)
        try:
            return re.compile(pattern, self.flags)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None

    def test(self, text: str) -> bool:
        return self.rhs.search(text) is not None


@register_lookup
class IRegex(Regex):
    name = "iregex"
    flags = re.IGNORECASE


# ---------------------------------------------------------------------------- transforms

_transforms: dict[str, Transform] = {}

T = TypeVar("T", bound="type[Transform]")


def register_transform(cls: T) -> T:
    """Class decorator: make ``<datetime field>__<cls.name>__<lookup>=`` available."""
    name = getattr(cls, "name", "")
    if not name or "__" in name or name in _registry:
        raise ValueError(f"a transform needs a name without '__', not a lookup's: {cls!r}")
    _transforms[name] = cls()
    return cls


def get_transform(name: str) -> Transform | None:
    return _transforms.get(name)


def transform_names() -> list[str]:
    return sorted(_transforms)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc) if value.tzinfo is not None else value


class Transform:
    """A part of a datetime (``created_date__year``) that the next lookup compares.

    Parts are taken in UTC, the server's time zone (CVAT answers ``...Z``; a datetime with
    another offset is converted first), as Django computes them in its current time zone.
    ``kind`` is the kind of the part, which decides the lookups that apply and how their values
    are checked. A *monotone* part (the year, the date) grows with the datetime: each value
    ``v`` covers the instants ``[start(v), start(after(v)))``, so every comparison of the part
    is a comparison of the datetime itself, which the server evaluates exactly. The others
    (month, day, week day, hour) repeat and are compared in Python.
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "number"
    monotone: ClassVar[bool] = False

    def apply(self, value: dt.datetime) -> Any:
        raise NotImplementedError

    def start(self, value: Any) -> dt.datetime:
        """The first instant whose part is ``value`` (monotone parts only)."""
        raise NotImplementedError

    def after(self, value: Any) -> Any:
        """The part value following ``value`` (monotone parts only)."""
        raise NotImplementedError

    def server_rule(self, lookup: Lookup, var: str) -> Rule | None:
        """``lookup`` on this part of the datetime variable ``var`` as datetime ranges, or
        None when it stays local (a repeating part, a lookup with no range, a bound outside
        the years a datetime holds)."""
        if lookup.name == "isnull":
            return jsonlogic.is_null(var, bool(lookup.rhs))
        if lookup.name == "exact" and lookup.rhs is None:
            return jsonlogic.is_null(var)
        if not self.monotone:
            return None
        try:
            return self._range_rule(lookup, var)
        except (OverflowError, ValueError, TypeError):
            return None

    def _at(self, value: Any) -> str:
        return self.start(value).isoformat()

    def _within(self, var: str, low: Any, high: Any) -> Rule:
        return jsonlogic.all_of([
            jsonlogic.compare(">=", var, self._at(low)),
            jsonlogic.compare("<", var, self._at(self.after(high))),
        ])

    def _range_rule(self, lookup: Lookup, var: str) -> Rule | None:
        name, rhs = lookup.name, lookup.rhs
        if name == "exact":
            return self._within(var, rhs, rhs)
        if name == "in":
            if not rhs:
                return jsonlogic.member_of(var, [])
            return jsonlogic.any_of([self._within(var, v, v) for v in rhs])
        if name == "range":
            return self._within(var, rhs[0], rhs[1])
        if name == "gt":
            return jsonlogic.compare(">=", var, self._at(self.after(rhs)))
        if name == "gte":
            return jsonlogic.compare(">=", var, self._at(rhs))
        if name == "lt":
            return jsonlogic.compare("<", var, self._at(rhs))
        if name == "lte":
            return jsonlogic.compare("<", var, self._at(self.after(rhs)))
        return None


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number: {value!r}")
    return value


@register_transform
class Year(Transform):
    name = "year"
    monotone = True

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).year

    def start(self, value: Any) -> dt.datetime:
        return dt.datetime(_whole(value), 1, 1, tzinfo=dt.timezone.utc)

    def after(self, value: Any) -> Any:
        return _whole(value) + 1


@register_transform
class Date(Transform):
    name = "date"
    kind = "date"
    monotone = True

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).date()

    def start(self, value: Any) -> dt.datetime:
        return dt.datetime.combine(value, dt.time.min, tzinfo=dt.timezone.utc)

    def after(self, value: Any) -> Any:
        return value + dt.timedelta(days=1)


@register_transform
class Month(Transform):
    name = "month"

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).month


@register_transform
class Day(Transform):
    name = "day"

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).day


@register_transform
class WeekDay(Transform):
    """Django's numbering: 1 is Sunday, 7 is Saturday."""

    name = "week_day"

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).isoweekday() % 7 + 1


@register_transform
class Hour(Transform):
    name = "hour"

    def apply(self, value: dt.datetime) -> Any:
        return _utc(value).hour
