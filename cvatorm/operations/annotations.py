"""Annotations of tasks and jobs: read, replace, patch, remove, import from a file.

The wire format is CVAT's ``LabeledData`` (``{"version", "tags", "shapes", "tracks"}``), passed
and returned as plain dicts: it is already the structure users build and inspect, and a model
layer over it would only hide fields newer servers add.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.exceptions import ValidationError
from cvatorm.operations._common import existing_file, item_path, upload_and_wait
from cvatorm.progress import resolve_progress
from cvatorm.transfer import TransferClient
from cvatorm.transfer.client import OrganizationArg

__all__ = [
    "PatchAction",
    "get_annotations",
    "import_annotations",
    "remove_annotations",
    "set_annotations",
    "update_annotations",
]

PatchAction = Literal["create", "update", "delete"]
_KINDS = ("tags", "shapes", "tracks")
_ANNOTATED = ("tasks", "jobs")


def _path(resource: str, obj_id: int) -> str:
    if resource not in _ANNOTATED:
        raise ValueError(f"annotations belong to tasks or jobs, not {resource!r}")
    return item_path(resource, obj_id, "/annotations/")


def _labeled_data(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - {*_KINDS, "version"})
    if unknown:
        raise ValidationError(
            {
                "annotations": [
                    f"unknown key(s): {', '.join(unknown)}; expected version, tags, shapes, tracks"
                ]
            }
        )
    body: dict[str, Any] = {kind: list(data.get(kind) or []) for kind in _KINDS}
    body["version"] = int(data.get("version") or 0)
    return body


def get_annotations(
    client: TransferClient, resource: str, obj_id: int, *, organization: OrganizationArg = INHERIT
) -> dict[str, Any]:
    """The annotations (``LabeledData``) of a task or job."""
    response = client.request("GET", _path(resource, obj_id), organization=organization)
    result: dict[str, Any] = response.json()
    return result


def set_annotations(
    client: TransferClient,
    resource: str,
    obj_id: int,
    data: Mapping[str, Any],
    *,
    organization: OrganizationArg = INHERIT,
) -> None:
    """Replace all annotations (``PUT``)."""
    client.request(
        "PUT", _path(resource, obj_id), json=_labeled_data(data), organization=organization
    )


def update_annotations(
    client: TransferClient,
    resource: str,
    obj_id: int,
    data: Mapping[str, Any],
    *,
    action: PatchAction = "update",
    organization: OrganizationArg = INHERIT,
) -> dict[str, Any]:
    """``PATCH ?action=create|update|delete``: add, change (by id) or delete (by id) some
    annotations; returns what the server applied (new objects carry their ids)."""
    if action not in ("create", "update", "delete"):
        raise ValidationError({"action": [f"expected create, update or delete, not {action!r}"]})
    response = client.request(
        "PATCH",
        _path(resource, obj_id),
        params={"action": action},
        json=_labeled_data(data),
        organization=organization,
    )
    result: dict[str, Any] = response.json() if response.content else {}
    return result


def remove_annotations(
    client: TransferClient,
    resource: str,
    obj_id: int,
    *,
    ids: Iterable[int] | None = None,
    organization: OrganizationArg = INHERIT,
) -> None:
    """Delete every annotation (``DELETE``), or only the tags, shapes and tracks with these
    ids (one ``GET`` and one ``PATCH ?action=delete``)."""
    if ids is None:
        client.request("DELETE", _path(resource, obj_id), organization=organization)
        return
    wanted = set(ids)
    if not wanted:
        return
    current = get_annotations(client, resource, obj_id, organization=organization)
    doomed = {
        kind: [item for item in current.get(kind, []) if item.get("id") in wanted]
        for kind in _KINDS
    }
    if any(doomed.values()):
        update_annotations(
            client, resource, obj_id, doomed, action="delete", organization=organization
        )


def import_annotations(
    client: TransferClient,
    resource: str,
    obj_id: int,
    format_name: str,
    path: str | os.PathLike[str],
    *,
    organization: OrganizationArg = INHERIT,
    progress: object = None,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> BackgroundRequest:
    """Upload an annotation file in ``format_name`` (e.g. ``"CVAT 1.1"``) and wait until the
    server imported it; a failed import raises ``BackgroundRequestException`` with the
    server's message."""
    source = existing_file(path)
    reporter = resolve_progress(progress)
    return upload_and_wait(
        client,
        _path(resource, obj_id),
        source,
        params={"format": format_name},
        organization=organization,
        progress=reporter,
        desc=f"Importing annotations into {resource[:-1]} {obj_id}",
        status_check_period=status_check_period,
        timeout=timeout,
    )
