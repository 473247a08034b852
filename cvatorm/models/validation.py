"""Validation frames as model methods: the validation layout of tasks and jobs (typed), the
media meta update, and the checks of a new ground-truth job.

``task.validation_layout()`` tells which frames the ground-truth job validates and which are
disabled; ``task.disable_validation_frames([...])`` / ``enable_validation_frames([...])``
change that; in the ``gt_pool`` mode, honeypots are reshuffled with
``update_validation_layout(frame_selection_method=...)``. ``Job.objects.create(type=
"ground_truth", ...)`` is checked by :func:`check_ground_truth_job` before it is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cvatorm.exceptions import ValidationError
from cvatorm.models.data import Targeted
from cvatorm.models.enums import ValidationMode
from cvatorm.operations import validation as validation_ops
from cvatorm.wire.resource import Action

__all__ = [
    "VALIDATION_ACTIONS",
    "JobValidationLayout",
    "JobValidationMixin",
    "TaskValidationLayout",
    "TaskValidationMixin",
    "check_ground_truth_job",
]

#: The ``validation_layout`` sub-resource of tasks and jobs.
VALIDATION_ACTIONS: Mapping[str, Action] = {"validation_layout": Action("validation_layout")}


def _frames(data: Mapping[str, Any], key: str) -> tuple[int, ...]:
    return tuple(int(frame) for frame in data.get(key) or ())


@dataclass(frozen=True)
class TaskValidationLayout:
    """``TaskValidationLayoutRead``. ``mode`` is ``None`` when the task has no validation,
    ``gt`` with a ground-truth job, ``gt_pool`` with honeypots; ``validation_frames`` are the
    ground-truth frames, ``disabled_frames`` those excluded from validation."""

    mode: ValidationMode | str | None
    frames_per_job_count: int | None
    validation_frames: tuple[int, ...]
    disabled_frames: tuple[int, ...]
    honeypot_count: int
    honeypot_frames: tuple[int, ...]
    honeypot_real_frames: tuple[int, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TaskValidationLayout:
        mode = data.get("mode")
        with contextlib.suppress(ValueError):  # a newer server's mode stays a string
            mode = ValidationMode(mode) if mode is not None else None
        return cls(
            mode=mode,
            frames_per_job_count=data.get("frames_per_job_count"),
            validation_frames=_frames(data, "validation_frames"),
            disabled_frames=_frames(data, "disabled_frames"),
            honeypot_count=int(data.get("honeypot_count") or 0),
            honeypot_frames=_frames(data, "honeypot_frames"),
            honeypot_real_frames=_frames(data, "honeypot_real_frames"),
            raw=dict(data),
        )

    @property
    def active_frames(self) -> tuple[int, ...]:
        """The validation frames that are not disabled: the ones quality is computed on."""
        disabled = set(self.disabled_frames)
        return tuple(frame for frame in self.validation_frames if frame not in disabled)


@dataclass(frozen=True)
class JobValidationLayout:
    """``JobValidationLayoutRead``: the job's honeypots (empty unless the task's validation
    mode is ``gt_pool``): their frames and the validation frames they show."""

    honeypot_count: int
    honeypot_frames: tuple[int, ...]
    honeypot_real_frames: tuple[int, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> JobValidationLayout:
        return cls(
            honeypot_count=int(data.get("honeypot_count") or 0),
            honeypot_frames=_frames(data, "honeypot_frames"),
            honeypot_real_frames=_frames(data, "honeypot_real_frames"),
            raw=dict(data),
        )


class _MetaUpdate(Targeted):
    def set_deleted_frames(self, frames: Iterable[int]) -> dict[str, Any]:
        """Make exactly ``frames`` the deleted ones (``[]`` restores every frame); returns the
        new media meta. ``remove_frames_by_ids`` adds to the deleted frames instead."""
        numbers = validation_ops.check_frames("frames", frames)
        return validation_ops.update_meta(self._target(), {"deleted_frames": numbers})


class TaskValidationMixin(_MetaUpdate):
    """Task methods: the validation layout, the media meta update."""

    def validation_layout(self) -> TaskValidationLayout:
        """The task's validation frames (``GET /api/tasks/<id>/validation_layout``)."""
        return TaskValidationLayout.from_wire(validation_ops.get_layout(self._target()))

    def update_validation_layout(
        self,
        *,
        disabled_frames: Iterable[int] | None = None,
        frame_selection_method: str | None = None,
        honeypot_real_frames: Iterable[int] | None = None,
    ) -> TaskValidationLayout:
        """Change the disabled validation frames, and (``gt_pool`` mode) pick new real
        frames for the honeypots: ``"random_uniform"``, or ``"manual"`` with
        ``honeypot_real_frames``. Returns the new layout."""
        body = validation_ops.check_layout_update(
            disabled_frames=disabled_frames,
            frame_selection_method=frame_selection_method,
            honeypot_real_frames=honeypot_real_frames,
        )
        return TaskValidationLayout.from_wire(validation_ops.update_layout(self._target(), body))

    def disable_validation_frames(self, frames: Iterable[int]) -> TaskValidationLayout:
        """Exclude these validation frames from validation (added to those disabled)."""
        numbers = validation_ops.check_frames("frames", frames)
        current = self.validation_layout()
        disabled = sorted(set(current.disabled_frames) | set(numbers))
        return self.update_validation_layout(disabled_frames=disabled)

    def enable_validation_frames(self, frames: Iterable[int]) -> TaskValidationLayout:
        """Use these disabled validation frames again."""
        numbers = validation_ops.check_frames("frames", frames)
        current = self.validation_layout()
        disabled = sorted(set(current.disabled_frames) - set(numbers))
        return self.update_validation_layout(disabled_frames=disabled)

    def update_meta(
        self, *, deleted_frames: Iterable[int] | None = None, cloud_storage_id: int | None = None
    ) -> dict[str, Any]:
        """``PATCH /api/tasks/<id>/data/meta``: the deleted frames (exactly these) and/or the
        cloud storage the task's data is read from. Returns the new media meta."""
        body: dict[str, Any] = {}
        if deleted_frames is not None:
            body["deleted_frames"] = validation_ops.check_frames("deleted_frames", deleted_frames)
        if cloud_storage_id is not None:
            if (
                isinstance(cloud_storage_id, bool)
                or not isinstance(cloud_storage_id, int)
                or cloud_storage_id < 1
            ):
                raise ValidationError(
                    {"cloud_storage_id": [f"expected a cloud storage id, not {cloud_storage_id!r}"]}
                )
            body["cloud_storage_id"] = cloud_storage_id
        if not body:
            raise ValidationError("update_meta() needs deleted_frames or cloud_storage_id")
        return validation_ops.update_meta(self._target(), body)


