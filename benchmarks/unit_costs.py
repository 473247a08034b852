"""Cost per object of turning one page of task JSON into objects, without the network.

``json.loads`` of the page is the floor; cvatorm wraps each dict (``Task._from_wire``) and
converts a field when it is read; cvat-sdk validates and converts every field of every nested
model (``ApiClient.deserialize``) and wraps each model in an entity. Best of ``repeats``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from benchmarks.clients import Context


class _Response:
    """What ``ApiClient.deserialize`` reads of a urllib3 response."""

    def __init__(self, body: bytes) -> None:
        self.data = body
        self.headers = {"content-type": "application/json"}


def _best(run: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def page_costs(ctx: Context, page_size: int = 500, repeats: int = 9) -> dict[str, float]:
    """Seconds of CPU per task: ``json.loads``, cvatorm (json.loads + objects + reading
    ``id``), cvat-sdk (deserialize + entities + reading ``id``); whichever are available."""
    body = ctx.floor.session.get(f"{ctx.url}/api/tasks", params={"page_size": page_size}).content
    n = len(json.loads(body)["results"])
    out = {"json.loads": _best(lambda: json.loads(body), repeats) / n}
    if ctx.orm is not None:
        try:
            from cvatorm.models import Task as OrmTask

            client = ctx.orm

            def orm() -> None:
                for raw in json.loads(body)["results"]:
                    OrmTask._from_wire(raw, client=client).id  # noqa: B018

            out["cvatorm"] = _best(orm, repeats) / n
        except Exception:  # reported as absent
            pass
    if ctx.sdk is not None:
        from cvat_sdk.api_client.model.paginated_task_read_list import PaginatedTaskReadList
        from cvat_sdk.core.proxies.tasks import Task as SdkTask

        api = ctx.sdk.api_client

        def sdk() -> None:
            page = api.deserialize(_Response(body), (PaginatedTaskReadList,), _check_type=True)
            for model in page.results:
                SdkTask(ctx.sdk, model).id  # noqa: B018

        out["cvat-sdk"] = _best(sdk, max(1, repeats // 3)) / n
    # json.loads again, last: the first rounds may run on a cold CPU
    out["json.loads"] = min(out["json.loads"], _best(lambda: json.loads(body), repeats) / n)
    return out
