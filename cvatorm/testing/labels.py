"""Labels written through projects and tasks (``labels`` in their create and PATCH bodies).

A label belongs to a project or to a task outside any project; a task in a project uses the
project's labels. Skeleton labels carry sublabels, stored as labels with ``parent_id``. This
module turns the write form (``PatchedLabelRequest``) into stored labels, with the real
serializer's rules: new labels need a name, names are unique per owner, colors are generated,
``{"id": N, "deleted": true}`` deletes, ``{"id": N, ...}`` updates.
"""

from __future__ import annotations

from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.store import Store
from cvatorm.testing.validation import Field, list_error, validate

LABEL_TYPES = (
    "any",
    "cuboid",
    "ellipse",
    "mask",
    "points",
    "polygon",
    "polyline",
    "rectangle",
    "skeleton",
    "tag",
)
INPUT_TYPES = ("checkbox", "radio", "number", "text", "select")

#: A fixed palette, so generated colors are stable between runs.
PALETTE = (
    "#33ddff",
    "#fa3253",
    "#34d1b7",
    "#ff007c",
    "#ff6037",
    "#ddff33",
    "#24b353",
    "#b83df5",
    "#66ff66",
    "#32b7fa",
    "#ffcc33",
    "#83e070",
    "#fafa37",
    "#5986b3",
    "#8c78f0",
    "#ff6a4d",
    "#f078f0",
    "#2a7dd1",
    "#b25050",
    "#cc3366",
    "#cc9933",
    "#aaf0d1",
    "#ff00cc",
    "#3df53d",
)

LABEL_FIELDS = {
    "id": Field("int"),
    "name": Field("str", required=True, allow_blank=False, max_length=64),
    "color": Field("str"),
    "attributes": Field("list"),
    "deleted": Field("bool"),
    "type": Field("str", choices=LABEL_TYPES),
    "svg": Field("str"),
    "sublabels": Field("list"),
}

ATTRIBUTE_FIELDS = {
    "id": Field("int"),
    "name": Field("str", required=True, allow_blank=False, max_length=64),
    "mutable": Field("bool", required=True),
    "input_type": Field("str", required=True, choices=INPUT_TYPES),
    "default_value": Field("str", max_length=128),
    "values": Field("list", required=True),
}


def labels_of(
    store: Store, *, project_id: int | None = None, task_id: int | None = None
) -> list[dict[str, Any]]:
    """All labels (with sublabels) owned by a project or a task, as stored."""
    if project_id is not None:
        return store.find("labels", project_id=project_id)
    return store.find("labels", task_id=task_id)


def effective_labels(store: Store, task: dict[str, Any]) -> list[dict[str, Any]]:
    """The first-level labels a task uses: its project's if it has one, else its own."""
    if task.get("project_id") is not None:
        rows = labels_of(store, project_id=task["project_id"])
    else:
        rows = labels_of(store, task_id=task["id"])
    return [row for row in rows if row.get("parent_id") is None]


