"""Task data: checking what will be uploaded, uploading it, and removing a half-made task.

``Task.objects.create_from_data`` (the models layer) checks everything that can be checked
locally with :func:`prepare_data` and :func:`check_spec` before the task is created (no
resources, a missing file, two files with the same name, labels together with a project,
unknown data parameters), so bad input never leaves an empty task behind; it then sends the
data with :func:`send_data` and, if the upload or the server's processing fails, removes the
task with :func:`delete_quietly` and raises the original error.

Files of a cloud storage travel as the real ``DataSerializer``'s cloud form: ``server_files``
(keys in the bucket; a key ending in ``/`` is a directory, a ``.jsonl`` one a manifest) with
``cloud_storage_id``. The server reads the bucket while it makes the task, so a bucket it
cannot reach fails the background request; :func:`unavailable_storage` turns CVAT's words for
that into :class:`~cvatorm.exceptions.CloudStorageUnavailableError`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from marshmallow import Schema
from marshmallow import fields as mm
from marshmallow import validate as mm_validate

from cvatorm.connection import Client
from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Target
from cvatorm.exceptions import (
    ApiException,
    BackgroundRequestException,
    CloudStorageUnavailableError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
    ValidationError,
)
from cvatorm.operations._common import rq_id_of, wait
from cvatorm.transfer import upload_files
from cvatorm.transfer.tus import TUS_CHUNK_SIZE
from cvatorm.transfer.upload import MAX_REQUEST_SIZE
from cvatorm.wire.endpoints import REQUESTS

__all__ = [
    "DATA_PARAMS",
    "PreparedData",
    "ResourceType",
    "check_share_files",
    "check_spec",
    "delete_quietly",
    "prepare_data",
    "send_data",
    "unavailable_storage",
]

ResourceType = Literal["local", "share", "remote"]
_RESOURCE_TYPES = ("local", "share", "remote")

#: The ``DataRequest`` fields a caller may pass in ``data_params`` (plus cvat-sdk's
#: ``frame_step``, sent as ``frame_filter="step=N"``).
DATA_PARAMS = frozenset(
    {
        "chunk_size",
        "copy_data",
        "image_quality",
        "sorting_method",
        "start_frame",
        "stop_frame",
        "frame_filter",
        "frame_step",
        "use_cache",
        "use_zip_chunks",
        "job_file_mapping",
        "filename_pattern",
        "cloud_storage_id",
        "server_files_exclude",
        "storage_method",
        "validation_params",
    }
)


class _StrictInt(mm.Integer):
    """An integer that is an ``int`` (not ``True``, ``"5"`` or ``5.0``)."""

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


def _count(minimum: int, maximum: int | None = None) -> mm.Integer:
    return _StrictInt(
        allow_none=True, strict=True, validate=mm_validate.Range(min=minimum, max=maximum)
    )


#: What the real ``DataSerializer`` (and its ``Data`` model) accept, checked before the task
#: is created: a value it would refuse must not leave an empty task behind.
_DATA_SCHEMA = Schema.from_dict(
    {
        "image_quality": _count(0, 100),
        "chunk_size": _count(0, 2**31 - 1),
        "start_frame": _count(0, 2**31 - 1),
        "stop_frame": _count(0, 2**31 - 1),
        "frame_step": _count(1, 2**31 - 1),
        "frame_filter": mm.String(allow_none=True, validate=mm_validate.Length(max=256)),
        "use_cache": mm.Boolean(allow_none=True, truthy={True}, falsy={False}),
        "use_zip_chunks": mm.Boolean(allow_none=True, truthy={True}, falsy={False}),
        "copy_data": mm.Boolean(allow_none=True, truthy={True}, falsy={False}),
        "sorting_method": mm.String(
            allow_none=True,
            validate=mm_validate.OneOf(["lexicographical", "natural", "predefined", "random"]),
        ),
        "storage_method": mm.String(
            allow_none=True, validate=mm_validate.OneOf(["cache", "file_system"])
        ),
        "cloud_storage_id": _count(0, 2**31 - 1),
        "filename_pattern": mm.String(allow_none=True),
        "server_files_exclude": mm.List(mm.String(), allow_none=True),
        "job_file_mapping": mm.List(mm.List(mm.String()), allow_none=True),
        "validation_params": mm.Dict(allow_none=True),
    }
)()


def _data_fields(data_params: Mapping[str, Any] | None) -> dict[str, Any]:
    if data_params is not None and not isinstance(data_params, Mapping):
        raise ValidationError({"data_params": [f"expected a dict, not {data_params!r}"]})
    params = dict(data_params or {})
    unknown = sorted(set(params) - DATA_PARAMS)
    if unknown:
        raise ValidationError(
            {
                "data_params": [
                    f"unknown parameter(s): {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(DATA_PARAMS))}"
                ]
            }
        )
    problems = _DATA_SCHEMA.validate(params)
    if problems:
        raise ValidationError(
            {"data_params": [f"{name}: {'; '.join(map(str, errors))}" for name, errors in
                             sorted(problems.items())]}
        )
    start, stop = params.get("start_frame"), params.get("stop_frame")
    if start is not None and stop is not None and stop < start:
        raise ValidationError({"data_params": [f"stop_frame {stop} is before start_frame {start}"]})
    fields: dict[str, Any] = {"image_quality": 70}
    step = params.pop("frame_step", None)
    if step is not None:
        fields["frame_filter"] = f"step={int(step)}"
    fields.update({key: value for key, value in params.items() if value is not None})
    return fields


def _local_files(resources: Sequence[str | os.PathLike[str]]) -> list[Path]:
    paths = [Path(resource) for resource in resources]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ValidationError({"resources": [f"not a file: {name}" for name in missing]})
    seen: dict[str, Path] = {}
    for path in paths:
        if path.name in seen:
            raise ValidationError(
                {
                    "resources": [
                        f"two files are named {path.name!r} ({seen[path.name]} and "
                        f"{path}); CVAT keeps file names only, rename one"
                    ]
                }
            )
        seen[path.name] = path
    return paths


def _checked_resources(
    resources: Sequence[str | os.PathLike[str]], resource_type: str
) -> list[Path] | list[str]:
    if isinstance(resources, (str, bytes, os.PathLike)):
        raise ValidationError({"resources": ["expected a list of files, not a single path"]})
    if not isinstance(resources, (Sequence, set, frozenset)):
        raise ValidationError({"resources": [f"expected a list of files, not {resources!r}"]})
    odd = [r for r in resources if not isinstance(r, (str, os.PathLike)) or not os.fspath(r)]
    if odd:
        raise ValidationError({"resources": [f"expected file names or paths, not {odd[0]!r}"]})
    if resource_type not in _RESOURCE_TYPES:
        raise ValidationError(
            {
                "resource_type": [
                    f"expected one of {', '.join(_RESOURCE_TYPES)}, not {resource_type!r}"
                ]
            }
        )
    if not resources:
        raise ValidationError({"resources": ["no files given: a task needs at least one"]})
    if resource_type == "local":
        return _local_files(resources)
    return [os.fspath(resource) for resource in resources]


@dataclass(frozen=True)
class PreparedData:
    """Files (or share/remote names) and ``DataRequest`` fields, checked and ready to send."""

    resources: list[Path] | list[str]
    resource_type: str
    fields: dict[str, Any]
    max_request_size: int = MAX_REQUEST_SIZE
    chunk_size: int = TUS_CHUNK_SIZE


def prepare_data(
    resources: Sequence[str | os.PathLike[str]],
    *,
    resource_type: str = "local",
    data_params: Mapping[str, Any] | None = None,
    max_request_size: int = MAX_REQUEST_SIZE,
    chunk_size: int = TUS_CHUNK_SIZE,
) -> PreparedData:
    """Check the resources and data parameters (``ValidationError`` before any request)."""
    for name, size in (("max_request_size", max_request_size), ("chunk_size", chunk_size)):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidArgumentError(name, size, "a positive number of bytes (int)")
    checked = _checked_resources(resources, resource_type)
    fields = _data_fields(data_params)
    _check_cloud_form(checked, resource_type, fields)
    return PreparedData(checked, resource_type, fields, max_request_size, chunk_size)


def _check_cloud_form(
    resources: list[Path] | list[str], resource_type: str, fields: Mapping[str, Any]
) -> None:
    """What the real ``DataSerializer.validate`` refuses about ``server_files``, and what it
    would accept and then fail on: a cloud storage's files are named, never uploaded."""
    if fields.get("cloud_storage_id") is not None and resource_type != "share":
        raise ValidationError(
            {
                "cloud_storage_id": [
                    "files of a cloud storage are named by their keys in the bucket "
                    f"(server_files), not sent as {resource_type!r} files"
                ]
            }
        )
    pattern = fields.get("filename_pattern")
    if pattern and fields.get("server_files_exclude"):
        raise ValidationError(
            {"data_params": ["filename_pattern and server_files_exclude cannot be used together"]}
        )
    if pattern and resource_type == "share":
        named = [str(item) for item in resources if not str(item).endswith(".jsonl")]
        if named:
            raise ValidationError(
                {
                    "data_params": [
                        "filename_pattern selects files of a manifest: give only the "
                        f"manifest (a .jsonl key), not {named[0]!r}"
                    ]
                }
            )


