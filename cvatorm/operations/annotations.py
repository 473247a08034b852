"""Annotations of tasks and jobs: read, replace, patch, remove, import from a file.

The wire format is CVAT's ``LabeledData`` (``{"version", "tags", "shapes", "tracks"}``), passed
and returned as plain dicts: it is already the structure users build and inspect, and a model
layer over it would only hide fields newer servers add.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Target
from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.operations._common import check_format, existing_file, upload_and_wait

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
_ACTION = "annotations"
#: CVAT's ``ShapeType``: what a shape's (or a track's shape's) ``type`` may be.
SHAPE_TYPES = frozenset(
    {"rectangle", "polygon", "polyline", "points", "ellipse", "cuboid", "mask", "skeleton"}
)


def _item_problem(item: object, *, shape: bool) -> str | None:
    """What is wrong with one tag, shape or track (or a track's shape), or None. Only what
    is certain locally: the structure, frame numbers and shape types (labels and frame
    ranges are the server's to check)."""
    if not isinstance(item, Mapping):
        return f"expected a dict, not {item!r}"
    frame = item.get("frame")
    if frame is not None and (isinstance(frame, bool) or not isinstance(frame, int) or frame < 0):
        return f"frame must be a non-negative integer, not {frame!r}"
    kind = item.get("type")
    if shape and kind is not None and kind not in SHAPE_TYPES:
        return f"type must be one of {', '.join(sorted(SHAPE_TYPES))}, not {kind!r}"
    nested = item.get("shapes")
    if nested is not None:
        if not isinstance(nested, (list, tuple)):
            return f"shapes must be a list, not {nested!r}"
        for index, sub in enumerate(nested):
            problem = _item_problem(sub, shape=True)
            if problem:
                return f"shapes[{index}]: {problem}"
    return None


def _labeled_data(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError(
            {"annotations": [f"expected a dict with tags, shapes, tracks, not {data!r:.80}"]}
        )
    for kind in _KINDS:
        items = data.get(kind)
        if items is None:
            continue
        if not isinstance(items, (list, tuple)):
            raise ValidationError({kind: [f"expected a list, not {items!r:.80}"]})
        for index, item in enumerate(items):
            problem = _item_problem(item, shape=kind == "shapes")
            if problem:
                raise ValidationError({kind: [f"[{index}]: {problem}"]})
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


def get_annotations(target: Target) -> dict[str, Any]:
    """The annotations (``LabeledData``) of a task or job."""
    result: dict[str, Any] = target.request("GET", _ACTION).json()
    return result


def set_annotations(target: Target, data: Mapping[str, Any]) -> None:
    """Replace all annotations (``PUT``)."""
    target.request("PUT", _ACTION, json=_labeled_data(data))


def update_annotations(
    target: Target, data: Mapping[str, Any], *, action: PatchAction = "update"
) -> dict[str, Any]:
    """``PATCH ?action=create|update|delete``: add, change (by id) or delete (by id) some
    annotations; returns what the server applied (new objects carry their ids)."""
    if action not in ("create", "update", "delete"):
        raise ValidationError({"action": [f"expected create, update or delete, not {action!r}"]})
    body = _labeled_data(data)
    response = target.request("PATCH", _ACTION, params={"action": action}, json=body)
    result: dict[str, Any] = response.json() if response.content else {}
    return result


def remove_annotations(target: Target, *, ids: Iterable[int] | None = None) -> None:
    """Delete every annotation (``DELETE``), or only the tags, shapes and tracks with these
    ids (one ``GET`` and one ``PATCH ?action=delete``)."""
    if ids is None:
        target.request("DELETE", _ACTION)
        return
    if isinstance(ids, (str, bytes, Mapping)) or not isinstance(ids, Iterable):
        raise InvalidArgumentError("ids", ids, "a list of annotation ids, or None for all")
    wanted = set(ids)
    bad = [i for i in wanted if isinstance(i, bool) or not isinstance(i, int)]
    if bad:
        raise InvalidArgumentError("ids", bad[0], "annotation ids (int)")
    if not wanted:
        return
    current = get_annotations(target)
    doomed = {
        kind: [item for item in current.get(kind, []) if item.get("id") in wanted]
        for kind in _KINDS
    }
    if any(doomed.values()):
        update_annotations(target, doomed, action="delete")


def import_annotations(
    target: Target, format_name: str, path: str | os.PathLike[str]
) -> BackgroundRequest:
    """Upload an annotation file in ``format_name`` (e.g. ``"CVAT 1.1"``) and wait until the
    server imported it; a failed import raises ``BackgroundRequestException`` with the
    server's message."""
    check_format(format_name)
    source = existing_file(path)
    target.context.client.check_format(format_name, "import")
    return upload_and_wait(
        target.context,
        target.path(_ACTION),
        source,
        params={"format": format_name},
        desc=f"Importing annotations into {target.describe()}",
    )
