"""cvatorm: a Django-style ORM over the CVAT REST API.

The public API is re-exported here. Importing ``cvatorm`` loads the models, so that every
client has its ``client.tasks``-style managers from the start; only ``connect_or_embedded``,
which starts the embedded test server, is loaded on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cvatorm import exceptions
from cvatorm._version import __version__
from cvatorm.connection import (
    AccessTokenCredentials,
    Client,
    Config,
    PasswordCredentials,
    connect,
    connections,
    disconnect,
    make_client,
)
from cvatorm.exceptions import (
    ApiException,
    BackgroundRequestException,
    FieldError,
    IncompatibleVersionException,
    InvalidHostException,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
)
from cvatorm.models import (
    AccessToken,
    AnnotationGuide,
    Asset,
    CloudStorage,
    Comment,
    ConsensusSettings,
    Invitation,
    Issue,
    Job,
    Label,
    LambdaFunction,
    LambdaRequest,
    Membership,
    Model,
    Organization,
    Project,
    QualityConflict,
    QualityReport,
    QualitySettings,
    Request,
    Task,
    User,
    Webhook,
)
from cvatorm.query import Q, QuerySet
from cvatorm.query.bulk import BulkCreateError

if TYPE_CHECKING:
    from cvatorm.embedded import connect_or_embedded

__all__ = [
    "AccessToken",
    "AccessTokenCredentials",
    "AnnotationGuide",
    "ApiException",
    "Asset",
    "BackgroundRequestException",
    "BulkCreateError",
    "Client",
    "CloudStorage",
    "Comment",
    "Config",
    "ConsensusSettings",
    "FieldError",
    "IncompatibleVersionException",
    "InvalidHostException",
    "Invitation",
    "Issue",
    "Job",
    "Label",
    "LambdaFunction",
    "LambdaRequest",
    "Membership",
    "Model",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "Organization",
    "PasswordCredentials",
    "Project",
    "Q",
    "QualityConflict",
    "QualityReport",
    "QualitySettings",
    "QuerySet",
    "Request",
    "Task",
    "User",
    "Webhook",
    "__version__",
    "connect",
    "connect_or_embedded",
    "connections",
    "disconnect",
    "exceptions",
    "make_client",
]


def __getattr__(name: str) -> Any:
    if name == "connect_or_embedded":
        from cvatorm.embedded import connect_or_embedded  # starts LocalCVAT: load on use only

        globals()[name] = connect_or_embedded
        return connect_or_embedded
    raise AttributeError(f"module 'cvatorm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
