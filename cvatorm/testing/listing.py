"""The list engine of LocalCVAT: filtering, search, ordering and pagination as CVAT 2.64 does them.

The real server runs, for every ``GET /api/<resource>`` list, its DRF filter backends in this
order (``REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]`` in ``cvat/settings/base.py``)::

    SimpleFilter -> SearchFilter -> OrderingFilter -> JsonLogicFilter -> OrganizationFilterBackend

and then ``CustomPagination`` (``cvat/apps/engine/pagination.py``, a DRF PageNumberPagination).
:func:`list_response` replays the first four and the pagination on already visible objects (the
permission filter and the organization backend live in :mod:`cvatorm.testing.permissions`), so
error precedence, messages and edge cases are those of the real server: a bad simple filter is a
400 before a bad JSON Logic filter is, a page past the end is a 404, and so on.

Comparisons follow what Django generates for PostgreSQL: ``==`` with ``null`` is ``IS NULL``,
``in`` with a string is a case-sensitive ``LIKE``, ``search`` is ``icontains``, ``NULL`` sorts
last ascending and first descending, values are converted the way the model field's
``get_prep_value`` converts them (and where that raises on the real server, the answer here is a
500 too, since the real server answers those with an unhandled-exception 500).

At scale (LocalCVAT is its users' test server too, with 100,000 tasks) the engine does what a
database would: every parameter is checked first, in the real server's order (so errors are
the same), then the rows are filtered before they are sorted; a list given as
:class:`Ordered` (the visible rows in id order, see :func:`visible_rows`) is cut to the id
range of a keyset filter (``id < last``) by binary search, and needs no sort at all when the
ordering is by id: a keyset page costs O(page), not O(N log N).
"""

from __future__ import annotations

import bisect
import datetime
import json
import math
import re
import sys
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, overload
from urllib.parse import urlencode

from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing_fields import (
    RESOURCES,
    FieldSpec,
    ListSpec,
    Obj,
    Related,
    StoreLike,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "RESOURCES",
    "FieldSpec",
    "ListSpec",
    "Ordered",
    "StoreLike",
    "detail_filter",
    "label_parent",
    "list_response",
    "ordering_for",
    "page_size_for",
    "paginate",
    "search_terms",
    "server_error",
    "visible_rows",
]

#: ``REST_FRAMEWORK["PAGE_SIZE"]`` of the real server.
DEFAULT_PAGE_SIZE = 10

Predicate = Callable[[Obj], bool]


def server_error() -> HttpError:
    """What the real server answers when a query makes Django raise (a FieldError, a ValueError
    from ``int("abc")``...): DRF does not handle those, so Django's plain 500 goes out."""
    return HttpError(500, "Server Error (500)")


def _bad_request(message: str) -> HttpError:
    """A DRF ``ValidationError("...")``: 400 with a JSON list of one string."""
    return HttpError(400, [message])


# --------------------------------------------------------------------------------------------
# value conversion (Django's Field.get_prep_value and friends)
# --------------------------------------------------------------------------------------------


def _parse_datetime(value: Any) -> datetime.datetime:
    """``DateTimeField.get_prep_value``: ISO strings (date-only too), naive means UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.datetime.combine(
                    datetime.date.fromisoformat(text), datetime.time()
                )
            except ValueError:
                raise server_error() from None
    else:
        raise server_error()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def _to_bool(value: Any) -> bool:
    """``BooleanField.to_python``: True/False (and 1/0), "t"/"True"/"1", "f"/"False"/"0"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if value in ("t", "True", "1"):
        return True
    if value in ("f", "False", "0"):
        return False
    raise server_error()


def _to_int(value: Any, *, op: str = "", fk: bool = False) -> int:
    """``IntegerField.get_prep_value``: ``int(value)``; floats are rounded up for ``<``/``>=``
    on plain integer columns (Django's IntegerFieldFloatRounding), truncated otherwise."""
    if isinstance(value, float) and not fk and op in ("lt", "gte") and math.isfinite(value):
        return math.ceil(value)
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise server_error() from None