def check_share_files(client: Client, data: PreparedData) -> None:
    """The share files ``data`` names exist in the server's share (one listing per folder),
    else ``ValidationError`` before the task is created: the real server would create it,
    then fail in the background with a ``FileNotFoundError``. Cloud storage keys are not
    share paths and are left to the bucket."""
    if data.resource_type != "share" or data.fields.get("cloud_storage_id") is not None:
        return
    names = [str(item) for item in data.resources]
    found = client.share_entries(names)
    missing = [name for name in names if found.get(name) is None]
    if missing:
        raise ValidationError(
            {"resources": [f"not in the server's share: {', '.join(map(repr, missing))}"]}
        )


def send_data(target: Target, data: PreparedData, *, wait_until_done: bool = True) -> (
    BackgroundRequest | str
):
    """Attach the prepared data to the task ``target`` and (by default) wait until the server
    made frames and jobs of it; returns the finished request, or its ``rq_id``."""
    context = target.context
    endpoint = target.path("data")
    fields = dict(data.fields)
    if data.resource_type == "local":
        paths = [Path(item) for item in data.resources]
        if str(fields.get("sorting_method", "")).lower() == "predefined":
            # Files travel grouped by size, not in the caller's order: state the order.
            fields.setdefault("upload_file_order", [path.name for path in paths])
        response = upload_files(
            context.client,
            endpoint,
            paths,
            fields=fields,
            organization=context.organization,
            progress=context.progress,
            max_request_size=data.max_request_size,
            chunk_size=data.chunk_size,
        )
    else:
        key = "server_files" if data.resource_type == "share" else "remote_files"
        response = context.request(
            "POST", endpoint, json={**fields, key: [str(item) for item in data.resources]}
        )
    rq_id = rq_id_of(response.json())
    if not wait_until_done:
        return rq_id
    return wait(context, rq_id, desc=f"Creating {target.describe()}")


