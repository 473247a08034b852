"""``LambdaFunction`` and ``LambdaRequest``: CVAT's serverless functions (``/api/lambda/...``).

A function (a detector, an interactor, a tracker, a re-identifier) runs in nuclio beside the
server. ``LambdaFunction.call()`` runs it once, now, on one frame (``POST
/api/lambda/functions/<id>``); ``LambdaFunction.run()`` auto-annotates a whole task or job as a
background request (``POST /api/lambda/requests``), listed under ``/api/lambda/requests`` and
waited for like every other background request (``/api/requests/<id>``).

A server without nuclio answers every call that needs it with ``503`` and the text of the
connection error; that is a :class:`~cvatorm.exceptions.LambdaUnavailableError` here (the
server's reason in ``detail``), raised from listing, retrieving, calling and running alike.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.exceptions import (
    InvalidArgumentError,
    LambdaUnavailableError,
    ServerError,
    ValidationError,
)
from cvatorm.models.base import Model
from cvatorm.models.clients import resolve_client, resolve_organization
from cvatorm.models.data import Targeted
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    DictField,
    EnumField,
    IntegerField,
    ListField,
    StringField,
)
from cvatorm.models.requests import RequestResource
from cvatorm.operations._common import wait as wait_for_background
from cvatorm.query import Manager, QuerySet
from cvatorm.query.executor import Executor
from cvatorm.wire.listing import PageResult
from cvatorm.wire.resource import Resource

if TYPE_CHECKING:
    from cvatorm.connection.client import Client
    from cvatorm.wire.listing import ListRequest

__all__ = ["FunctionKind", "LambdaFunction", "LambdaRequest"]

M = TypeVar("M", bound=Model)

_SERVICE_UNAVAILABLE = 503


@contextlib.contextmanager
def serverless() -> Iterator[None]:
    """A 503 of a lambda endpoint as the typed ``LambdaUnavailableError``."""
    try:
        yield
    except ServerError as error:
        if error.status == _SERVICE_UNAVAILABLE and not isinstance(error, LambdaUnavailableError):
            raise LambdaUnavailableError.from_error(error) from error
        raise


class FunctionKind(str, enum.Enum):
    """``cvat/apps/lambda_manager/models.py``: what a function does."""

    DETECTOR = "detector"
    INTERACTOR = "interactor"
    REID = "reid"
    TRACKER = "tracker"


class _WholeListExecutor(Executor):
    """The lambda lists are bare JSON lists, unpaginated: one request, sliced here."""

    def fetch(self, request: ListRequest, *, announced: bool = False) -> PageResult:
        with serverless():
            return super().fetch(request, announced=announced)

    def _server_pages(self, low: int, high: int | None) -> Iterator[list[dict[str, Any]]]:
        if high is not None and high <= low:
            return
        chunk = self.fetch(self.request(page=1, page_size=self.page_size)).results[low:high]
        if chunk:
            yield chunk


class LambdaQuerySet(QuerySet[M]):
    """Every condition is checked on the listed objects (the server filters nothing)."""

    executor_class = _WholeListExecutor


class LambdaManager(Manager[M]):
    """The manager of the lambda models (their lists are bare, unpaginated JSON lists)."""

    _queryset_class = LambdaQuerySet


class _Serverless(Model):
    """Retrieving and refreshing through :func:`serverless` (a 503 is
    ``LambdaUnavailableError``)."""

    @classmethod
    def _fetch(
        cls: type[M], pk: Any, *, client: Client, organization: OrganizationArg = INHERIT
    ) -> M:
        with serverless():
            return super()._fetch(pk, client=client, organization=organization)

    def refresh(self, *, using: str | Client | None = None) -> None:
        with serverless():
            super().refresh(using=using)


def _positive_id(name: str, value: object) -> int:
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgumentError(name, value, "a saved object or a positive integer id")
    return value


def _task_and_job(task: object, job: object) -> dict[str, int]:
    """The ``task``/``job`` of a call: a Job gives its task too."""
    body: dict[str, int] = {}
    if job is not None:
        body["job"] = _positive_id("job", job)
        if task is None and isinstance(job, Model):
            task = job.raw.get("task_id")
    if task is not None:
        body["task"] = _positive_id("task", task)
    return body


class LambdaFunction(_Serverless):
    """A serverless function the server can run: ``kind``, the ``labels_v2`` it detects (with
    their attributes), and for interactors the clicks it needs."""

    objects: LambdaManager[LambdaFunction] = LambdaManager()

    id = StringField()
    kind = EnumField(FunctionKind)
    name = StringField()
    description = StringField()
    version = IntegerField(nullable=True)
    labels_v2 = ListField()
    min_pos_points = IntegerField(nullable=True)
    min_neg_points = IntegerField(nullable=True)
    startswith_box = BooleanField(nullable=True)
    help_message = StringField(nullable=True)

    class Meta:
        api = Resource(
            name="lambda_functions",
            path="lambda/functions",
            pk_kind="str",
            operations=frozenset({"list", "retrieve"}),
            organization_scoped=False,
        )
        ordering = ()
        repr_field = "name"

    @property
    def labels(self) -> list[str]:
        """The names of the labels the function knows."""
        return [str(label.get("name")) for label in self.raw.get("labels_v2") or ()]

    def call(
        self, *, task: object = None, job: object = None, **data: Any
    ) -> Any:
        """Run the function once, now, and return its answer (``POST
        /api/lambda/functions/<id>``): a detector takes ``frame=`` (and ``threshold``,
        ``mapping``...) and answers ``{"shapes", "tags"}`` for that frame; an interactor takes
        ``frame``, ``pos_points``, ``neg_points``. ``task`` or ``job``: objects or ids."""
        body = {**data, **_task_and_job(task, job)}
        if not body.keys() & {"task", "job"}:
            raise ValidationError({"task": ["give the task (or job) to run the function on"]})
        client = self._connection()
        with serverless():
            return client.request(
                "POST", self._meta.require_api().item_path(self.pk), json=body, organization=None
            ).json()

    def run(
        self,
        task: object,
        *,
        job: object = None,
        threshold: float | None = None,
        cleanup: bool = False,
        conv_mask_to_poly: bool | None = None,
        mapping: Mapping[str, Any] | None = None,
        max_distance: int | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> LambdaRequest:
        """Auto-annotate ``task`` (or one ``job`` of it) as a background request; returns the
        :class:`LambdaRequest` (``.wait()`` for it). ``cleanup`` removes the existing
        annotations first; ``mapping`` maps the function's labels to the task's."""
        return LambdaRequest.objects.db_manager(self._connection()).start(
            self,
            task,
            job=job,
            threshold=threshold,
            cleanup=cleanup,
            conv_mask_to_poly=conv_mask_to_poly,
            mapping=mapping,
            max_distance=max_distance,
            organization=organization,
        )


class LambdaRequestManager(LambdaManager[M]):
    """``LambdaRequest.objects``: the queries, plus :meth:`start`."""

    def start(
        self,
        function: LambdaFunction | str,
        task: object,
        *,
        job: object = None,
        threshold: float | None = None,
        cleanup: bool = False,
        conv_mask_to_poly: bool | None = None,
        mapping: Mapping[str, Any] | None = None,
        max_distance: int | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> M:
        """``POST /api/lambda/requests``: run ``function`` on ``task`` (bad arguments are
        refused before any request)."""
        function_id = function.pk if isinstance(function, LambdaFunction) else function
        if not isinstance(function_id, str) or not function_id:
            raise InvalidArgumentError("function", function, "a LambdaFunction or its id (str)")
        LambdaFunction._meta.require_api().quote_pk(function_id)
        body: dict[str, Any] = {"function": function_id, **_task_and_job(task, job)}
        if "task" not in body:
            raise InvalidArgumentError("task", task, "a saved Task or a positive integer id")
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
                raise InvalidArgumentError("threshold", threshold, "a number")
            body["threshold"] = float(threshold)
        if not isinstance(cleanup, bool):
            raise InvalidArgumentError("cleanup", cleanup, "True or False")
        body["cleanup"] = cleanup
        if conv_mask_to_poly is not None:
            if not isinstance(conv_mask_to_poly, bool):
                raise InvalidArgumentError("conv_mask_to_poly", conv_mask_to_poly, "a bool")
            body["conv_mask_to_poly"] = conv_mask_to_poly
        if mapping is not None:
            if not isinstance(mapping, Mapping):
                raise InvalidArgumentError("mapping", mapping, "a mapping of label names")
            body["mapping"] = dict(mapping)
        if max_distance is not None:
            body["max_distance"] = _positive_id("max_distance", max_distance)
        client = resolve_client(self._using)
        org = resolve_organization(
            client, self._organization if organization is INHERIT else organization
        )
        model = self.model
        assert model is not None
        with serverless():
            response = client.request(
                "POST", model._meta.require_api().collection_path(), json=body, organization=org
            )
        return model._from_wire(response.json(), client=client, organization=org)


class LambdaRequest(Targeted, _Serverless):
    """An auto-annotation request: ``function`` holds the function's ``id``, the ``task``
    (and ``job``) and the ``threshold``; ``status`` is the background request's; ``progress``
    a percentage."""

    objects: LambdaRequestManager[LambdaRequest] = LambdaRequestManager()

    id = StringField()
    function = DictField()
    status = StringField(nullable=True)
    progress = IntegerField(nullable=True)
    enqueued = DateTimeField(nullable=True)
    started = DateTimeField(nullable=True)
    ended = DateTimeField(nullable=True)
    exc_info = StringField(nullable=True)

    class Meta:
        api = RequestResource(
            name="lambda_requests",
            path="lambda/requests",
            pk_kind="str",
            operations=frozenset({"list", "retrieve", "delete"}),
            organization_scoped=False,
        )
        ordering = ()
        repr_field = "status"

    @property
    def function_id(self) -> str | None:
        value = (self.raw.get("function") or {}).get("id")
        return None if value is None else str(value)

    @property
    def task_id(self) -> int | None:
        value = (self.raw.get("function") or {}).get("task")
        return value if isinstance(value, int) else None

    def wait(
        self,
        *,
        timeout: float | None = None,
        status_check_period: float | None = None,
        progress: object = None,
    ) -> LambdaRequest:
        """Wait until the annotations are written (the background request ``/api/requests/<id>``
        finished) and return this request refreshed; a failure raises
        ``BackgroundRequestException`` with the server's message."""
        target = self._target(
            progress=progress, status_check_period=status_check_period, timeout=timeout
        )
        wait_for_background(target.context, str(self.pk), desc="Auto-annotation")
        self.refresh()
        return self

    def cancel(self) -> None:
        """Cancel (and remove) the request: ``DELETE /api/lambda/requests/<id>``."""
        self.delete()
