"""cvatorm: a Django-style ORM over the CVAT REST API.

The public API is re-exported here. Names are imported lazily (PEP 562), so that
``import cvatorm.testing`` or ``import cvatorm.exceptions`` does not pay for the ORM.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cvatorm import exceptions
from cvatorm.exceptions import (
    ApiException,
    BackgroundRequestException,
    FieldError,
    IncompatibleVersionException,
    InvalidHostException,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
)

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # connection layer
    "Client": "cvatorm.connection",
    "Config": "cvatorm.connection",
    "make_client": "cvatorm.connection",
    "PasswordCredentials": "cvatorm.connection",
    "AccessTokenCredentials": "cvatorm.connection",
    "connect": "cvatorm.connection",
    "connect_or_embedded": "cvatorm.connection",
    "connections": "cvatorm.connection",
    "disconnect": "cvatorm.connection",
    # models
    "Model": "cvatorm.models",
    "Task": "cvatorm.models",
    "Job": "cvatorm.models",
    "Project": "cvatorm.models",
    "Organization": "cvatorm.models",
    "User": "cvatorm.models",
    "Label": "cvatorm.models",
    "Issue": "cvatorm.models",
    "Comment": "cvatorm.models",
    "Membership": "cvatorm.models",
    "Invitation": "cvatorm.models",
    # queries
    "QuerySet": "cvatorm.query",
    "Q": "cvatorm.query",
}

__all__ = [
    "AccessTokenCredentials",
    "ApiException",
    "BackgroundRequestException",
    "Client",
    "Comment",
    "Config",
    "FieldError",
    "IncompatibleVersionException",
    "InvalidHostException",
    "Invitation",
    "Issue",
    "Job",
    "Label",
    "Membership",
    "Model",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "Organization",
    "PasswordCredentials",
    "Project",
    "Q",
    "QuerySet",
    "Task",
    "User",
    "__version__",
    "connect",
    "connect_or_embedded",
    "connections",
    "disconnect",
    "exceptions",
    "make_client",
]

if TYPE_CHECKING:
    from cvatorm.connection import (
        AccessTokenCredentials,
        Client,
        Config,
        PasswordCredentials,
        connect,
        connect_or_embedded,
        connections,
        disconnect,
        make_client,
    )
    from cvatorm.models import (
        Comment,
        Invitation,
        Issue,
        Job,
        Label,
        Membership,
        Model,
        Organization,
        Project,
        Task,
        User,
    )
    from cvatorm.query import Q, QuerySet


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cvatorm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