def _item_errors(spec: Any, fields: dict[str, Field], *, partial: bool) -> dict[str, Any]:
    """DRF's errors for one item of a nested list (``{}`` when valid)."""
    if not isinstance(spec, dict):
        kind = type(spec).__name__
        return {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    try:
        validate(spec, fields, partial=partial)
    except HttpError as error:
        errors: dict[str, Any] = dict(error.body)
    else:
        errors = {}
    for nested, nested_fields in (("attributes", ATTRIBUTE_FIELDS), ("sublabels", LABEL_FIELDS)):
        items = spec.get(nested)
        if isinstance(items, list) and nested not in errors:
            item_errors = [_item_errors(item, nested_fields, partial=partial) for item in items]
            if any(item_errors):
                errors[nested] = item_errors
    if not errors and spec.get("deleted") in (True, "true", "True") and spec.get("id") is None:
        errors["non_field_errors"] = ["Deleted label must have an ID"]
    return errors


def check_label_specs(specs: Any, *, partial: bool = False) -> None:
    """Serializer validation of the ``labels`` list of a project/task body: the nested errors
    (``{"labels": [{}, {"name": [...]}]}``). On PATCH (``partial``) nothing is required."""
    if not isinstance(specs, list):
        raise HttpError(
            400, {"labels": [f'Expected a list of items but got type "{type(specs).__name__}".']}
        )
    errors = [_item_errors(spec, LABEL_FIELDS, partial=partial) for spec in specs]
    if any(errors):
        raise HttpError(400, {"labels": errors})


def _attributes(
    store: Store, specs: list[Any], existing: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Attribute rows for a label: updated by ``id`` or by name, new ones get fresh ids."""
    names = [spec.get("name") for spec in specs if isinstance(spec, dict)]
    for name in names:
        if name is not None and names.count(name) > 1:
            raise list_error(f"Duplicate attribute with name '{name}' exists")
    by_id = {attr["id"]: attr for attr in existing}
    by_name = {attr["name"]: attr for attr in existing}
    result = {attr["id"]: dict(attr) for attr in existing}
    for spec in specs:
        if spec.get("id") is not None:
            old = by_id.get(int(spec["id"]))
            if old is None:
                raise HttpError(404, {"detail": f"Attribute with id #{spec['id']} does not exist"})
        else:
            old = by_name.get(spec.get("name"))
        values = [str(value) for value in spec.get("values", (old or {}).get("values", []))]
        attr_id = old["id"] if old else store.next_id("attributes")
        result[attr_id] = {
            "default_value": str(spec.get("default_value", (old or {}).get("default_value", ""))),
            "id": attr_id,
            "input_type": spec.get("input_type", (old or {}).get("input_type")),
            "mutable": bool(spec.get("mutable", (old or {}).get("mutable", False))),
            "name": spec.get("name", (old or {}).get("name")),
            "values": values,
        }
    return list(result.values())


def _pick_color(used: list[str]) -> str:
    for color in PALETTE:
        if color not in used:
            return color
    return PALETTE[len(used) % len(PALETTE)]


def _new_rows(
    store: Store,
    spec: dict[str, Any],
    owner: dict[str, int],
    colors: list[str],
    parent_id: int | None,
) -> list[dict[str, Any]]:
    """The stored rows for one new label (the label first, then its sublabels)."""
    label_id = store.next_id("labels")
    color = spec.get("color") or _pick_color(colors)
    colors.append(color)
    row: dict[str, Any] = {
        "attributes": _attributes(store, spec.get("attributes", []), []),
        "color": color,
        "has_parent": parent_id is not None,
        "id": label_id,
        "name": spec["name"],
        "parent_id": parent_id,
        "sublabels": [],
        "type": spec.get("type", "any"),
        **owner,
    }
    if row["type"] == "skeleton":
        row["svg"] = spec.get("svg", "")
    rows = [row]
    sub_colors: list[str] = []
    for sub_spec in spec.get("sublabels", []):
        sub_rows = _new_rows(store, sub_spec, owner, sub_colors, label_id)
        rows.extend(sub_rows)
        sub = sub_rows[0]
        row["sublabels"].append(
            {key: sub[key] for key in ("attributes", "color", "has_parent", "id", "name", "type")}
        )
    if row["type"] == "skeleton":
        for sub in row["sublabels"]:
            row["svg"] = row["svg"].replace(
                f'data-label-name="{sub["name"]}"', f'data-label-id="{sub["id"]}"'
            )
    return rows


def _unique(names: list[str]) -> None:
    if len(names) != len(set(names)):
        raise list_error("All label names must be unique")


def write_labels(store: Store, specs: list[Any], owner: dict[str, int], *, creating: bool) -> None:
    """Apply the (validated, see :func:`check_label_specs`) ``labels`` of a project/task body.

    ``owner`` is ``{"project_id": N}`` or ``{"task_id": N}``. Everything is checked before
    anything changes, with the real errors: an unknown ``id`` is a 404, clashing or missing
    names are ``["All label names must be unique"]`` (the database's unique constraint).
    """
    existing = [row for row in store.find("labels", **owner) if row.get("parent_id") is None]
    by_id = {row["id"]: row for row in existing}
    names = {row["id"]: row["name"] for row in existing}
    new_names: list[str] = []
    for spec in specs:
        if not creating and spec.get("id") is not None:
            label_id = int(spec["id"])
            if label_id not in by_id:
                raise HttpError(404, {"detail": f"Not found label with id #{label_id} to change"})
            if spec.get("deleted"):
                names.pop(label_id, None)
            elif spec.get("name"):
                names[label_id] = spec["name"]
            continue
        if not spec.get("name"):
            if creating and not spec.get("color"):
                raise HttpError(500, "Server Error (500)")  # KeyError in get_label_color
            raise list_error("All label names must be unique")
        sub_names = [sub.get("name") for sub in spec.get("sublabels", [])]
        if any(not name for name in sub_names):
            raise list_error("All label names must be unique")
        _unique(sub_names)
        new_names.append(spec["name"])
    _unique([*names.values(), *new_names])
    colors = [row["color"] for row in existing]
    with store.transaction():
        for spec in specs:
            if creating or spec.get("id") is None:
                for row in _new_rows(store, spec, owner, colors, None):
                    store.put("labels", row)
                continue
            label = by_id[int(spec["id"])]
            if spec.get("deleted"):
                delete_label(store, label["id"])
                continue
            changes: dict[str, Any] = {}
            if spec.get("name"):
                changes["name"] = spec["name"]
            if spec.get("type") and "skeleton" not in (label["type"], spec["type"]):
                changes["type"] = spec["type"]
            if spec.get("color"):
                changes["color"] = spec["color"]
            if "attributes" in spec:
                changes["attributes"] = _attributes(store, spec["attributes"], label["attributes"])
            store.update("labels", label["id"], changes)


def delete_label(store: Store, label_id: int) -> None:
    """A label and its sublabels; a parent's nested ``sublabels`` list is kept in step."""
    with store.transaction():
        label = store.get("labels", label_id)
        if label is None:
            return
        store.remove_many("labels", [row["id"] for row in store.find("labels", parent_id=label_id)])
        store.remove("labels", label_id)
        parent_id = label.get("parent_id")
        if parent_id is not None:
            parent = store.get("labels", parent_id)
            if parent is not None:
                subs = [sub for sub in parent["sublabels"] if sub["id"] != label_id]
                store.update("labels", parent_id, {"sublabels": subs})