def _prep(spec: FieldSpec, value: Any, op: str = "") -> Any:
    """A query value as the column's field converts it before comparing."""
    if spec.kind == "int":
        return _to_int(value, op=op, fk=spec.fk)
    if spec.kind == "str":
        return value if isinstance(value, str) else str(value)
    if spec.kind == "datetime":
        return _parse_datetime(value)
    return _to_bool(value)


def _column(spec: FieldSpec, obj: Obj, rel: Related) -> Any:
    """An object's value for a field, converted like the database column (None is NULL)."""
    value = spec.get(obj, rel)
    if value is None:
        return None
    if spec.kind == "datetime":
        return _parse_datetime(value)
    return value


def _pg_text(spec: FieldSpec, value: Any) -> str:
    """A column's value cast to text (``col::text``) for ``LIKE`` on non-text columns."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        text = value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        return text.rstrip("0").rstrip(".") + "+00"
    return str(value)


# --------------------------------------------------------------------------------------------
# JSON Logic (cvat/apps/engine/filters.py: JsonLogicFilter._build_Q)
# --------------------------------------------------------------------------------------------


class _Builder:
    """Turns parsed JSON Logic rules into a predicate exactly where ``_build_Q`` builds a Q.

    Structural mistakes raise like the Python of the real server: a ``KeyError`` (an unknown
    variable, a missing ``"var"``) is the 400 ``filter: term 'x' is not supported``; other
    exceptions (a list where a dict is expected, an empty ``and``) are unhandled there, so 500.
    Value conversion errors happen when Django compiles the filter, after the whole tree is
    built, so they are collected and raised (500) only if the tree was built without a 400.
    """

    def __init__(self, spec: ListSpec, rel: Related) -> None:
        self.spec = spec
        self.rel = rel
        self.deferred: list[HttpError] = []

    def lookup(self, name: Any) -> FieldSpec:
        if isinstance(name, (list, dict)):
            raise server_error()  # unhashable type
        if not isinstance(name, str) or name not in self.spec.filter_fields:
            raise _TermError(name)
        return self.spec.fields[name]

    @staticmethod
    def var_name(arg: Any) -> Any:
        if isinstance(arg, dict):
            if "var" not in arg:
                raise server_error()  # args[0]["var"]: a KeyError nothing catches in 2.64
            return arg["var"]
        if isinstance(arg, list):
            # list["var"] is a TypeError in Python
            raise server_error()
        if isinstance(arg, str):
            raise server_error()
        raise server_error()

    def build(self, rules: Any) -> Predicate:
        if not isinstance(rules, dict):
            raise server_error()  # AttributeError: no .items()
        if not rules:
            raise server_error()  # StopIteration from next(iter({}.items()))
        op, args = next(iter(rules.items()))
        if op in ("or", "and"):
            if isinstance(args, (str, list)):
                parts = [self.build(arg) for arg in args]
            elif isinstance(args, dict):
                parts = [self.build(key) for key in args]
            else:
                raise server_error()
            if not parts:
                raise server_error()  # reduce() of empty iterable
            if op == "and":
                return lambda obj: all(part(obj) for part in parts)
            return lambda obj: any(part(obj) for part in parts)
        if op == "!":
            inner = self.build(args)
            return lambda obj: not inner(obj)
        if op == "!!":
            return self.build(args)
        if op == "var":
            return self.not_null(args)
        compare = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
        if op in compare and self._length(args) == 2:
            spec = self.lookup(self.var_name(self._item(args, 0)))
            return self.comparison(spec, compare[op], self._item(args, 1))
        if op == "in":
            first = self._item(args, 0)
            if isinstance(first, dict):
                spec = self.lookup(self.var_name(first))
                return self.membership(spec, self._item(args, 1))
            spec = self.lookup(self.var_name(self._item(args, 1)))
            return self.contains(spec, first)
        if op == "<=" and self._length(args) == 3:
            spec = self.lookup(self.var_name(self._item(args, 1)))
            low = self.comparison(spec, "gte", self._item(args, 0))
            high = self.comparison(spec, "lte", self._item(args, 2))
            return lambda obj: low(obj) and high(obj)
        raise _bad_request(f"filter: operation '{op}' with arguments '{args}' is not supported")

    @staticmethod
    def _length(args: Any) -> int:
        try:
            return len(args)
        except TypeError:
            raise server_error() from None

    @staticmethod
    def _item(args: Any, index: int) -> Any:
        if isinstance(args, (list, str)):
            try:
                return args[index]
            except IndexError:
                raise server_error() from None
        if isinstance(args, dict):
            if index not in args:
                raise _TermError(index)
            return args[index]
        raise server_error()

    def not_null(self, name: Any) -> Predicate:
        """``Q(**{args + '__isnull': False})``: the raw model column, no lookup mapping."""
        if not isinstance(name, str):
            raise server_error()  # list + str is a TypeError
        getter = self.spec.columns.get(name)
        if getter is None:
            self.deferred.append(server_error())  # FieldError when the filter is applied
            return lambda obj: False
        rel = self.rel
        return lambda obj: getter(obj, rel) is not None

    def _prepared(self, spec: FieldSpec, value: Any, op: str) -> tuple[bool, Any]:
        try:
            return True, _prep(spec, value, op)
        except HttpError as error:
            self.deferred.append(error)
            return False, None

    def comparison(self, spec: FieldSpec, op: str, value: Any) -> Predicate:
        rel = self.rel
        if value is None:
            if op != "exact":
                self.deferred.append(server_error())  # Cannot use None as a query value
                return lambda obj: False
            return lambda obj: _column(spec, obj, rel) is None
        ok, prepared = self._prepared(spec, value, op)
        if not ok:
            return lambda obj: False
        test: Callable[[Any, Any], bool] = {
            "exact": lambda a, b: bool(a == b),
            "lt": lambda a, b: bool(a < b),
            "lte": lambda a, b: bool(a <= b),
            "gt": lambda a, b: bool(a > b),
            "gte": lambda a, b: bool(a >= b),
        }[op]

        def predicate(obj: Obj) -> bool:
            column = _column(spec, obj, rel)
            if column is None:
                return False
            return test(_sortable(column), _sortable(prepared))

        return predicate

    def membership(self, spec: FieldSpec, values: Any) -> Predicate:
        """``field__in=values``: NULLs dropped from the list; an empty list matches nothing."""
        if isinstance(values, (dict, str)):
            values = list(values)
        elif not isinstance(values, list):
            self.deferred.append(server_error())
            return lambda obj: False
        prepared = []
        for value in values:
            if value is None:
                continue
            ok, converted = self._prepared(spec, value, "in")
            if not ok:
                return lambda obj: False
            prepared.append(_sortable(converted))
        rel = self.rel

        def predicate(obj: Obj) -> bool:
            column = _column(spec, obj, rel)
            return column is not None and _sortable(column) in prepared

        return predicate

    def contains(self, spec: FieldSpec, value: Any) -> Predicate:
        """``field__contains=value``: a case-sensitive ``LIKE '%value%'`` (non-text columns are
        compared as ``column::text``)."""
        if value is None:
            self.deferred.append(server_error())
            return lambda obj: False
        ok, prepared = self._prepared(spec, value, "contains")
        if not ok:
            return lambda obj: False
        # the pattern is str() of the prepared value; the column is cast to text
        needle = prepared if isinstance(prepared, str) else str(prepared)
        rel = self.rel

        def predicate(obj: Obj) -> bool:
            column = _column(spec, obj, rel)
            return column is not None and needle in _pg_text(spec, column)

        return predicate


class _TermError(Exception):
    """A KeyError in ``_build_Q``: the variable is not one of the endpoint's filter fields."""

    def __init__(self, key: Any) -> None:
        super().__init__(key)
        self.key = key