#: CVAT's words when a bucket is not there or refuses access (``validate_bucket_status`` and the
#: cloud storage serializer): ``The resource <name> not found. It may have been deleted.``,
#: ``... is no longer available. Access forbidden.``, ``Cannot create resource <name> with
#: specified credentials. Access forbidden.``; and, where CVAT lists a bucket without asking
#: for its status first (a folder of ``server_files``), botocore's unreachable endpoint.
_BUCKET_NOT_FOUND = re.compile(
    r"The resource \S+ not found\. It may have been deleted\."
    r'|Could not connect to the endpoint URL: "[^"]*"'  # botocore: the provider is unreachable
)
_BUCKET_FORBIDDEN = re.compile(
    r"The resource \S+ is no longer available\. Access forbidden\."
    r"|Cannot (?:create|update) resource \S+ with specified credentials\. Access forbidden\."
)


def _flat_text(body: Any) -> str:
    """Every message of an error body (text, a list, a dict of field messages) in one text."""
    if isinstance(body, Mapping):
        return " ".join(_flat_text(item) for item in body.values())
    if isinstance(body, list):
        return " ".join(_flat_text(item) for item in body)
    return "" if body is None else str(body)


def unavailable_storage(
    error: BaseException, storage_id: int | None
) -> CloudStorageUnavailableError | None:
    """The :class:`CloudStorageUnavailableError` an error of the server means, or None: an
    ``ApiException`` or a failed background request whose message is CVAT's verdict that the
    bucket is not found or forbidden (the caller raises it ``from error``)."""
    if isinstance(error, BackgroundRequestException):
        text = error.message
    elif isinstance(error, ApiException):
        text = _flat_text(error.body)
    else:
        return None
    for verdict, pattern in (("NOT_FOUND", _BUCKET_NOT_FOUND), ("FORBIDDEN", _BUCKET_FORBIDDEN)):
        found = pattern.search(text)
        if found:
            return CloudStorageUnavailableError(
                found.group(0), storage_id=storage_id, storage_status=verdict
            )
    return None


