"""Background requests started by a JSON body rather than query parameters: computing a
quality report (``POST /api/quality/reports {"task_id"}``) and merging consensus jobs
(``POST /api/consensus/merges {"job_id"}``).

The real server answers ``202 {"rq_id"}``; the same request already queued or running is a
``409`` with its ``rq_id``, which is joined (waiting for it gives the same result).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cvatorm.connection.background import BackgroundRequest
from cvatorm.connection.context import Context
from cvatorm.exceptions import ConflictError
from cvatorm.operations._common import rq_id_of, wait

__all__ = ["post_and_wait"]


def post_and_wait(
    context: Context, path: str, body: Mapping[str, Any], *, desc: str
) -> BackgroundRequest:
    """``POST`` ``body`` to ``path``, then wait for the background request it started (or the
    identical one already running); its failure is raised."""
    try:
        response = context.request("POST", path, json=dict(body))
    except ConflictError as conflict:
        if isinstance(conflict.body, Mapping) and conflict.body.get("rq_id"):
            return wait(context, rq_id_of(conflict.body), desc=desc)
        raise
    return wait(context, rq_id_of(response.json()), desc=desc)
