"""The ORM's models: one class per CVAT resource, their fields, relations and registry.

``Task``, ``Job``, ``Project``, ``Organization``, ``User``, ``Label``, ``Issue``, ``Comment``,
``Membership``, ``Invitation`` and ``Webhook`` wrap the server's JSON
(``docs/guide/models.md``); each model's manager is also ``client.<resource>``, with
cvat-sdk's names (``client.tasks.retrieve(7)``).
"""

from __future__ import annotations

from cvatorm.models import enums
from cvatorm.models.access_tokens import AccessToken
from cvatorm.models.base import Model
from cvatorm.models.cloudstorages import CloudStorage, CloudStorageStatus
from cvatorm.models.consensus import ConsensusSettings
from cvatorm.models.enums import (
    ChunkType,
    Dimension,
    FrameSelectionMethod,
    JobStage,
    JobState,
    JobStatus,
    JobType,
    LabelType,
    Role,
    StorageLocation,
    TaskMode,
    ValidationMode,
)
from cvatorm.models.events import Events
from cvatorm.models.fields import Field
from cvatorm.models.guides import AnnotationGuide, Asset
from cvatorm.models.issues import Comment, Issue
from cvatorm.models.jobs import Job
from cvatorm.models.labels import Label
from cvatorm.models.lambdas import FunctionKind, LambdaFunction, LambdaRequest
from cvatorm.models.organizations import Invitation, Membership, Organization
from cvatorm.models.projects import Project
from cvatorm.models.quality import (
    ConflictSeverity,
    ConflictType,
    QualityConflict,
    QualityReport,
    QualityReportSummary,
    QualityReportTarget,
    QualitySettings,
)
from cvatorm.models.registry import registry
from cvatorm.models.relations import ForwardRelation, LabelsRelation, Relation, ReverseRelation
from cvatorm.models.requests import Request, RequestStatus
from cvatorm.models.tasks import Task
from cvatorm.models.users import User
from cvatorm.models.validation import JobValidationLayout, TaskValidationLayout
from cvatorm.models.webhooks import Webhook, WebhookContentType, WebhookDelivery, WebhookType

__all__ = [
    "AccessToken",
    "AnnotationGuide",
    "Asset",
    "ChunkType",
    "CloudStorage",
    "CloudStorageStatus",
    "Comment",
    "ConflictSeverity",
    "ConflictType",
    "ConsensusSettings",
    "Dimension",
    "Events",
    "Field",
    "ForwardRelation",
    "FrameSelectionMethod",
    "FunctionKind",
    "Invitation",
    "Issue",
    "Job",
    "JobStage",
    "JobState",
    "JobStatus",
    "JobType",
    "JobValidationLayout",
    "Label",
    "LabelType",
    "LabelsRelation",
    "LambdaFunction",
    "LambdaRequest",
    "Membership",
    "Model",
    "Organization",
    "Project",
    "QualityConflict",
    "QualityReport",
    "QualityReportSummary",
    "QualityReportTarget",
    "QualitySettings",
    "Relation",
    "Request",
    "RequestStatus",
    "ReverseRelation",
    "Role",
    "StorageLocation",
    "Task",
    "TaskMode",
    "TaskValidationLayout",
    "User",
    "ValidationMode",
    "Webhook",
    "WebhookContentType",
    "WebhookDelivery",
    "WebhookType",
    "enums",
    "registry",
]
