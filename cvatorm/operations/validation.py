"""Validation frames of tasks and jobs: the validation layout (``.../validation_layout``: the
ground-truth frames, the disabled ones, honeypots) and the media meta update
(``PATCH .../data/meta``: deleted frames, a task's cloud storage).

Arguments are checked before any request, with the rules of the real serializers that need no
server state (``TaskValidationLayoutWriteSerializer``, ``JobValidationLayoutWriteSerializer``,
``DataMetaWriteSerializer``); what depends on the task (which frames exist, its validation mode)
is the server's answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cvatorm.connection.context import Target
from cvatorm.exceptions import InvalidArgumentError, ValidationError

__all__ = [
    "FRAME_SELECTION_METHODS",
    "check_frames",
    "check_layout_update",
    "get_layout",
    "update_layout",
    "update_meta",
]

FRAME_SELECTION_METHODS = ("random_uniform", "random_per_job", "manual")
#: How new honeypot frames are chosen: ``random_per_job`` is in the schema's enumeration but
#: the real server fails (500) on it here.
_HONEYPOT_METHODS = ("random_uniform", "manual")


def check_frames(name: str, frames: object) -> list[int]:
    """A list of frame numbers (non-negative integers); a string or a lone number is refused
    (``"12"`` would be frames 1 and 2)."""
    if isinstance(frames, (str, bytes, Mapping)) or not isinstance(frames, Iterable):
        raise InvalidArgumentError(name, frames, "a list of frame numbers")
    numbers = list(frames)
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValidationError({name: [f"expected frame numbers >= 0, not {number!r}"]})
    return numbers


def _method(value: object) -> str:
    method = getattr(value, "value", value)
    if method not in _HONEYPOT_METHODS:
        raise ValidationError(
            {
                "frame_selection_method": [
                    f"expected one of {', '.join(_HONEYPOT_METHODS)}, not {value!r}"
                ]
            }
        )
    return str(method)


def check_layout_update(
    *,
    disabled_frames: object = None,
    frame_selection_method: object = None,
    honeypot_real_frames: object = None,
    job: bool = False,
) -> dict[str, Any]:
    """The PATCH body of a task's (or, ``job=True``, a job's) validation layout, checked:
    honeypot frames go with the ``"manual"`` method only (and ``"manual"`` needs them), and a
    job's update needs the method, as the real serializers say."""
    body: dict[str, Any] = {}
    if job and frame_selection_method is None:
        raise ValidationError({"frame_selection_method": ["required to change a job's honeypots"]})
    if disabled_frames is not None:
        body["disabled_frames"] = check_frames("disabled_frames", disabled_frames)
    if frame_selection_method is not None:
        body["frame_selection_method"] = _method(frame_selection_method)
    if honeypot_real_frames is not None:
        if body.get("frame_selection_method") != "manual":
            raise ValidationError(
                {
                    "honeypot_real_frames": [
                        'can only be used when frame_selection_method is "manual"'
                    ]
                }
            )
        body["honeypot_real_frames"] = check_frames("honeypot_real_frames", honeypot_real_frames)
    elif body.get("frame_selection_method") == "manual":
        raise ValidationError(
            {"honeypot_real_frames": ['required when frame_selection_method is "manual"']}
        )
    if not body:
        raise ValidationError("nothing to change in the validation layout")
    return body


def get_layout(target: Target) -> dict[str, Any]:
    """``GET .../validation_layout``."""
    layout: dict[str, Any] = target.request("GET", "validation_layout").json()
    return layout


def update_layout(target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
    """``PATCH .../validation_layout`` with a body made by :func:`check_layout_update`."""
    layout: dict[str, Any] = target.request("PATCH", "validation_layout", json=dict(body)).json()
    return layout


def update_meta(target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
    """``PATCH .../data/meta``; returns the new media meta."""
    meta: dict[str, Any] = target.request("PATCH", "data_meta", json=dict(body)).json()
    return meta