def _json_logic(spec: ListSpec, raw: str, rel: Related) -> Predicate | None:
    """``JsonLogicFilter.filter_queryset``: parse, build, then apply."""
    return _json_logic_rules(spec, raw, rel)[0]


def _json_logic_rules(spec: ListSpec, raw: str, rel: Related) -> tuple[Predicate | None, Any]:
    """The predicate of a ``filter`` parameter and its parsed rules (None, None if empty)."""
    if not raw:
        return None, None
    try:
        rules = json.loads(raw)
    except ValueError as error:
        raise _bad_request(f"filter: can't parse filter expression: {error}") from None
    try:
        empty = not len(rules)
    except TypeError:
        raise server_error() from None
    if empty:
        raise _bad_request("filter shouldn't be empty")
    builder = _Builder(spec, rel)
    try:
        predicate = builder.build(rules)
    except _TermError as error:
        raise _bad_request(f"filter: term '{error.key}' is not supported") from None
    if builder.deferred:
        raise builder.deferred[0]
    return predicate, rules


# --------------------------------------------------------------------------------------------
# the id range of a filter (what a database answers from its primary key index)
# --------------------------------------------------------------------------------------------

_RANGE_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "exact"}


@dataclass
class _IdRange:
    """``low <= id <= high`` (None: unbounded), and whether the filter says nothing else."""

    low: int | None = None
    high: int | None = None
    only: bool = True

    def tighten(self, op: str, value: int) -> None:
        if op in ("gt", "gte", "exact"):
            bound = value + 1 if op == "gt" else value
            self.low = bound if self.low is None else max(self.low, bound)
        if op in ("lt", "lte", "exact"):
            bound = value - 1 if op == "lt" else value
            self.high = bound if self.high is None else min(self.high, bound)


