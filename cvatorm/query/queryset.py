"""``QuerySet``: a lazy, chainable description of a list of objects on a CVAT server.

Django's model, kept where it matters: every chaining method returns a clone without the result
cache (``_chain()``); nothing is sent until the queryset is iterated, indexed, counted or
tested; ``_fetch_all()`` stores the objects in ``_result_cache`` only once the walk has
succeeded, and ``__iter__``, ``__len__``, ``__bool__`` and ``count()`` share that cache. Slices
compose (``qs[10:50][5:10]`` is ``qs[15:20]``) and are turned into the fewest page requests
(``pagination``); negative indexes are refused as in Django.

The queryset holds no HTTP knowledge: ``planner.make_plan`` splits the conditions between server
and Python, and ``executor.Executor`` sends the requests.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.connection.registry import ConnectionRef, connections
from cvatorm.exceptions import (
    BulkOperationError,
    FieldError,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.progress import ProgressReporter, reporting, resolve_progress, tracked
from cvatorm.query import bulk
from cvatorm.query.executor import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Executor, RelatedLoader
from cvatorm.query.parallel import parallel_batches
from cvatorm.query.paths import FieldPath, resolve_field
from cvatorm.query.planner import Plan, make_plan, resolve_q
from cvatorm.query.prefetch import check_prefetch, prefetch
from cvatorm.query.q import Q
from cvatorm.query.snapshot import snapshot_description
from cvatorm.query.subqueries import resolve_related
from cvatorm.wire.capabilities import capabilities_for

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.models.base import Model

__all__ = ["MAX_GET_RESULTS", "QuerySet"]

M = TypeVar("M", bound="Model")

#: Like Django: ``get()`` reads at most this many objects to report how many matched.
MAX_GET_RESULTS = 21
REPR_OUTPUT_SIZE = 20

_MODELS = "models"
_VALUES = "values"
_VALUES_LIST = "values_list"
_FLAT = "flat"


def _client_for(using: str | Client | ConnectionRef | None) -> Client:
    if isinstance(using, ConnectionRef):  # an unpickled queryset: this process's connection
        return using.resolve()
    if using is not None and not isinstance(using, str):
        return using
    return connections[using or "default"]


def _slug_of(organization: Any) -> Any:
    """An ``Organization`` object stands for its slug (any model of the organizations resource
    with a ``slug``; the query layer does not import the models)."""
    meta = getattr(type(organization), "_meta", None)
    if meta is not None and getattr(meta, "resource", None) == "organizations":
        return organization.slug
    return organization


class QuerySet(Generic[M]):
    """The objects of ``model`` matching some conditions, in some order, maybe sliced."""

    #: Objects per page when walking a listing; ``iterator(chunk_size=)`` overrides it.
    #: The walker of this queryset's pages (a list with odd answers adapts it).
    executor_class: ClassVar[type[Executor]] = Executor
    default_page_size: ClassVar[int] = DEFAULT_PAGE_SIZE
    #: The largest page the planner may ask for to serve a slice in a single request.
    max_page_size: ClassVar[int] = MAX_PAGE_SIZE

    def __init__(
        self,
        model: type[M],
        *,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> None:
        self.model = model
        self._using = using
        self._organization = organization
        self._where: Q | None = None
        self._ordering: tuple[str, ...] | None = None
        self._low = 0
        self._high: int | None = None
        self._prefetch: tuple[str, ...] = ()
        self._fields: tuple[str, ...] = ()
        self._mode = _MODELS
        self._empty = False
        self._narrowing: tuple[tuple[str, Any], ...] = ()
        self._result_cache: list[Any] | None = None
        #: The results came from ``prefetch_related()``: ``all()`` keeps them (as Django's
        #: related manager does); any other chaining queries the server again.
        self._prefetched_results = False

    # ------------------------------------------------------------------ cloning

    def _chain(self) -> QuerySet[M]:
        """A copy to modify: same query, no results."""
        clone = copy.copy(self)
        clone._result_cache = None
        clone._prefetched_results = False
        return clone

    def _with_results(self, objects: Sequence[M]) -> QuerySet[M]:
        """This query with ``objects`` as its results, already known (``prefetch_related()``
        fills a reverse relation so): iterating, ``len()``, ``count()``, ``exists()``,
        indexing and ``all()`` use them; ``filter()``, ``order_by()``... query again."""
        clone = self._chain()
        clone._result_cache = list(objects)
        clone._prefetched_results = True
        return clone

    # ------------------------------------------------------------------ pickling

    def __getstate__(self) -> dict[str, Any]:
        """A client travels as a ``ConnectionRef`` (server, user, alias; no credential) and is
        looked up in the receiving process when the queryset next sends a request."""
        state = dict(self.__dict__)
        using = state.get("_using")
        if using is not None and not isinstance(using, (str, ConnectionRef)):
            state["_using"] = ConnectionRef.of(using)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __copy__(self) -> QuerySet[M]:
        """The same query, the same client (``copy.copy`` would otherwise go through
        ``__getstate__``, made for pickles)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self, memo: dict[int, Any]) -> QuerySet[M]:
        """Clients are shared, not copied (they hold sockets and locks)."""
        if self._using is not None and not isinstance(self._using, str):
            memo.setdefault(id(self._using), self._using)
        clone = copy.copy(self)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            clone.__dict__[key] = copy.deepcopy(value, memo)
        return clone

    def _clone(self) -> QuerySet[M]:
        return self._chain()

    @property
    def is_sliced(self) -> bool:
        return self._low != 0 or self._high is not None

    def _refuse_if_sliced(self, what: str) -> None:
        if self.is_sliced:
            # As Django (a TypeError), but a cvatorm error naming the call and the slice.
            high = "" if self._high is None else self._high
            raise InvalidArgumentError(
                f"{what}()", f"queryset[{self._low}:{high}]",
                "called before a slice is taken (a sliced query cannot be changed)",
            )

    # ------------------------------------------------------------------ building

    def all(self) -> QuerySet[M]:
        """A copy of this queryset; a prefetched relation's copy keeps the prefetched
        objects (``task.jobs.all()`` after ``prefetch_related("jobs")`` sends nothing)."""
        if self._prefetched_results:
            return copy.copy(self)
        return self._chain()

    def none(self) -> QuerySet[M]:
        """An empty queryset that never sends a request."""
        clone = self._chain()
        clone._empty = True
        return clone

    def _filter_or_exclude(
        self, negate: bool, args: tuple[Q, ...], kwargs: dict[str, Any]
    ) -> QuerySet[M]:
        self._refuse_if_sliced("filter")
        # Every name, lookup and value resolved now, once: ``FieldError`` before any request,
        # as Django; the planner reuses the resolved leaves.
        q = resolve_q(self.model, Q(*args, **kwargs).materialized(), negated=negate)
        clone = self._chain()
        if q:
            condition = ~q if negate else q
            clone._where = condition if clone._where is None else clone._where & condition
        return clone

    def _related_to(self, **kwargs: Any) -> QuerySet[M]:
        """``filter(**kwargs)`` for a relation, whose values name objects that exist.

        The planner may then also send the server's simple filter for a condition it cannot
        express in JSON Logic (``/api/labels?project_id=3``): a server answers such a filter
        with an error when the object is missing, so plain ``filter()`` never does.
        """
        clone = self.filter(**kwargs)
        clone._narrowing = clone._narrowing + tuple(kwargs.items())
        return clone

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Objects matching all the conditions (``Q`` objects and ``field__lookup=value``)."""
        return self._filter_or_exclude(False, args, kwargs)

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Objects not matching the conditions taken together (``NOT (a AND b)``)."""
        return self._filter_or_exclude(True, args, kwargs)

    def order_by(self, *fields: str) -> QuerySet[M]:
        """Order by these fields (``-`` for descending); no field: the model's default."""
        self._refuse_if_sliced("order_by")
        for term in fields:
            if not isinstance(term, str) or not term.removeprefix("-") or term.startswith("--"):
                raise InvalidArgumentError(
                    "order_by", term, "a field name, '-' before it for descending"
                )
            if term == "?":
                raise FieldError("random ordering ('?') is not supported by CVAT")
            resolve_field(self.model, term.removeprefix("-"))
        clone = self._chain()
        clone._ordering = tuple(fields) or None
        return clone

    @property
    def ordered(self) -> bool:
        """Always true: every CVAT listing has an order (the model's default at least)."""
        return True

    def _effective_ordering(self) -> tuple[str, ...]:
        return self._ordering or tuple(self.model._meta.ordering)

    def reverse(self) -> QuerySet[M]:
        """The same objects in the opposite order."""
        self._refuse_if_sliced("reverse")
        clone = self._chain()
        clone._ordering = tuple(
            t[1:] if t.startswith("-") else f"-{t}" for t in self._effective_ordering()
        )
        return clone

    def using(self, alias: str | Client | None) -> QuerySet[M]:
        """Send the requests through another connection (an alias, or a client)."""
        is_client = callable(getattr(alias, "request", None))  # duck-typed: tests pass fakes
        if not (alias is None or isinstance(alias, str) or is_client):
            raise InvalidArgumentError("using", alias, "a connection alias (str), a Client or None")
        clone = self._chain()
        clone._using = alias
        return clone

    def organization(self, organization: Any) -> QuerySet[M]:
        """List in ``organization``: INHERIT (the client's context), None, "" or a slug (or an
        ``Organization`` object)."""
        organization = _slug_of(organization)
        if organization is not INHERIT and organization is not None and not isinstance(
            organization, str
        ):
            raise InvalidArgumentError(
                "organization", organization, 'INHERIT, None, "" or an organization slug'
            )
        clone = self._chain()
        clone._organization = organization
        return clone

    def in_org(self, slug: Any) -> QuerySet[M]:
        """List in the organization ``slug`` (or that ``Organization``); ``""`` is the personal
        workspace."""
        slug = _slug_of(slug)
        if not isinstance(slug, str):
            raise InvalidArgumentError("in_org()", slug, "an organization slug or Organization")
        return self.organization(slug)

    def prefetch_related(self, *names: str | None) -> QuerySet[M]:
        """Load these relations for every object in batches (``id in [...]``), not one by one.

        Chains (``"task__project"``) load one level after the other. ``prefetch_related(None)``
        clears the list.
        """
        clone = self._chain()
        if names == (None,):
            clone._prefetch = ()
            return clone
        for name in names:
            if not isinstance(name, str):
                raise InvalidArgumentError("prefetch_related()", name, "relation names (str)")
            check_prefetch(self.model, name)
        clone._prefetch = (*self._prefetch, *(n for n in names if isinstance(n, str)))
        return clone

    def values(self, *fields: str) -> QuerySet[Any]:
        """Dicts of field values instead of objects (relations give the related id)."""
        return self._values_clone(fields, _VALUES)

    def values_list(self, *fields: str, flat: bool = False) -> QuerySet[Any]:
        """Tuples of field values; ``flat=True`` with one field gives the values themselves."""
        if flat and len(fields) > 1:
            raise InvalidArgumentError(
                "flat", flat, "False when values_list() is called with more than one field"
            )
        return self._values_clone(fields, _FLAT if flat else _VALUES_LIST)

    def _values_clone(self, fields: tuple[str, ...], mode: str) -> QuerySet[Any]:
        meta = self.model._meta
        names = fields or tuple(n for n, f in meta.fields.items() if not f.write_only)
        if mode == _FLAT and not fields:
            raise InvalidArgumentError("flat", True, "False when values_list() names no field")
        for name in names:
            if not isinstance(name, str):
                raise InvalidArgumentError("values() fields", name, "field names (str)")
            resolve_field(self.model, name)
        clone: QuerySet[Any] = self._chain()
        clone._fields = names
        clone._mode = mode
        return clone

    # ------------------------------------------------------------------ slicing

    @overload
    def __getitem__(self, k: int) -> M: ...

    @overload
    def __getitem__(self, k: slice) -> QuerySet[M] | list[M]: ...

    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, bool) or not isinstance(k, (int, slice)):
            raise InvalidArgumentError("index", k, "an integer or a slice")
        if isinstance(k, slice) and not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool))
            for v in (k.start, k.stop, k.step)
        ):
            raise InvalidArgumentError("slice", k, "integer bounds")
        if (isinstance(k, int) and k < 0) or (
            isinstance(k, slice)
            and ((k.start is not None and k.start < 0) or (k.stop is not None and k.stop < 0))
        ):
            raise InvalidArgumentError(
                "index", k, "a non-negative index or slice (negative indexing is not supported)"
            )
        if self._result_cache is not None:
            return self._result_cache[k]
        if isinstance(k, slice):
            clone = self._chain()
            clone._set_limits(k.start, k.stop)
            if k.step is not None:
                return list(clone)[:: k.step]
            return clone
        clone = self._chain()
        clone._set_limits(k, k + 1)
        clone._fetch_all()
        assert clone._result_cache is not None
        return clone._result_cache[0]

    def _set_limits(self, start: int | None, stop: int | None) -> None:
        """Compose a slice with the current one, as Django's ``set_limits``."""
        if stop is not None:
            self._high = (
                min(self._high, self._low + stop) if self._high is not None else (self._low + stop)
            )
        if start is not None:
            self._low = self._low + start
            if self._high is not None:
                self._low = min(self._low, self._high)

    # ------------------------------------------------------------------ evaluation

    def _client(self) -> Client:
        return _client_for(self._using)

    def _plan(self, client: Client, steps: list[str] | None = None) -> Plan:
        caps = capabilities_for(client, self.model._meta.resource)
        # reverse-relation conditions become ``id in [...]`` (steps: described, not sent)
        where = resolve_related(
            self.model, self._where, client, self._request_organization(client), steps=steps
        )
        return make_plan(
            self.model,
            where,
            self._ordering,
            caps,
            low=self._low,
            high=self._high,
            narrowing=self._narrowing,
        )

    def _request_organization(self, client: Client) -> OrganizationArg:
        """The organization of the requests, ``INHERIT`` resolved to the client's context now
        (objects remember it). Organizations themselves are not scoped by an organization
        context: by default they are listed without one (everything visible), as the models
        fetch them."""
        if self._organization is INHERIT and not self.model._meta.organization_scoped:
            return None
        if self._organization is INHERIT:
            return getattr(client, "organization_slug", INHERIT)
        return self._organization

    def _executor(
        self, page_size: int | None = None, steps: list[str] | None = None
    ) -> Executor:
        client = self._client()
        return self.executor_class(
            self._plan(client, steps),
            client,
            self._request_organization(client),
            page_size=page_size or self.default_page_size,
            max_page_size=self.max_page_size,
        )

    def _iterate(
        self,
        page_size: int | None = None,
        concurrency: int = 1,
        reporter: ProgressReporter | None = None,
    ) -> Iterator[Any]:
        if self._empty or (self._high is not None and self._high <= self._low):
            return
        executor = self._executor(page_size)
        # a walk split in id batches (a long ``in``) or sending nothing is not parallelized
        parallel = concurrency > 1 and not (executor.plan.batches or executor.plan.empty)
        batches = parallel_batches(executor, concurrency) if parallel else executor.batches()
        if reporter is not None:
            yield from self._reported(batches, executor, reporter)
        else:
            yield from self._objects_of(batches, executor)

    def _reported(
        self, batches: Iterator[list[Any]], executor: Executor, reporter: ProgressReporter
    ) -> Iterator[Any]:
        """The walk of ``_iterate``, one unit of progress per object handed out. The bar
        starts when the first page arrived: its ``count`` is the total (clipped to the slice;
        unknown when conditions are checked locally, which drop some of them)."""
        pages = iter(batches)
        plan = executor.plan
        first = next(pages, None)
        total: int | None = executor.first_count
        if total is not None:
            upper = total if plan.high is None else min(total, plan.high)
            total = None if plan.has_local_filter else max(0, upper - plan.low)
        with reporting(
            reporter, total, desc=f"Listing {self.model.__name__} objects", unit="object"
        ):
            if first is None:
                return
            for item in self._objects_of(itertools.chain([first], pages), executor):
                yield item
                reporter.advance(1)

    def _objects_of(self, batches: Iterable[list[Any]], executor: Executor) -> Iterator[Any]:
        """Objects (or rows) built from raw pages, as ``_iterate`` builds them."""
        client = executor.client
        if self._mode != _MODELS:
            paths = [resolve_field(self.model, name) for name in self._fields]
            for batch in batches:
                for path in paths:
                    if len(path.fields) > 1:
                        executor.loader.prime(path, batch)
                for raw in batch:
                    yield self._row(raw, paths, executor.loader)
            return
        build = self.model._from_wire
        organization = executor.organization
        for batch in batches:
            objects = [build(raw, client=client, organization=organization) for raw in batch]
            if self._prefetch:
                prefetch(objects, self.model, self._prefetch, client, organization)
            yield from objects

    def _row(self, raw: Mapping[str, Any], paths: list[FieldPath], loader: RelatedLoader) -> Any:
        values = [p.python_value(raw, loader) for p in paths]
        if self._mode == _VALUES:
            return dict(zip(self._fields, values, strict=True))
        if self._mode == _FLAT:
            return values[0]
        return tuple(values)

    def __and__(self, other: QuerySet[M]) -> QuerySet[M]:
        """Objects in both querysets (their conditions AND-ed)."""
        return self._combine(other, and_=True)

    def __or__(self, other: QuerySet[M]) -> QuerySet[M]:
        """Objects in either queryset (their conditions OR-ed)."""
        return self._combine(other, and_=False)

    def _combine(self, other: object, *, and_: bool) -> QuerySet[M]:
        if not isinstance(other, QuerySet) or other.model is not self.model:
            # Named by type, never by repr: a queryset's repr would send a request.
            what = f"a {other.model.__name__} queryset" if isinstance(other, QuerySet) else other
            raise InvalidArgumentError(
                "the other operand", what, f"a {self.model.__name__} queryset"
            )
        if other.is_sliced:
            other._refuse_if_sliced("combine")
        self._refuse_if_sliced("combine")
        if self._empty or other._empty:
            if and_ or (self._empty and other._empty):
                return self.none()
            return (other if self._empty else self)._chain()  # OR with nothing
        mine, theirs = self._where or Q(), other._where or Q()
        if and_:
            combined = mine & theirs
        elif mine and theirs:
            combined = mine | theirs
        else:
            combined = Q()  # one side has no condition: it is everything
        clone = self._chain()
        clone._where = combined or None
        # A narrowing is a promise about every object of a queryset: it holds for both sides
        # of an AND, but an OR keeps it only when both sides make it.
        if and_:
            clone._narrowing = self._narrowing + other._narrowing
        elif self._narrowing != other._narrowing:
            clone._narrowing = ()
        return clone

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            results = list(self._iterate())
            self._result_cache = results  # only once the whole walk succeeded

    def __iter__(self) -> Iterator[M]:
        self._fetch_all()
        assert self._result_cache is not None
        return iter(self._result_cache)

    def __len__(self) -> int:
        self._fetch_all()
        assert self._result_cache is not None
        return len(self._result_cache)

    def __bool__(self) -> bool:
        self._fetch_all()
        return bool(self._result_cache)

    def __repr__(self) -> str:
        data: list[Any] = list(self[: REPR_OUTPUT_SIZE + 1])
        if len(data) > REPR_OUTPUT_SIZE:
            data[-1] = "...(remaining elements truncated)..."
        return f"<{type(self).__name__} {data!r}>"

    def iterator(
        self, chunk_size: int | None = None, *, concurrency: int = 1, progress: object = None
    ) -> Iterator[M]:
        """Objects page by page, without filling the cache: constant memory for any size.

        Every object is handed out exactly once, in any order, even while the loop changes
        them: orders other than the primary key are walked from a snapshot of the ids
        (``cvatorm/query/snapshot.py``, docs/reference/pagination.md).

        ``concurrency=n`` (opt-in) walks ``n`` disjoint id ranges at once, for throughput on
        long listings: objects then come *unordered* across pages, still each exactly once
        while others create and delete objects (``cvatorm/query/parallel.py``). It needs the
        primary-key order and no slice.

        ``progress`` (anything ``cvatorm.progress`` accepts: ``True`` is a tqdm bar when tqdm
        is installed) counts the objects handed out; the total is the first page's count.
        """
        reporter = None if progress is None else resolve_progress(progress)
        if chunk_size is not None and (
            isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0
        ):
            raise InvalidArgumentError("chunk_size", chunk_size, "a positive integer or None")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgumentError("concurrency", concurrency, "an integer >= 1")
        if concurrency > 1 and self.is_sliced:
            raise InvalidArgumentError(
                "concurrency", concurrency, "1 on a slice (a parallel walk is unordered)"
            )
        return self._iterate(chunk_size, concurrency, reporter)

    def count(self) -> int:
        """How many objects match: one small request, unless a local part must be checked."""
        if self._result_cache is not None:
            return len(self._result_cache)
        if self._empty:
            return 0
        return self._executor().count()

    def exists(self) -> bool:
        if self._result_cache is not None:
            return bool(self._result_cache)
        if self._empty:
            return False
        return self._executor().exists()

    def get(self, *args: Q, **kwargs: Any) -> M:
        """The one object matching; ``Model.DoesNotExist`` or ``MultipleObjectsReturned``."""
        clone = self.filter(*args, **kwargs) if (args or kwargs) else self._chain()
        if not clone.is_sliced:
            clone._high = MAX_GET_RESULTS
        clone._fetch_all()
        assert clone._result_cache is not None
        found = len(clone._result_cache)
        if found == 1:
            return clone._result_cache[0]  # type: ignore[no-any-return]
        name = self.model.__name__
        if not found:
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        # Django's words: at the limit, "more than 20" (21 were read to know it).
        how_many = f"more than {MAX_GET_RESULTS - 1}" if found >= MAX_GET_RESULTS else found
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {name} -- it returned {how_many}!"
        )

    def first(self) -> M | None:
        for obj in self[:1]:
            return obj
        return None

    def last(self) -> M | None:
        for obj in self.reverse()[:1]:
            return obj
        return None

    def earliest(self, *fields: str) -> M:
        """The first object ordered by ``fields`` (the pk by default); ``DoesNotExist`` if none."""
        return self._edge(fields or ("pk",))

    def latest(self, *fields: str) -> M:
        """The last object ordered by ``fields`` (the pk by default); ``DoesNotExist`` if none."""
        for term in fields:
            if not isinstance(term, str):
                raise InvalidArgumentError("latest()", term, "field names (str)")
        flipped = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields or ("pk",))
        return self._edge(flipped)

    def _edge(self, ordering: tuple[str, ...]) -> M:
        found = self.order_by(*ordering).first()
        if found is None:
            raise self.model.DoesNotExist(f"{self.model.__name__} matching query does not exist.")
        return found

    def in_bulk(
        self, id_list: Sequence[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """``{key: object}`` for these keys (all objects when ``id_list`` is None)."""
        self._refuse_if_sliced("in_bulk")
        if not isinstance(field_name, str):
            raise InvalidArgumentError("field_name", field_name, "a field name (str)")
        path = resolve_field(self.model, field_name)
        if id_list is not None:
            if isinstance(id_list, (str, bytes, Mapping)) or not isinstance(
                id_list, (Sequence, set, frozenset)
            ):
                raise InvalidArgumentError("id_list", id_list, "a list of keys or None")
            if not id_list:
                return {}
            qs = self.filter(**{f"{field_name}__in": list(id_list)})
        else:
            qs = self._chain()
        return {path.python_value(obj._raw): obj for obj in qs}

    # ------------------------------------------------------------------ writing

    def create(self, spec: Mapping[str, Any] | None = None, /, **kwargs: Any) -> M:
        """Create an object on the server (POST) and return it.

        Values come as keywords (Django) or as cvat-sdk's ``spec`` dict, or both; keys are
        field or relation names (``assignee``, ``project``) or the server's request names
        (``assignee_id``). Every value is validated before anything is sent.
        """
        if spec is not None and not isinstance(spec, Mapping):
            raise InvalidArgumentError("spec", spec, "a dict of field values, or None")
        values = {**(spec or {}), **kwargs}
        meta = self.model._meta
        named = {
            key if key in meta.fields or key in meta.relations
            else self.model._field_for_key(key).name: value
            for key, value in values.items()
        }
        obj = self.model(**named)
        obj.save(using=self._client(), organization=self._organization)
        return obj

    def bulk_create(
        self, objs: Iterable[M], *, concurrency: int = 4, progress: object = None
    ) -> list[M]:
        """Create the new objects, one POST each (CVAT has no bulk endpoint), ``concurrency``
        at a time; returns them, saved. Every object is checked before the first request;
        when some POSTs fail the others are not undone and nothing is retried:
        ``BulkCreateError`` lists what was created and what failed (``cvatorm/query/bulk.py``).
        ``progress`` counts the objects."""
        return bulk.bulk_create(
            self.model,
            objs,
            client=self._client(),
            organization=self._organization,
            concurrency=concurrency,
            progress=progress,
        )

    def retrieve(self, pk: Any) -> M:
        """The object with this primary key, read with one ``GET`` of its own URL (not a
        filtered listing); ``Model.DoesNotExist`` when there is none. cvat-sdk's name."""
        return self.model._fetch(pk, client=self._client(), organization=self._organization)

    def get_or_create(
        self, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """(object, False) if one matches ``kwargs``, else (a new one, True)."""
        self._check_defaults(defaults)
        try:
            return self.get(**kwargs), False
        except self.model.DoesNotExist:
            params = {k: v for k, v in kwargs.items() if "__" not in k}
            params.update(defaults or {})
            return self.create(**params), True

    def _check_defaults(self, defaults: object) -> None:
        """``defaults`` of ``get_or_create``/``update_or_create``, checked before the lookup's
        request: a mapping whose names and values the model accepts."""
        if defaults is None:
            return
        if not isinstance(defaults, Mapping):
            raise InvalidArgumentError("defaults", defaults, "a dict of field values, or None")
        meta = self.model._meta
        self.model(**{
            key if key in meta.fields or key in meta.relations
            else self.model._field_for_key(key).name: value
            for key, value in defaults.items()
        })

    def update_or_create(
        self, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """Update the one object matching ``kwargs`` with ``defaults``, or create it."""
        self._check_defaults(defaults)
        try:
            obj = self.get(**kwargs)
        except self.model.DoesNotExist:
            params = {k: v for k, v in kwargs.items() if "__" not in k}
            params.update(defaults or {})
            return self.create(**params), True
        for key, value in (defaults or {}).items():
            setattr(obj, key, value)
        if defaults:
            obj.save(update_fields=list(defaults), using=self._client())
        return obj, False

    def update(self, *, progress: object = None, **fields: Any) -> int:
        """PATCH ``fields`` on every matching object (one request each); returns how many.

        Values are validated before any request. When some PATCHes fail, the others are not
        undone: ``BulkOperationError`` lists which objects were changed and which were not.
        ``progress`` (anything ``cvatorm.progress`` accepts; silent by default) counts the
        objects, failed ones included (no model has a field named ``progress``).
        """
        self._refuse_if_sliced("update")
        meta = self.model._meta
        for name, value in fields.items():
            field = meta.fields.get(name)
            if field is None:
                raise FieldError(
                    f"{self.model.__name__} has no field {name!r}; "
                    f"choices are: {', '.join(meta.fields)}"
                )
            if not field.on_update:
                raise ValidationError({name: [f"{self.model.__name__}.{name} cannot be updated."]})
            field.clean(value)
        reporter = resolve_progress(progress)
        client = self._client()
        succeeded: list[Any] = []
        failed: list[tuple[Any, BaseException]] = []
        for obj in self._tracked(reporter, "Updating"):
            try:
                for name, value in fields.items():
                    setattr(obj, name, value)
                obj.save(update_fields=list(fields), using=client)
            except Exception as exc:
                failed.append((obj, exc))
            else:
                succeeded.append(obj)
        self._result_cache = None
        if failed:
            raise BulkOperationError("update", succeeded, failed)
        return len(succeeded)

    def delete(self, *, progress: object = None) -> tuple[int, dict[str, int]]:
        """DELETE every matching object (one request each): ``(count, {model: count})``.
        ``progress`` (anything ``cvatorm.progress`` accepts; silent by default) counts the
        objects."""
        self._refuse_if_sliced("delete")
        reporter = resolve_progress(progress)
        client = self._client()
        succeeded: list[Any] = []
        failed: list[tuple[Any, BaseException]] = []
        for obj in self._tracked(reporter, "Deleting"):
            try:
                obj.delete(using=client)
            except Exception as exc:
                failed.append((obj, exc))
            else:
                succeeded.append(obj)
        self._result_cache = None
        if failed:
            raise BulkOperationError("delete", succeeded, failed)
        return len(succeeded), {self.model.__name__: len(succeeded)}

    def _tracked(self, reporter: ProgressReporter, verb: str) -> Iterator[M]:
        """The matching objects (all fetched first, so the total is known), reported to
        ``reporter`` one object at a time: the progress of a bulk operation."""
        objects = list(self._chain()._iterate())
        return tracked(
            objects,
            reporter,
            total=len(objects),
            desc=f"{verb} {self.model.__name__} objects",
            unit="object",
        )

    # ------------------------------------------------------------------ explaining

    def explain(self) -> str:
        """The request(s) that will be sent, and what is evaluated locally."""
        steps: list[str] = []
        executor = self._executor(steps=steps)
        plan = executor.plan
        lines = [f"{self.model.__name__} objects (organization: {self._organization!r})"]
        if self._empty:
            return lines[0] + "\n  none(): no request"
        lines.extend(f"  {text}" for text in steps)
        lines.extend(f"  server: {text}" for text in executor.describe())
        if plan.keyset is not None and not (plan.high is not None and not plan.needs_full_scan):
            lines.append(
                f"  walk: keyset pagination on {plan.pk_var} "
                f"({'>' if plan.keyset == 'asc' else '<'} last id added each round)"
            )
        short_slice = (
            not plan.needs_full_scan
            and plan.high is not None
            and plan.high - plan.low <= self.max_page_size
        )
        if plan.keyset is None and not short_slice:
            lines.append("  " + snapshot_description(executor))
        if plan.local_filter:
            text = " AND ".join(c.describe() for c in plan.local_filter)
            lines.append(f"  local filter: {text}")
        if plan.local_order:
            lines.append(
                "  local ordering: "
                + ", ".join(t.text for t in plan.local_order)
                + " (every matching object is fetched, then sorted)"
            )
        if plan.has_local_filter:
            sliced = ""
            if self.is_sliced:
                high = "" if plan.high is None else plan.high
                sliced = f"; the slice [{plan.low}:{high}] is applied locally"
            lines.append(
                "  count(), exists() and slicing iterate the whole server-side result" + sliced
            )
        elif plan.local_order and self.is_sliced:
            lines.append("  slicing sorts every object first; count() and exists() do not")
        if self._prefetch:
            lines.append(
                "  prefetch: "
                + ", ".join(self._prefetch)
                + " (one 'id in [...]' list request per relation per page)"
            )
        return "\n".join(lines)
