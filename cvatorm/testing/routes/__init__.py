"""The route table: one module per resource group, each with a ``register(router)``."""

from __future__ import annotations

from cvatorm.testing.routes import (
    account,
    annotation_routes,
    auth,
    backups_import,
    cloudstorages,
    consensus,
    datasets,
    events,
    frames,
    guides,
    issues,
    jobs,
    labels,
    lambdas,
    organizations,
    projects,
    quality,
    requests,
    server_info,
    task_data,
    tasks,
    users,
    validation,
    webhooks,
)
from cvatorm.testing.routing import Router

_MODULES = (
    server_info,
    auth,
    account,
    users,
    organizations,
    projects,
    tasks,
    jobs,
    labels,
    issues,
    requests,
    frames,
    task_data,
    annotation_routes,
    datasets,
    backups_import,
    webhooks,
    cloudstorages,
    guides,
    lambdas,
    events,
    quality,
    consensus,
    validation,
)


def build_router() -> Router:
    router = Router()
    for module in _MODULES:
        module.register(router)
    return router
