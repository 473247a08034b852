"""Which server filter variable, if any, evaluates a model lookup path exactly.

The tables themselves are declared by each resource's descriptor (``Meta.api``:
``filter_vars``, ``denormalized``, ``simple_filters``; see :mod:`cvatorm.wire.resource`); these
functions look them up by resource name for the planner and the executor, which work with
names and wire paths (``("project_id", "name")`` for a task's ``project__name``).

A variable is only declared when it compares exactly the value the path reads in the JSON (each
was read off the server's ``lookup_fields`` in ``cvat/apps/engine/views.py``), and one the
server does not declare in its schema (see ``capabilities``) is never used even when declared.
"""

from __future__ import annotations

from cvatorm.wire.resource import WirePath, resources

__all__ = ["denormalized_key", "filter_var", "simple_filter"]


def filter_var(resource: str, path: WirePath) -> str | None:
    """The filter variable comparing exactly what ``path`` reads, or None."""
    found = resources.get(resource)
    return found.filter_var(path) if found is not None else None


def denormalized_key(resource: str, path: WirePath) -> str | None:
    """The key of the listed object's JSON that already holds the value at ``path``, or None."""
    found = resources.get(resource)
    return found.denormalized_key(path) if found is not None else None


def simple_filter(resource: str, path: WirePath, value: object) -> tuple[str, str] | None:
    """The ``(parameter, value)`` of the simple filter narrowing ``path == value``, or None."""
    found = resources.get(resource)
    return found.simple_filter(path, value) if found is not None else None
