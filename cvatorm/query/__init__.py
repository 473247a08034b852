"""Queries: ``Q``, lookups, the planner, pagination, ``QuerySet`` and ``Manager``.

This layer knows nothing of HTTP: it asks ``cvatorm.wire`` how CVAT spells things and the
client (``docs/internals/architecture.md``) to send requests. See docs/guide/querysets.md.
"""

from __future__ import annotations

from cvatorm.query.lookups import Lookup, get_lookup, lookup_names, register_lookup
from cvatorm.query.manager import Manager
from cvatorm.query.q import Q
from cvatorm.query.queryset import QuerySet

__all__ = ["Lookup", "Manager", "Q", "QuerySet", "get_lookup", "lookup_names", "register_lookup"]