class JobValidationMixin(_MetaUpdate):
    """Job methods: the job's honeypots, the media meta update."""

    def validation_layout(self) -> JobValidationLayout:
        """The job's honeypots (``GET /api/jobs/<id>/validation_layout``)."""
        return JobValidationLayout.from_wire(validation_ops.get_layout(self._target()))

    def update_validation_layout(
        self,
        *,
        frame_selection_method: str,
        honeypot_real_frames: Iterable[int] | None = None,
    ) -> JobValidationLayout:
        """Pick new real frames for this job's honeypots (``gt_pool`` tasks):
        ``"random_uniform"``, or ``"manual"`` with ``honeypot_real_frames``."""
        body = validation_ops.check_layout_update(
            frame_selection_method=frame_selection_method,
            honeypot_real_frames=honeypot_real_frames,
            job=True,
        )
        return JobValidationLayout.from_wire(validation_ops.update_layout(self._target(), body))


# ---------------------------------------------------------------------- ground-truth jobs

_COUNTS = {
    "random_uniform": ("frame_count", "frame_share"),
    "random_per_job": ("frames_per_job_count", "frames_per_job_share"),
}


def check_ground_truth_job(payload: Mapping[str, Any]) -> None:
    """The rules of ``JobWriteSerializer`` a new job's body must follow, before it is sent:
    only ground-truth jobs can be created (annotation jobs come from the task's data,
    consensus replicas from ``consensus_replicas``); the frame selection method is required,
    with exactly one of its size parameters (``frames`` for ``manual``, not empty, no
    repeats); shares are in [0, 1]; ``random_seed`` goes with the random methods only."""
    kind = payload.get("type")
    if kind != "ground_truth":
        raise ValidationError(
            {"type": [f"only ground_truth jobs can be created through the API, not {kind!r}"]}
        )
    method = payload.get("frame_selection_method")
    if method is None:
        # the real server fails with a 500 (a KeyError) without it
        raise ValidationError({"frame_selection_method": ["required for a ground_truth job"]})
    method = str(getattr(method, "value", method))
    if method == "manual":
        frames = payload.get("frames")
        if frames is None:
            raise ValidationError({"frames": ['required when frame_selection_method is "manual"']})
        if not frames:
            raise ValidationError({"frames": ["the list of frames may not be empty"]})
        if len(set(frames)) != len(frames):
            raise ValidationError({"frames": ["frames must not repeat"]})
        return
    if payload.get("frames") is not None:
        raise ValidationError(
            {"frames": ['can only be used when frame_selection_method is "manual"']}
        )
    pair = _COUNTS.get(method)
    if pair is None:
        raise ValidationError({"frame_selection_method": [f"unknown method {method!r}"]})
    given = [name for name in pair if payload.get(name) is not None]
    if len(given) != 1:
        raise ValidationError(
            {"frame_selection_method": [f"{method} needs exactly one of {' or '.join(pair)}"]}
        )
    share = payload.get(pair[1])
    if share is not None and not 0 <= float(share) <= 1:
        raise ValidationError({pair[1]: ["a share is a number in [0, 1]"]})
