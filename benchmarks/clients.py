"""The three ways to talk to the server: cvatorm, cvat-sdk, and the floor (raw requests).

The floor is the least work any Python client can do: one ``requests.Session``, token auth,
``json.loads`` of each response and nothing else. No model objects, no validation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from benchmarks.server import PASSWORD, USERNAME
from benchmarks.synthetic import SyntheticData


class Floor:
    """Raw ``requests`` + ``json.loads``: what a client costs when it does nothing else."""

    def __init__(self, url: str, username: str = USERNAME, password: str = PASSWORD,
                 *, session_auth: bool = False) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.url}/api/auth/login", json={"username": username, "password": password}
        )
        response.raise_for_status()
        key = json.loads(response.content)["key"]
        if session_auth:
            # The session cookie (and CSRF token for unsafe methods): on a shared server,
            # another client's logout deletes the user's one token, never this session.
            self.session.headers["X-CSRFToken"] = self.session.cookies.get("csrftoken") or ""
            self.session.headers["Referer"] = self.url + "/"
            return
        # Token auth only: no session cookie, so unsafe methods need no CSRF token.
        self.session.cookies.clear()
        self.session.headers["Authorization"] = f"Token {key}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(self.url + path, params=params)
        response.raise_for_status()
        return json.loads(response.content)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        response = self.session.patch(self.url + path, json=body)
        response.raise_for_status()
        return json.loads(response.content)

    def pages(self, resource: str, page_size: int, **params: Any) -> Iterator[list[Any]]:
        """A sequential page walk: page 1, 2, ... until ``next`` is null."""
        page = 1
        while True:
            data = self.get(f"/api/{resource}", page=page, page_size=page_size, **params)
            yield data["results"]
            if not data["next"]:
                return
            page += 1

    def walk(self, resource: str, page_size: int, **params: Any) -> Iterator[dict[str, Any]]:
        for results in self.pages(resource, page_size, **params):
            yield from results

    def close(self) -> None:
        self.session.close()


def make_sdk(url: str) -> Any:
    """A logged-in cvat-sdk client (version pinned by the benchmark dependency)."""
    from cvat_sdk import make_client

    return make_client(url, credentials=(USERNAME, PASSWORD))


def sdk_version() -> str:
    try:
        import cvat_sdk

        return str(getattr(cvat_sdk, "__version__", "?"))
    except ImportError:
        return "not installed"


def make_cvatorm(url: str) -> Any:
    """A logged-in cvatorm client, registered as the default connection."""
    import cvatorm

    return cvatorm.connect(url, credentials=(USERNAME, PASSWORD))


@dataclass
class Context:
    """Everything a workload needs: the server, the data, and one client of each kind."""

    url: str
    data: SyntheticData
    floor: Floor
    sdk: Any = None
    orm: Any = None
    sdk_error: str | None = None
    orm_error: str | None = None
    #: The most objects cvat-sdk is asked to list in one workload (it costs ~3 ms each).
    sdk_limit: int = 2000
    #: The floor's page size for listings, chosen by calibration (the fastest candidate).
    floor_page_size: int = 1000
    #: Filled by workloads for later ones (e.g. cvatorm's page size, for workload 7's floor).
    notes: dict[str, Any] = field(default_factory=dict)

    def sdk_first_id(self, limit: int) -> int:
        """The id above which the newest ``limit`` tasks lie (synthetic ids are contiguous;
        on a real server ``notes["task_ids"]`` holds them all, sorted)."""
        ids: list[int] | None = self.notes.get("task_ids")
        if ids:  # a real server: ids need not be contiguous
            return ids[-limit - 1] if limit < len(ids) else 0
        last = self.data.first_task_id + self.data.tasks - 1
        return max(0, last - limit)