def check_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A task spec's labels-or-project rule, checked before the task is created."""
    if not isinstance(spec, Mapping):
        raise InvalidArgumentError("spec", spec, "a dict of task fields (name, labels...)")
    spec = dict(spec)
    if spec.get("project_id") is not None and spec.get("labels"):
        raise ValidationError(
            {
                "labels": [
                    "a task in a project uses the project's labels: give labels or "
                    "project_id, not both"
                ]
            }
        )
    if spec.get("project_id") is None and not spec.get("labels"):
        raise ValidationError({"labels": ["a task needs labels, or a project_id"]})
    return spec


#: How long cleaning up a half-made task may wait for the server to finish processing it.
CLEANUP_WAIT = 120.0
_ACTIVE = frozenset({"queued", "started"})


def delete_quietly(target: Target, *, wait_at_most: float = CLEANUP_WAIT) -> bool:
    """Remove a half-made task; a failure here must not hide the error that caused it.

    The real server refuses (500) to delete a task whose data it is still processing, which is
    exactly the state a timed-out or interrupted upload leaves. So a refusal that can pass
    (a 5xx, a 409, an unreachable server) is followed by waiting until the task's background
    requests are no longer queued or started, then deleting again, for at most
    ``wait_at_most`` seconds. Returns whether the task is gone; a task left behind is logged.
    """
    deadline = time.monotonic() + wait_at_most
    while True:
        try:
            target.request("DELETE")
            return True
        except NotFoundError:
            return True
        except (ApiException, TransportError) as error:
            passing = (
                isinstance(error, TransportError) or error.status >= 500 or error.status == 409
            )
            if not passing or time.monotonic() >= deadline:
                target.client.logger.warning(
                    "could not delete the half-made %s: %s", target.describe(), error
                )
                return False
        _wait_until_idle(target, deadline)


def _wait_until_idle(target: Target, deadline: float) -> None:
    """Poll the task's ``create`` background requests until none is active (or the deadline)."""
    delay = 0.2
    while time.monotonic() < deadline:
        try:
            page = target.context.request(
                "GET", REQUESTS, params={"task_id": str(target.pk), "action": "create"}
            ).json()
            results = page.get("results") if isinstance(page, Mapping) else None
            if not any(
                isinstance(item, Mapping) and item.get("status") in _ACTIVE
                for item in results or ()
            ):
                return
        except (ApiException, TransportError, ValueError):
            pass  # cannot tell: wait a little, then let the DELETE decide
        time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 2.0)