def _id_range(spec: ListSpec, rules: Any) -> _IdRange:
    """The ids a (valid, already built) filter can match: its ``id`` comparisons at the top
    or in a top-level ``and``. Anything else leaves ``only`` False: the predicate still runs
    on the rows of the range."""
    result = _IdRange()
    if rules is None:
        return result
    if "id" not in spec.filter_fields:
        result.only = False
        return result
    field = spec.fields["id"]
    op, args = next(iter(rules.items()))
    terms = args if op == "and" and isinstance(args, list) else [rules]
    for term in terms:
        if not _id_term(field, term, result):
            result.only = False
    return result


def _id_term(field: FieldSpec, term: Any, into: _IdRange) -> bool:
    """Narrow ``into`` by one term if it compares ``id`` with a number; False otherwise."""
    if not isinstance(term, dict) or not term:
        return False
    op, args = next(iter(term.items()))
    if not isinstance(args, list):
        return False
    if op in _RANGE_OPS and len(args) == 2:
        var, value, name = args[0], args[1], _RANGE_OPS[op]
        pairs = [(name, value)]
    elif op == "<=" and len(args) == 3:
        var, pairs = args[1], [("gte", args[0]), ("lte", args[2])]
    else:
        return False
    if not (isinstance(var, dict) and var.get("var") == "id"):
        return False
    prepared = []
    for name, value in pairs:
        if value is None:
            return False
        try:
            number = _prep(field, value, name)
        except HttpError:
            return False
        if not isinstance(number, int):
            return False
        prepared.append((name, number))
    for name, number in prepared:
        into.tighten(name, number)
    return True


# --------------------------------------------------------------------------------------------
# simple filters (SimpleFilter: a django-filter FilterSet over ``simple_filters``)
# --------------------------------------------------------------------------------------------

_NULL_CHARACTERS = "Null characters are not allowed."


