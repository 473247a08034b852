"""A stopgap that lets LocalCVAT serve 100,000 tasks: installed in the benchmark's server only.

``Store.all`` (cvatorm/testing/store.py) deep-copies every row of a table on every list
request, before filtering and paginating: at 20,000 tasks that is most of a list request's
time, at 100,000 about a second per request. Here list requests for tasks and jobs read the
stored rows in place (under the store's lock) and only the returned page is copied, in
``listing.list_response``. Same routes, filters and responses; the fix belongs in LocalCVAT.

LocalCVAT does this itself since 4fc90b0 (``Store.rows``): then :func:`install` does nothing.
(Until 6fda130, its refresh of derived fields also scanned every job for every task on each
write; that is linear now too.)
"""

from __future__ import annotations

import json
from typing import Any

#: Tables big enough in the benchmark to be read in place by list requests.
BIG_TABLES = frozenset({"tasks", "jobs"})


def install() -> list[str]:
    """Patch LocalCVAT in this process; returns what was patched (empty: nothing)."""
    from cvatorm.testing import listing
    from cvatorm.testing.store import Store

    patched: list[str] = []
    if hasattr(Store, "rows"):  # LocalCVAT copies only the page itself (since 4fc90b0)
        return patched
    original_all = Store.all
    original_list_response = listing.list_response
    if getattr(original_all, "__module__", "") != __name__:

        def all_rows(self: Any, resource: str) -> list[Any]:
            if resource not in BIG_TABLES:
                return original_all(self, resource)
            with self.lock:
                return list(self._table(resource).values())

        def list_response(resource: str, items: list[Any], query: Any, *, store: Any,
                          **kwargs: Any) -> dict[str, Any]:
            body: dict[str, Any] = original_list_response(resource, items, query, store=store,
                                                          **kwargs)
            if resource in BIG_TABLES:
                with store.lock:  # the page is copied, as Store.all would have copied it
                    body["results"] = json.loads(json.dumps(body["results"]))
            return body

        Store.all = all_rows  # type: ignore[method-assign]
        listing.list_response = list_response
        patched.append("Store.all (tasks, jobs: page copied, not table)")
    return patched
