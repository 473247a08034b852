"""What every operation shares: starting a background request and waiting for it, building
model instances from server data, and the paths of the resources operations act on.

Models are imported lazily (inside functions): the models import this package's mixins, so a
module-level import would be circular.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cvatorm._sentinels import INHERIT
from cvatorm.connection.background import BackgroundRequest
from cvatorm.exceptions import ConflictError
from cvatorm.progress import ProgressReporter
from cvatorm.transfer import TransferClient, wait_for_request
from cvatorm.transfer.client import OrganizationArg

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["item_path", "rq_id_of", "run_background", "start_background", "wrap"]

RESOURCES = ("tasks", "jobs", "projects")


def item_path(resource: str, obj_id: int, suffix: str = "") -> str:
    """``/api/<resource>/<id><suffix>`` for tasks, jobs and projects."""
    if resource not in RESOURCES:
        raise ValueError(f"expected one of {', '.join(RESOURCES)}, not {resource!r}")
    return f"/api/{resource}/{int(obj_id)}{suffix}"


def rq_id_of(body: Any) -> str:
    """The ``rq_id`` of a ``202`` (or ``409``) answer; a clear error if the server sent none."""
    if isinstance(body, Mapping) and isinstance(body.get("rq_id"), str) and body["rq_id"]:
        return str(body["rq_id"])
    raise ValueError(f"the server did not answer a background request id (got {body!r})")


def start_background(
    client: TransferClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
) -> str:
    """Send the request that starts a background operation and return its ``rq_id``.

    A ``409`` that names the identical request already running (the real server's answer to a
    repeated export) is joined instead of failing: waiting for it gives the same file.
    """
    try:
        response = client.request(
            method, path, params=dict(params or {}), organization=organization
        )
    except ConflictError as conflict:
        if isinstance(conflict.body, Mapping) and conflict.body.get("rq_id"):
            return rq_id_of(conflict.body)
        raise
    return rq_id_of(response.json())


def run_background(
    client: TransferClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    organization: OrganizationArg = INHERIT,
    progress: ProgressReporter,
    desc: str,
    status_check_period: float | None = None,
    timeout: float | None = None,
) -> BackgroundRequest:
    """Start a background operation and wait until it finished (or raise its failure)."""
    rq_id = start_background(client, method, path, params=params, organization=organization)
    return wait_for_request(
        client,
        rq_id,
        progress=progress,
        desc=desc,
        status_check_period=status_check_period,
        timeout=timeout,
    )


def wrap(resource: str, data: dict[str, Any], client: Any, organization: OrganizationArg) -> Model:
    """A model instance of ``resource`` around server data."""
    from cvatorm.models.registry import registry

    return registry[resource]._from_wire(data, client=client, organization=organization)


def fetch(resource: str, obj_id: int, client: Any, organization: OrganizationArg) -> Model:
    """GET one object as a model instance."""
    response = client.request("GET", item_path(resource, obj_id), organization=organization)
    return wrap(resource, dict(response.json()), client, organization)