def _simple_value(
    name: str, spec: FieldSpec, raw: str, rel: Related
) -> tuple[bool, Any, str | None]:
    """Parse one simple filter value like its django-filter form field.

    Returns (apply, value, error): ``apply`` is False for an empty value (django-filter skips
    the filter), ``error`` is the form error message.
    """
    if spec.simple == "char":
        value = raw.strip()
        if "\x00" in value:
            return False, None, _NULL_CHARACTERS
        return bool(value), value, None
    if spec.simple == "choice":
        if raw == "":
            return False, None, None
        if raw not in spec.choices:
            return False, None, (
                f"Select a valid choice. {raw} is not one of the available choices."
            )
        return True, raw, None
    if spec.simple == "bool":
        mapping = {"True": True, "true": True, "2": True, "False": False, "false": False,
                   "3": False}
        if raw not in mapping:
            return False, None, None
        return True, mapping[raw], None
    # "number": django-filter's NumberFilter, which CVAT also uses for foreign keys (its
    # SimpleFilter overrides ModelChoiceFilter, whose choices leaked every row): an id that
    # matches no row is just an empty page, not "Select a valid choice".
    if raw == "":
        return False, None, None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return False, None, "Enter a number."
    if not number.is_finite():
        return False, None, "Enter a number."
    return True, int(number), None


def _simple_filters(
    spec: ListSpec, items: list[Obj], query: Mapping[str, str], rel: Related
) -> list[Obj]:
    tests = _simple_tests(spec, query, rel)
    if not tests:
        return items
    return [
        obj
        for obj in items
        if all(_column(field, obj, rel) == value for field, value in tests)
    ]


def _simple_tests(
    spec: ListSpec, query: Mapping[str, str], rel: Related
) -> list[tuple[FieldSpec, Any]]:
    """The simple filters of a query as (field, value) equality tests; the form's 400."""
    errors: dict[str, list[str]] = {}
    tests: list[tuple[FieldSpec, Any]] = []
    for name in spec.simple_filters:
        if name in spec.special_simple or name not in query:
            continue
        field = spec.fields[name]
        apply, value, error = _simple_value(name, field, query[name], rel)
        if error is not None:
            errors[name] = [error]
        elif apply:
            tests.append((field, value))
    if errors:
        raise HttpError(400, errors)
    return tests


# --------------------------------------------------------------------------------------------
# search (DRF SearchFilter: smart split, AND over terms, OR over fields, icontains)
# --------------------------------------------------------------------------------------------

_SMART_SPLIT = re.compile(
    r"""
    ((?:
        [^\s'"]*
        (?:
            (?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')
            [^\s'"]*
        )+
    ) | \S+)
    """,
    re.VERBOSE,
)


