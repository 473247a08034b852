"""``Request``: one of the server's background requests (``/api/requests``) as a model.

Exports, imports, backups, task data, auto-annotation and events exports answer ``202
{"rq_id"}`` and run on the server's workers; ``/api/requests`` lists the user's own requests
(queued, started, finished and failed ones, until they expire). This module makes them a
queryset (``Request.objects.filter(status="failed", task_id=7)``), with ``cancel()`` and
``wait()`` (which reuses :func:`cvatorm.operations._common.wait`, the loop every data operation
waits with, so polling, progress and typed failures are the same everywhere).

Three things differ from the other resources, and are handled here rather than in the generic
layers:

- the key is the request id, a string such as ``action=export&target=task&target_id=7&...``:
  quoted as one path segment, never validated as an id (:class:`RequestResource`);
- the filter variables (``task_id``, ``action``, ``format``...) are read by the server from the
  request's ``operation`` and its parsed id; the model derives the same values as top-level keys
  of the raw JSON (:func:`derive_keys`), so local filters, ``values()`` and relations read them;
- the server's JSON Logic for requests (``NonModelJsonLogicFilter``) evaluates only ``==``,
  ``in`` and ``== null`` faithfully (its ``in`` with a text is reversed, and ``<`` on a missing
  id fails), so every other lookup is evaluated locally (:class:`RequestQuerySet`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from cvatorm.exceptions import ValidationError
from cvatorm.models.base import Model
from cvatorm.models.data import Targeted
from cvatorm.models.fields import (
    DateTimeField,
    DictField,
    EnumField,
    FloatField,
    IntegerField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation
from cvatorm.operations._common import wait as wait_for_background
from cvatorm.query import Manager, Q, QuerySet
from cvatorm.query.executor import Executor
from cvatorm.query.planner import Plan, ResolvedLeaf, make_plan
from cvatorm.query.q import AND
from cvatorm.wire.capabilities import capabilities_for
from cvatorm.wire.listing import PageResult
from cvatorm.wire.resource import Action, Resource, direct

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.wire.listing import ListRequest

__all__ = [
    "Request",
    "RequestQuerySet",
    "RequestResource",
    "RequestStatus",
    "derive_keys",
]

M = TypeVar("M", bound=Model)

#: The keys :func:`derive_keys` adds to a request's JSON (the server's filter variables).
DERIVED_KEYS = ("action", "target", "subresource", "format", "task_id", "project_id", "job_id")


class RequestStatus(str, enum.Enum):
    """CVAT's ``RequestStatus`` (``cvat/apps/redis_handler/serializers.py``)."""

    QUEUED = "queued"
    STARTED = "started"
    FAILED = "failed"
    FINISHED = "finished"


def derive_keys(raw: dict[str, Any]) -> dict[str, Any]:
    """Add the server's filter variables to a request's JSON, in place (keys the server sent
    win): ``action``/``subresource`` from ``operation.type`` (``"export:backup"``: the action
    ``export`` of the subresource ``backup``; ``"create:task"``: no subresource), ``target``,
    ``format`` and the ids from ``operation``, as the real ``RequestViewSet.lookup_fields``
    read them from the parsed id and the job's meta."""
    operation = raw.get("operation")
    if not isinstance(operation, Mapping):
        return raw
    action, _, second = str(operation.get("type") or "").partition(":")
    target = operation.get("target")
    derived = {
        "action": action or None,
        "target": target,
        "subresource": second if second and second != target else None,
        "format": operation.get("format"),
        "task_id": operation.get("task_id"),
        "project_id": operation.get("project_id"),
        "job_id": operation.get("job_id"),
    }
    for key, value in derived.items():
        raw.setdefault(key, value)
    return raw


@dataclass(frozen=True)
class RequestResource(Resource):
    """``/api/requests`` with string keys of any characters: a request id
    (``action=export&target=task&target_id=7&...``) is quoted as one path segment, as the
    waiting code quotes it (``wire.endpoints.request_path``)."""

    def quote_pk(self, pk: object) -> str:
        if not isinstance(pk, str) or not pk.strip() or pk in {".", ".."}:
            raise ValidationError({self.pk: [f"expected a request id (str), not {pk!r}"]})
        return quote(pk, safe="")


def _equalities(where: Q | None) -> list[ResolvedLeaf]:
    """The ``field=value`` leaves every match must satisfy (the top-level AND's)."""
    if where is None or where.negated or where.connector != AND:
        return []
    found: list[ResolvedLeaf] = []
    for child in where.children:
        if isinstance(child, Q):
            found.extend(_equalities(child))
        elif (
            isinstance(child, ResolvedLeaf)
            and child.lookup.name == "exact"
            and child.lookup.rhs is not None
        ):
            found.append(child)
    return found


def _mixed_directions(ordering: tuple[str, ...] | None) -> bool:
    return len({term.startswith("-") for term in ordering or ()}) > 1


class _RequestExecutor(Executor):
    """Pages of requests with their derived keys, before local filters and sorts read them."""

    def fetch(self, request: ListRequest, *, announced: bool = False) -> PageResult:
        page = super().fetch(request, announced=announced)
        for raw in page.results:
            derive_keys(raw)
        return page


