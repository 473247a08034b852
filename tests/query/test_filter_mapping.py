"""Every filter variable the planner may use means, on the server, what it means locally.

For each model, every lookup path (fields, and one hop through relations) that
``wire.filtervars`` maps to a server variable is queried twice with values taken from the
data: once as planned (the server evaluates it) and once with the server's capabilities hidden
(so the planner evaluates it in Python). Both must return the same objects: this checks the
mapping table against the server itself (LocalCVAT, or a real CVAT).
"""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm.models import (
    Comment,
    Invitation,
    Issue,
    Job,
    Label,
    Membership,
    Organization,
    Project,
    Task,
    User,
)
from cvatorm.query import queryset as queryset_module
from cvatorm.query.paths import FieldPath, resolve_lookup
from cvatorm.wire.capabilities import ResourceCapabilities, capabilities_for

MODELS = [Task, Job, Project, User, Label, Issue, Comment, Membership, Organization, Invitation]


def candidate_keys(model: Any) -> list[tuple[str, FieldPath]]:
    """Lookup keys whose wire path the mapping table knows for this model's resource."""
    meta = model._meta
    table = dict(meta.api.filter_vars)
    keys = list(meta.fields)
    for name, field in meta.fields.items():
        related = getattr(field, "related_model", None)
        if related is not None:
            keys.extend(f"{name}__{sub}" for sub in related._meta.fields)
    for name, relation in meta.relations.items():
        if relation.kind == "forward":
            keys.extend(f"{name}__{sub}" for sub in relation.related_model._meta.fields)
    found: dict[tuple[str, ...], tuple[str, FieldPath]] = {}
    for key in keys:
        try:
            path, _ = resolve_lookup(model, key)
        except Exception:
            continue
        if path.wire_path in table and path.wire_path not in found:
            found[path.wire_path] = (key, path)
    return list(found.values())


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_server_and_local_evaluation_agree(
    model: Any, orm_connection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = [o._raw for o in model.objects.organization(None)]
    caps = capabilities_for(orm_connection, model._meta.resource)
    checked = 0
    for key, path in candidate_keys(model):
        if model._meta.api.filter_vars[path.wire_path] not in caps.filter_fields:
            continue
        values = []
        for raw in objects:
            value = path.python_value(raw)
            if value is not None and value not in values:
                values.append(value)
        for value in [*values[:2], None]:
            lookup = f"{key}__isnull" if value is None else key
            arg = True if value is None else value
            if (
                path.kind == "relation"
                and value is not None
                and path.wire_path[-1] in ("owner", "assignee", "user")
            ):
                continue  # user references by id are local by design: nothing to compare
            server_side = model.objects.organization(None).filter(**{lookup: arg})
            assert server_side._plan(orm_connection).server_filter is not None, lookup
            from_server = sorted(o.pk for o in server_side)
            with monkeypatch.context() as patched:
                patched.setattr(
                    queryset_module,
                    "capabilities_for",
                    lambda client, resource: ResourceCapabilities(
                        ordering_fields=caps.ordering_fields
                    ),
                )
                local_side = model.objects.organization(None).filter(**{lookup: arg})
                assert local_side._plan(orm_connection).server_filter is None
                from_local = sorted(o.pk for o in local_side)
            assert from_server == from_local, (model.__name__, lookup, arg)
            checked += 1
    if model._meta.api.filter_vars:
        assert checked, f"nothing checked for {model.__name__}"