def search_terms(value: str) -> list[str]:
    """DRF's ``search_smart_split``: whitespace-separated, quoted phrases kept together, and
    unquoted tokens further split on commas."""
    terms: list[str] = []
    for match in _SMART_SPLIT.finditer(value):
        term = match.group(0).strip(",")
        if term.startswith(('"', "'")) and term[0] == term[-1]:
            quote = term[0]
            terms.append(term[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\"))
        else:
            terms.extend(part.strip() for part in term.split(",") if part)
    return terms


def _search(spec: ListSpec, items: list[Obj], raw: str, rel: Related) -> list[Obj]:
    return _apply_search(spec, items, _search_query(spec, raw), rel)


def _search_query(spec: ListSpec, raw: str) -> list[str]:
    """The search terms that filter (none: no search); the 400 of a NUL character."""
    if "\x00" in raw:
        raise _bad_request(_NULL_CHARACTERS)
    terms = search_terms(raw)
    return terms if spec.search_fields else []


def _apply_search(spec: ListSpec, items: list[Obj], terms: list[str], rel: Related) -> list[Obj]:
    if not terms:
        return items
    fields = [spec.fields[name] for name in spec.search_fields]

    def haystacks(obj: Obj) -> list[str]:
        values = (field.get(obj, rel) for field in fields)
        return [str(value).upper() for value in values if value is not None]

    result = []
    for obj in items:
        texts = haystacks(obj)
        if all(any(term.upper() in text for text in texts) for term in terms):
            result.append(obj)
    return result


# --------------------------------------------------------------------------------------------
# ordering (CVAT's OrderingFilter over DRF's: ``sort``, unknown names dropped)
# --------------------------------------------------------------------------------------------


def ordering_for(spec: ListSpec, raw: str | None) -> tuple[str, ...]:
    """The effective ordering terms: the valid ones of ``sort``, else the default ordering."""
    if raw:
        terms = [term.strip() for term in raw.split(",")]
        valid = tuple(
            term for term in terms if term.removeprefix("-") in spec.ordering_fields
        )
        if valid:
            return valid
    return spec.ordering


def _sortable(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    return value


def _order(spec: ListSpec, items: list[Obj], terms: Sequence[str], rel: Related) -> list[Obj]:
    """Sort like PostgreSQL: NULLs last ascending, first descending; text in code point order.

    Rows equal on every term keep ascending id order (PostgreSQL gives no guarantee there; a
    fixed tie order keeps pages stable).
    """
    key_field = "key" if spec.resource == "invitations" else "id"
    result = sorted(items, key=lambda obj: _sortable(obj.get(key_field)))
    for term in reversed(terms):
        descending = term.startswith("-")
        field = spec.fields[term.removeprefix("-")]
        present = [obj for obj in result if _column(field, obj, rel) is not None]
        missing = [obj for obj in result if _column(field, obj, rel) is None]
        present.sort(
            key=lambda obj: _sortable(_column(field, obj, rel)), reverse=descending
        )
        result = missing + present if descending else present + missing
    return result


# --------------------------------------------------------------------------------------------
# labels: job_id / task_id / project_id (LabelViewSet.get_queryset)
# --------------------------------------------------------------------------------------------


def label_parent(store: StoreLike, query: Mapping[str, str]) -> tuple[str, Obj] | None:
    """The object whose labels ``/api/labels?job_id=|task_id=|project_id=`` lists, or None.

    The real server checks these before any filter backend: more than one given is a 400;
    an unknown or non-numeric id makes its ``Model.objects.get`` raise (a 500).
    """
    given = [name for name in ("job_id", "task_id", "project_id") if name in query]
    if len(given) > 1:
        raise _bad_request("job_id, task_id and project_id parameters cannot be used together")
    for name in given:
        raw = query[name]
        if not raw:
            continue
        resource = {"job_id": "jobs", "task_id": "tasks", "project_id": "projects"}[name]
        try:
            pk = int(raw)
        except ValueError:
            raise server_error() from None
        found = store.get(resource, pk)
        if found is None:
            raise server_error()
        return resource, found
    return None


def _labels_of(store: StoreLike, parent: tuple[str, Obj]) -> tuple[str, Any]:
    """Which label column holds the owner of the labels of a job, task or project."""
    resource, obj = parent
    if resource == "jobs":
        task = store.get("tasks", obj["task_id"])
        if task is None:
            raise server_error()
        resource, obj = "tasks", task
    if resource == "tasks" and obj.get("project_id") is not None:
        return "project_id", obj["project_id"]
    if resource == "tasks":
        return "task_id", obj["id"]
    return "project_id", obj["id"]


# --------------------------------------------------------------------------------------------
# pagination (CustomPagination over DRF PageNumberPagination + Django Paginator)
# --------------------------------------------------------------------------------------------


def page_size_for(query: Mapping[str, str]) -> int:
    """``CustomPagination.get_page_size``: ``all``, any positive int, else the default."""
    raw = query.get("page_size")
    size = 0
    if raw is not None:
        if raw == "all":
            size = sys.maxsize
        else:
            try:
                size = int(raw)
            except ValueError:
                size = 0
    return size if size > 0 else DEFAULT_PAGE_SIZE


def _page_number(raw: str | None, num_pages: int) -> int:
    """Django ``Paginator.validate_number`` behind DRF: any failure is ``Invalid page.``."""
    value = raw or "1"
    if value == "last":
        return num_pages
    try:
        number = int(value)
    except ValueError:
        raise HttpError(404, {"detail": "Invalid page."}) from None
    if number < 1 or number > num_pages:
        raise HttpError(404, {"detail": "Invalid page."})
    return number


def _link(base_url: str, path: str, query: Mapping[str, str], page: int | None) -> str:
    """DRF's ``replace_query_param``/``remove_query_param`` on the request's absolute URI:
    the query is re-encoded sorted by name."""
    params = {key: value for key, value in query.items() if key != "page"}
    if page is not None:
        params["page"] = str(page)
    encoded = urlencode(sorted(params.items()))
    url = base_url.rstrip("/") + path
    return f"{url}?{encoded}" if encoded else url


def paginate(
    items: Sequence[Obj], query: Mapping[str, str], *, base_url: str, path: str
) -> dict[str, Any]:
    """``{"count", "next", "previous", "results"}`` of the requested page."""
    per_page = page_size_for(query)
    count = len(items)
    num_pages = max(1, math.ceil(count / per_page)) if count else 1
    number = _page_number(query.get("page"), num_pages)
    bottom = (number - 1) * per_page
    top = min(bottom + per_page, count)
    next_link = (
        _link(base_url, path, query, number + 1) if number < num_pages else None
    )
    previous_link = None
    if number > 1:
        previous_link = _link(base_url, path, query, None if number == 2 else number - 1)
    return {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": list(items[bottom:top]),
    }


# --------------------------------------------------------------------------------------------
# the list endpoint
# --------------------------------------------------------------------------------------------


def detail_filter(
    resource: str, obj: Obj, query: Mapping[str, str], *, store: StoreLike
) -> bool:
    """Whether ``GET /api/<resource>/<id>?<query>`` finds ``obj``.

    DRF's ``get_object`` runs the same filter backends as the list (simple filters, search,
    JSON Logic; not the organization backend, which skips detail views), so a retrieve, update
    or delete with a non-matching filter is a 404 and a bad filter the same 400 as on the list.
    """
    spec = RESOURCES.get(resource)
    if spec is None:
        return True
    rel = Related(store)
    rows = _simple_filters(spec, [obj], query, rel)
    rows = _search(spec, rows, query.get("search", ""), rel)
    predicate = _json_logic(spec, query.get("filter", ""), rel)
    if predicate is not None:
        rows = [row for row in rows if predicate(row)]
    return bool(rows)


@dataclass(frozen=True)
class Ordered:
    """Visible rows in ascending key order and their keys (parallel lists): what a list
    request can cut by id range and page without sorting."""

    rows: list[Obj]
    keys: list[Any]


class IndexedStore(StoreLike, Protocol):
    """A store with a sorted key index and a memo (:class:`cvatorm.testing.store.Store`)."""

    def sorted_rows(self, resource: str) -> list[Obj]: ...

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


def visible_rows(
    store: IndexedStore,
    resource: str,
    who: Hashable,
    visible: Callable[[list[Obj]], list[Obj]],
) -> Ordered:
    """The rows of ``resource`` that ``visible`` keeps, in id order, kept until the next write.

    ``visible`` (the permission filter and organization backend of the request) must depend
    only on the store and on ``who`` (the user, the organization context, the parameters that
    change visibility): a walk of 200 pages then filters 100,000 rows once, not 200 times.
    The caller holds the store's read hold while it uses the rows.
    """
    key_field = "key" if resource == "invitations" else "id"

    def build() -> Ordered:
        rows = visible(store.sorted_rows(resource))
        return Ordered(rows, [row[key_field] for row in rows])

    result: Ordered = store.memo(("visible", resource, who), build)
    return result


class _View(Sequence[Obj]):
    """``rows[start:stop]``, forwards or backwards, without copying it: a keyset page over
    100,000 :class:`Ordered` rows reads its length and the one slice pagination asks for."""

    def __init__(self, rows: list[Obj], start: int, stop: int, backwards: bool) -> None:
        self._rows = rows
        self._start = start
        self._len = max(0, stop - start)
        self._backwards = backwards

    def __len__(self) -> int:
        return self._len

    def _at(self, i: int) -> int:
        return self._start + (self._len - 1 - i if self._backwards else i)

    @overload
    def __getitem__(self, index: int) -> Obj: ...

    @overload
    def __getitem__(self, index: slice) -> list[Obj]: ...

    def __getitem__(self, index: int | slice) -> Obj | list[Obj]:
        if isinstance(index, int):
            if not -self._len <= index < self._len:
                raise IndexError(index)
            return self._rows[self._at(index % self._len)]
        start, stop, step = index.indices(self._len)
        if step != 1 or stop <= start:
            return [self._rows[self._at(i)] for i in range(start, stop, step)]
        if self._backwards:
            return self._rows[self._at(stop - 1) : self._at(start) + 1][::-1]
        return self._rows[self._at(start) : self._at(stop - 1) + 1]


def _bounds(items: Ordered, ids: _IdRange) -> tuple[int, int]:
    """Where the rows of ``items`` whose key lies in the range start and stop (binary search
    on the keys)."""
    keys = items.keys
    start = 0 if ids.low is None else bisect.bisect_left(keys, ids.low)
    stop = len(keys) if ids.high is None else bisect.bisect_right(keys, ids.high)
    return start, max(start, stop)


def list_response(
    resource: str,
    items: list[Obj] | Ordered,
    query: Mapping[str, str],
    *,
    store: StoreLike,
    base_url: str,
    path: str,
) -> dict[str, Any]:
    """The body of ``GET <path>?<query>`` for ``resource``, given the objects the user may see.

    ``items`` are the visible objects (see :func:`cvatorm.testing.permissions.visible_items`,
    which also applies the organization context), as a list in any order or as
    :class:`Ordered` rows (:func:`visible_rows`); ``query`` is the request's query string as a
    mapping (parameters this endpoint does not know, like ``org``, are ignored, as on the real
    server). Raises :class:`HttpError` with the real server's status and body.
    """
    spec = RESOURCES.get(resource)
    if spec is None:
        raise KeyError(f"no list endpoint for {resource!r}")
    rel = Related(store)
    # Every parameter is checked before any row is read, in the order of the real server's
    # filter backends, so the first error is the real one.
    owner = None
    if resource == "labels":
        parent = label_parent(store, query)
        if parent is not None:
            owner = _labels_of(store, parent)
    tests = _simple_tests(spec, query, rel)
    terms = _search_query(spec, query.get("search", ""))
    ordering = ordering_for(spec, query.get("sort"))
    predicate, rules = _json_logic_rules(spec, query.get("filter", ""), rel)

    key_field = "key" if resource == "invitations" else "id"
    by_id = ordering in ((key_field,), ("-" + key_field,))
    if isinstance(items, Ordered):
        ids = _id_range(spec, rules)
        start, stop = _bounds(items, ids)
        if ids.only:
            predicate = None  # the range is the whole filter
        if by_id and ids.only and owner is None and not tests and not terms:
            # a keyset page: the range itself, in id order, is the answer (O(page + log N))
            view = _View(items.rows, start, stop, backwards=ordering[0].startswith("-"))
            return paginate(view, query, base_url=base_url, path=path)
        result = items.rows[start:stop]
    else:
        result = list(items)
    if owner is not None:
        column, value = owner
        result = [obj for obj in result if obj.get(column) == value]
    if tests:
        result = [
            obj for obj in result
            if all(_column(field, obj, rel) == value for field, value in tests)
        ]
    result = _apply_search(spec, result, terms, rel)
    if predicate is not None:
        result = [obj for obj in result if predicate(obj)]
    ordered: Sequence[Obj]
    if isinstance(items, Ordered) and by_id:
        ordered = _View(result, 0, len(result), backwards=ordering[0].startswith("-"))
    else:
        ordered = _order(spec, result, ordering, rel)
    return paginate(ordered, query, base_url=base_url, path=path)
