"""``Label.objects.filter(task_id=9)``: the labels that apply to task 9, as the server says.

CVAT keeps the labels of a task that is inside a project on the project (their ``task_id`` is
null), and its ``GET /api/labels?task_id=9`` answers with the labels that *apply* to the task:
the project's. Comparing the ``task_id`` field would give ``[]`` for such a task while
``task.labels`` gives its labels. So a ``task_id=``/``task=`` keyword of ``filter()`` means what
the server means, and both agree: when the queryset is evaluated, the task is read (one GET),
and the labels are listed as ``task.labels`` lists them (``LabelsRelation``: the project's
when it is in one, else its own). A task that does not exist (or is not visible) has no labels,
rather than the server's 500 for ``?task_id=<missing>``. Inside ``Q()`` or ``exclude()``,
``task_id`` still compares the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from cvatorm.models.registry import registry
from cvatorm.progress import ProgressReporter
from cvatorm.query import Manager
from cvatorm.query.q import Q
from cvatorm.query.queryset import QuerySet

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["LabelManager", "LabelQuerySet"]

M = TypeVar("M", bound="Model")

_TASK_KEYS = ("task_id", "task", "task_id__exact", "task__exact", "task__id", "task__pk")


class LabelQuerySet(QuerySet[M]):
    """A label queryset whose ``filter(task_id=...)`` follows the server's meaning."""

    _for_task: Any = None  # a class default: set on clones by filter()
    #: False once the task condition was made concrete (its own ``_related_to`` filters by
    #: ``task_id`` for a task outside a project, with the field's meaning).
    _server_meaning = True

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        keys = [k for k in _TASK_KEYS if k in kwargs]
        task: Any = None
        if len(keys) == 1 and self._for_task is None and self._server_meaning:
            candidate = kwargs[keys[0]]
            pk = getattr(candidate, "pk", candidate)
            if isinstance(pk, int) and not isinstance(pk, bool):
                task = pk
                kwargs = {k: v for k, v in kwargs.items() if k != keys[0]}
        clone = cast(LabelQuerySet[M], super().filter(*args, **kwargs))
        if task is not None:
            clone._for_task = task
        return clone

    def _applying(self) -> QuerySet[M]:
        """This queryset with the task condition made concrete (reads the task)."""
        if self._for_task is None:
            return self
        task_model = registry["tasks"]
        clone = cast(LabelQuerySet[M], self._chain())
        clone._for_task = None
        clone._server_meaning = False
        try:
            task = task_model._fetch(
                self._for_task, client=self._client(), organization=self._organization
            )
        except task_model.DoesNotExist:
            return clone.none()
        relation = task_model._meta.relations["labels"]
        return clone._related_to(**relation.filter_kwargs(task))  # type: ignore[attr-defined]

    def _iterate(
        self,
        page_size: int | None = None,
        concurrency: int = 1,
        reporter: ProgressReporter | None = None,
    ) -> Iterator[Any]:
        if self._for_task is None:
            return super()._iterate(page_size, concurrency, reporter)
        return self._applying()._iterate(page_size, concurrency, reporter)

    def count(self) -> int:
        if self._for_task is None or self._result_cache is not None:
            return super().count()
        return self._applying().count()

    def exists(self) -> bool:
        if self._for_task is None or self._result_cache is not None:
            return super().exists()
        return self._applying().exists()

    def explain(self) -> str:
        if self._for_task is None:
            return super().explain()
        return (
            f"  reads task {self._for_task} (GET), then lists the labels that apply to it:\n"
            + self._applying().explain()
        )


class LabelManager(Manager[M]):
    """``Label.objects``: its querysets are ``LabelQuerySet``."""

    _queryset_class = LabelQuerySet
