"""``bulk_create()`` on a server without a bulk endpoint: one POST per object, a few at a time.

CVAT creates tasks, projects, issues... one per request, so creating many is many POSTs. They
are sent ``concurrency`` at a time (a bounded thread pool: the server and the machine are not
flooded) and each outcome is kept: the objects created, the objects refused and why. A POST is
not idempotent -- sent again after a lost answer it may create a second object -- so nothing is
retried here (the client retries only idempotent requests): a failure is reported, never
repeated. ``BulkCreateError`` carries both lists when any object failed; the caller decides.

What is knowable locally is checked for every object before the first request (the model,
unsaved, not given twice, its required fields set, the model creatable): a mistake in the 90th
object must not leave 89 created. Each object's own ``save()`` then validates its values again
right before its POST (usernames resolved there), as a single ``save()`` would.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import OrganizationArg
from cvatorm.exceptions import (
    ApiException,
    BulkOperationError,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.progress import resolve_progress

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["BulkCreateError", "bulk_create", "check_new_objects"]


class BulkCreateError(BulkOperationError):
    """Some objects of a ``bulk_create()`` were created and others were not.

    ``succeeded``: the objects created (saved: they have their ids); ``failed``: ``(object,
    exception)`` pairs, in the order given. An object whose request met a connection error or a
    timeout may still have been created by the server: such pairs are also listed in
    ``uncertain``, to be checked (listed by name, say) before creating them again.
    """

    def __init__(
        self,
        succeeded: list[Any],
        failed: list[tuple[Any, BaseException]],
        uncertain: list[tuple[Any, BaseException]],
    ) -> None:
        super().__init__("bulk_create", succeeded, failed)
        self.uncertain = uncertain


def check_new_objects(model: Any, objs: Any) -> list[Any]:
    """The objects as a list, each checked to be a new, complete ``model`` instance given once
    (``InvalidArgumentError``/``ValidationError`` before any request)."""
    if isinstance(objs, (str, bytes)) or not isinstance(objs, Iterable):
        raise InvalidArgumentError("objs", objs, f"an iterable of new {model.__name__} objects")
    objects = list(objs)
    meta = model._meta
    if objects and not meta.creatable:
        raise ValidationError(f"{meta.model_name} objects cannot be created through the API.")
    seen: set[int] = set()
    errors: dict[str, list[str]] = {}
    for index, obj in enumerate(objects):
        if not isinstance(obj, model):
            raise InvalidArgumentError(
                f"objs[{index}]", obj, f"a {model.__name__} (one model per bulk_create)"
            )
        if obj.pk is not None:
            raise InvalidArgumentError(
                f"objs[{index}]", obj, "an unsaved object (this one has an id: use save())"
            )
        if id(obj) in seen:
            raise InvalidArgumentError(
                f"objs[{index}]", obj, "each object once (it would be created twice)"
            )
        seen.add(id(obj))
        missing = [
            name
            for name, field in meta.fields.items()
            if field.required and field.on_create and obj._values.get(name) is None
        ]
        if missing:
            errors[f"objs[{index}]"] = [f"missing required field(s): {', '.join(missing)}"]
    if errors:
        raise ValidationError(errors)
    return objects


def _uncertain(error: BaseException) -> bool:
    """Whether the server may have created the object despite ``error``: no answer, a damaged
    answer (``TransportError`` is a ``ConnectionError``), or a server error (5xx)."""
    if isinstance(error, ApiException):
        return error.status >= 500
    return isinstance(error, OSError)


def bulk_create(
    model: Any,
    objs: Any,
    *,
    client: Client,
    organization: OrganizationArg,
    concurrency: int,
    progress: object,
) -> list[Any]:
    """Create every object (one POST each, ``concurrency`` at a time); the objects, saved."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError("concurrency", concurrency, "an integer >= 1")
    objects = check_new_objects(model, objs)
    reporter = resolve_progress(progress)
    outcome: dict[int, BaseException | None] = {}
    reporter.start(len(objects), desc=f"Creating {model.__name__} objects", unit="object")
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pending: dict[Future[None], int] = {}
            queue = iter(enumerate(objects))
            for index, obj in queue:
                pending[pool.submit(obj.save, using=client, organization=organization)] = index
                if len(pending) >= concurrency:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome[pending.pop(future)] = future.exception()
                    reporter.advance(1)
                for index, obj in queue:  # refill up to the bound
                    future = pool.submit(obj.save, using=client, organization=organization)
                    pending[future] = index
                    if len(pending) >= concurrency:
                        break
    finally:
        reporter.finish()
    failed = [(objects[i], e) for i, e in sorted(outcome.items()) if e is not None]
    if failed:
        succeeded = [objects[i] for i, e in sorted(outcome.items()) if e is None]
        uncertain = [(obj, e) for obj, e in failed if _uncertain(e)]
        raise BulkCreateError(succeeded, failed, uncertain)
    return objects