class RequestQuerySet(QuerySet[M]):
    """A queryset of background requests, planned around the real server's list.

    CVAT 2.64's JSON Logic for requests (``NonModelJsonLogicFilter``) fails with a 500 on any
    ``and``/``or`` of two rules, reverses ``in`` with a text and fails ``<`` on a missing id;
    its ordering reverses every key when one is descending. So the equalities of the top-level
    AND go as simple filters (``?status=finished&task_id=7``, which the server ANDs correctly)
    and every condition is also checked on the listed requests; a sort mixing directions is
    done locally.
    """

    executor_class = _RequestExecutor

    def _plan(self, client: Client, steps: list[str] | None = None) -> Plan:
        """``steps`` (the reverse-relation listings ``explain()`` describes): requests have
        no reverse relations, so there are none."""
        caps = capabilities_for(client, self.model._meta.resource)
        api = self.model._meta.require_api()
        params: dict[str, str] = {}
        for leaf in _equalities(self._where):
            var = api.filter_var(leaf.path.wire_path)
            if var is not None and var in caps.simple_filters:
                params.setdefault(var, str(leaf.lookup.wire_value()))
        listed = replace(
            caps,
            filter_fields=frozenset(),
            ordering_fields=(
                frozenset() if _mixed_directions(self._ordering) else caps.ordering_fields
            ),
        )
        plan = make_plan(
            self.model,
            self._where,
            self._ordering,
            listed,
            low=self._low,
            high=self._high,
            narrowing=self._narrowing,
        )
        return replace(plan, params=(*plan.params, *params.items()))


class RequestManager(Manager[M]):
    """``Request.objects``: the manager of :class:`RequestQuerySet`."""

    _queryset_class = RequestQuerySet


class Request(Targeted, Model):
    """A background request of the logged-in user. ``status`` moves ``queued`` -> ``started``
    -> ``finished`` (or ``failed``, with the server's ``message``); ``result_url`` is where a
    finished local export downloads from, ``result_id`` the object an import or a backup restore
    made. ``action``, ``target``, ``subresource``, ``format`` and the ids are what the server's
    filters compare (derived from ``operation``); ``task``, ``project`` and ``job`` are the
    objects the request is about."""

    objects: RequestManager[Request] = RequestManager()

    id = StringField()
    status = EnumField(RequestStatus)
    message = StringField()
    operation = DictField()
    progress = FloatField(nullable=True)
    created_date = DateTimeField()
    started_date = DateTimeField(nullable=True)
    finished_date = DateTimeField(nullable=True)
    expiry_date = DateTimeField(nullable=True)
    owner = UserField(nullable=True)
    result_url = StringField(nullable=True)
    result_id = IntegerField(nullable=True)
    action = StringField(nullable=True)
    target = StringField(nullable=True)
    subresource = StringField(nullable=True)
    format = StringField(nullable=True)
    task_id = IntegerField(nullable=True, related="tasks")
    project_id = IntegerField(nullable=True, related="projects")
    job_id = IntegerField(nullable=True, related="jobs")

    task = ForwardRelation("tasks", field="task_id")
    project = ForwardRelation("projects", field="project_id")
    job = ForwardRelation("jobs", field="job_id")

    class Meta:
        api = RequestResource(
            pk_kind="str",
            operations=frozenset({"list", "retrieve"}),
            filter_vars=direct("status", "created_date", *DERIVED_KEYS),
            actions={"cancel": Action("cancel")},
            organization_scoped=False,
        )
        ordering = ("-created_date",)

    def __repr__(self) -> str:
        status = self._raw.get("status")
        return f"<Request {self.type or '?'} {status}: {self.pk!r}>"

    def _init_state(self, raw: dict[str, Any], **state: Any) -> None:
        super()._init_state(derive_keys(raw), **state)

    @property
    def type(self) -> str:
        """The operation's type as the server names it (``"export:dataset"``)."""
        return str(self.operation.get("type") or "")

    @property
    def is_active(self) -> bool:
        """Queued or started: not finished, not failed."""
        return self.status in (RequestStatus.QUEUED, RequestStatus.STARTED)

    def cancel(self) -> None:
        """Cancel the request (``POST /api/requests/<id>/cancel``). The server cancels only a
        request that has not started: otherwise a ``BadRequestError`` with its message. A
        cancelled request is removed from the server."""
        self._target().request("POST", "cancel")

    def wait(
        self,
        *,
        timeout: float | None = None,
        status_check_period: float | None = None,
        progress: object = None,
    ) -> Request:
        """Poll until the request is finished and return it (updated); a failed request raises
        ``BackgroundRequestException`` with the server's message, a wait longer than
        ``timeout`` seconds ``OperationTimeoutError``. ``None`` uses the client's configured
        polling period and ``Config.background_timeout``."""
        target = self._target(
            progress=progress, status_check_period=status_check_period, timeout=timeout
        )
        desc = f"Waiting for {self.type or 'the request'}"
        finished = wait_for_background(target.context, str(self.pk), desc=desc)
        self._init_state(dict(finished.raw), client=target.client, organization=self._organization)
        return self
