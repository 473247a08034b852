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
from cvatorm.testing.validation import Field, validate

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
    "name": Field("str", allow_blank=False, max_length=64),
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


def _nested_error(field: str, index: int, count: int, errors: Any) -> HttpError:
    items: list[Any] = [{} for _ in range(count)]
    items[index] = errors
    return HttpError(400, {field: items})


def _attributes(
    store: Store, specs: list[Any], existing: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_id = {attr["id"]: attr for attr in existing}
    result = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise _nested_error(
                "attributes",
                index,
                len(specs),
                {
                    "non_field_errors": [
                        f"Invalid data. Expected a dictionary, but got {type(spec).__name__}."
                    ]
                },
            )
        try:
            clean = validate(spec, ATTRIBUTE_FIELDS, partial="id" in spec)
        except HttpError as error:
            raise _nested_error("attributes", index, len(specs), error.body) from None
        old = by_id.get(clean.get("id", -1), {})
        values = [str(value) for value in clean.get("values", old.get("values", []))]
        result.append(
            {
                "default_value": clean.get(
                    "default_value", old.get("default_value", values[0] if values else "")
                ),
                "id": old.get("id") or store.next_id("attributes"),
                "input_type": clean.get("input_type", old.get("input_type")),
                "mutable": clean.get("mutable", old.get("mutable", False)),
                "name": clean.get("name", old.get("name")),
                "values": values,
            }
        )
    return result


def _pick_color(used: set[str]) -> str:
    for color in PALETTE:
        if color not in used:
            return color
    return PALETTE[len(used) % len(PALETTE)]


def _new_label(
    store: Store,
    spec: dict[str, Any],
    owner: dict[str, int],
    used_colors: set[str],
    parent_id: int | None,
) -> list[dict[str, Any]]:
    """The stored rows for one new label (the label first, then its sublabels)."""
    label_id = store.next_id("labels")
    color = spec.get("color") or _pick_color(used_colors)
    used_colors.add(color)
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
    if spec.get("svg"):
        row["svg"] = spec["svg"]
    rows = [row]
    for sub_spec in spec.get("sublabels", []):
        sub_clean = validate(sub_spec, LABEL_FIELDS) if isinstance(sub_spec, dict) else {}
        if "name" not in sub_clean:
            raise HttpError(400, {"sublabels": [{"name": ["This field is required."]}]})
        sub_rows = _new_label(store, sub_clean, owner, used_colors, label_id)
        rows.extend(sub_rows)
        sub = sub_rows[0]
        row["sublabels"].append(
            {key: sub[key] for key in ("attributes", "color", "has_parent", "id", "name", "type")}
        )
    return rows


def write_labels(store: Store, specs: Any, owner: dict[str, int], *, creating: bool) -> None:
    """Apply the ``labels`` of a project/task body. ``owner`` is ``{"project_id": N}`` or
    ``{"task_id": N}``. Raises the serializer's 400 before changing anything it rejects."""
    if not isinstance(specs, list):
        raise HttpError(
            400, {"labels": [f'Expected a list of items but got type "{type(specs).__name__}".']}
        )
    existing = [row for row in store.find("labels", **owner)]
    by_id = {row["id"]: row for row in existing}
    names = {row["name"] for row in existing if row.get("parent_id") is None}
    used_colors = {row["color"] for row in existing}
    cleaned: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise _nested_error(
                "labels",
                index,
                len(specs),
                {
                    "non_field_errors": [
                        f"Invalid data. Expected a dictionary, but got {type(spec).__name__}."
                    ]
                },
            )
        try:
            clean = validate(spec, LABEL_FIELDS)
        except HttpError as error:
            raise _nested_error("labels", index, len(specs), error.body) from None
        if "id" in clean:
            if creating or clean["id"] not in by_id:
                raise HttpError(
                    400, {"labels": [f"Label with the ID {clean['id']} does not exist."]}
                )
        elif "name" not in clean:
            raise _nested_error("labels", index, len(specs), {"name": ["This field is required."]})
        elif clean["name"] in names:
            raise HttpError(
                400, {"labels": [f"Label with the name '{clean['name']}' already exists"]}
            )
        else:
            names.add(clean["name"])
        cleaned.append(clean)
    with store.transaction():
        for clean in cleaned:
            if "id" not in clean:
                for row in _new_label(store, clean, owner, used_colors, None):
                    store.put("labels", row)
                continue
            label = by_id[clean["id"]]
            if clean.get("deleted"):
                delete_label(store, label["id"])
                continue
            changes: dict[str, Any] = {
                key: clean[key] for key in ("name", "color", "type", "svg") if key in clean
            }
            if "attributes" in clean:
                changes["attributes"] = label["attributes"] + _attributes(
                    store, clean["attributes"], label["attributes"]
                )
                seen: dict[int, dict[str, Any]] = {}
                for attr in changes["attributes"]:
                    seen[attr["id"]] = attr
                changes["attributes"] = list(seen.values())
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
