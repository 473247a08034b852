"""The server's enumerations, as ``str``-valued Enums.

Each member *is* its wire string (``JobStage.ACCEPTANCE == "acceptance"``), so comparing with
plain strings keeps working and filters can take either. A value a newer server adds is not an
error when reading: the field returns the plain string instead of failing (see ``EnumField``).
"""

from __future__ import annotations

import enum

__all__ = [
    "ChunkType",
    "Dimension",
    "FrameSelectionMethod",
    "JobStage",
    "JobState",
    "JobStatus",
    "JobType",
    "LabelType",
    "Role",
    "StorageLocation",
    "TaskMode",
    "ValidationMode",
]


class _StrEnum(str, enum.Enum):
    """``enum.StrEnum`` for Python 3.10: ``str()`` and ``format()`` give the wire value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class JobStatus(_StrEnum):
    """``JobStatus``: the status of a job, and the aggregated status of a task or project."""

    ANNOTATION = "annotation"
    VALIDATION = "validation"
    COMPLETED = "completed"


class JobStage(_StrEnum):
    """``JobStage``: where a job is in the annotation workflow."""

    ANNOTATION = "annotation"
    VALIDATION = "validation"
    ACCEPTANCE = "acceptance"


class JobState(_StrEnum):
    """``OperationStatus``: a job's progress within its stage."""

    NEW = "new"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


class JobType(_StrEnum):
    """``JobType``."""

    ANNOTATION = "annotation"
    GROUND_TRUTH = "ground_truth"
    CONSENSUS_REPLICA = "consensus_replica"


class ChunkType(_StrEnum):
    """``ChunkType``: how a task's data chunks are stored."""

    VIDEO = "video"
    IMAGESET = "imageset"


class TaskMode(_StrEnum):
    """A task's ``mode``: images (``annotation``) or video (``interpolation``)."""

    ANNOTATION = "annotation"
    INTERPOLATION = "interpolation"


class Dimension(_StrEnum):
    """``dimension`` of a task, job or project."""

    D2 = "2d"
    D3 = "3d"


class LabelType(_StrEnum):
    """``LabelType``: the shape type a label is restricted to."""

    ANY = "any"
    CUBOID = "cuboid"
    ELLIPSE = "ellipse"
    MASK = "mask"
    POINTS = "points"
    POLYGON = "polygon"
    POLYLINE = "polyline"
    RECTANGLE = "rectangle"
    SKELETON = "skeleton"
    TAG = "tag"


class Role(_StrEnum):
    """``RoleEnum``: a member's role in an organization."""

    WORKER = "worker"
    SUPERVISOR = "supervisor"
    MAINTAINER = "maintainer"
    OWNER = "owner"


class StorageLocation(_StrEnum):
    """``LocationEnum``."""

    CLOUD_STORAGE = "cloud_storage"
    LOCAL = "local"


class FrameSelectionMethod(_StrEnum):
    """``FrameSelectionMethod``: how a ground-truth job's frames are chosen at creation."""

    RANDOM_UNIFORM = "random_uniform"
    RANDOM_PER_JOB = "random_per_job"
    MANUAL = "manual"


class ValidationMode(_StrEnum):
    """``ValidationMode`` of a task."""

    GT = "gt"
    GT_POOL = "gt_pool"
