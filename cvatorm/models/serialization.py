"""marshmallow schemas for what cvatorm *writes*: the one place request bodies are validated.

Reading never goes through marshmallow: a listed page must cost little more than ``json.loads``,
so server data is converted lazily, field by field, by the field descriptors. Writing is rare and
worth checking, along one path, with one set of marshmallow fields (``Field.marshmallow_field``):

- a value assigned to a field is validated once, when assigned (``Field.clean``, with that
  field's marshmallow field), and stored cleaned;
- building the request body (``dirty.build_payload`` -> ``Field.to_wire``) only converts;
- ``save()`` validates the whole body once against the model's write schema, built once per
  model and operation from the same fields (``required`` fields included when creating, unknown
  keys refused), which also covers lists and dicts edited in place, never assigned.

Either way a bad value raises ``cvatorm.exceptions.ValidationError``, keyed by field name, before
any request is sent.

The nested schemas mirror ``StorageRequest``, ``AttributeRequest``, ``SublabelRequest`` and
``PatchedLabelRequest`` of CVAT's OpenAPI schema.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import marshmallow
from marshmallow import fields as mm
from marshmallow import validate

from cvatorm.exceptions import ValidationError

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = [
    "INT32_MAX",
    "AttributeSchema",
    "LabelSpecSchema",
    "StorageSchema",
    "StrictNumber",
    "SublabelSpecSchema",
    "check_value",
    "validate_payload",
    "write_schema",
]

INT32_MAX = 2147483647

LOCATIONS = ("cloud_storage", "local")
INPUT_TYPES = ("checkbox", "radio", "number", "text", "select")
LABEL_TYPES = (
    "any", "cuboid", "ellipse", "mask", "points", "polygon", "polyline", "rectangle", "skeleton",
    "tag",
)


class StrictNumber(mm.Float):
    """A JSON number: unlike ``marshmallow.fields.Float``, refuses strings and booleans."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StorageSchema(marshmallow.Schema):
    """``StorageRequest``: where a task's or project's data is imported from / exported to."""

    class Meta:
        unknown = marshmallow.RAISE

    location = mm.String(validate=validate.OneOf(LOCATIONS))
    cloud_storage_id = mm.Integer(strict=True, allow_none=True)


class AttributeSchema(marshmallow.Schema):
    """``AttributeRequest``: one attribute of a label."""

    class Meta:
        unknown = marshmallow.RAISE

    id = mm.Integer(strict=True)
    name = mm.String(required=True, validate=validate.Length(min=1, max=64))
    mutable = mm.Boolean(required=True, truthy={True}, falsy={False})
    input_type = mm.String(required=True, validate=validate.OneOf(INPUT_TYPES))
    default_value = mm.String(validate=validate.Length(max=128))
    values = mm.List(mm.String(validate=validate.Length(max=200)), required=True)


class SublabelSpecSchema(marshmallow.Schema):
    """``SublabelRequest``: a part of a skeleton label."""

    class Meta:
        unknown = marshmallow.RAISE

    id = mm.Integer(strict=True)
    name = mm.String(required=True, validate=validate.Length(min=1, max=64))
    color = mm.String()
    attributes = mm.List(mm.Nested(AttributeSchema))
    type = mm.String(validate=validate.OneOf(LABEL_TYPES))
    has_parent = mm.Boolean(truthy={True}, falsy={False})


class LabelSpecSchema(marshmallow.Schema):
    """``PatchedLabelRequest``: a label as sent inside a task's or project's ``labels`` list."""

    class Meta:
        unknown = marshmallow.RAISE

    id = mm.Integer(strict=True)
    name = mm.String(validate=validate.Length(min=1, max=64))
    color = mm.String()
    attributes = mm.List(mm.Nested(AttributeSchema))
    deleted = mm.Boolean(truthy={True}, falsy={False})
    type = mm.String(validate=validate.OneOf(LABEL_TYPES))
    svg = mm.String()
    sublabels = mm.List(mm.Nested(SublabelSpecSchema))

    @marshmallow.validates_schema
    def _new_label_has_name(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        # Without an id the server creates the label, and a label without a name fails there
        # (a database error, not a 400): say so before anything is sent.
        if "id" not in data and "name" not in data:
            raise marshmallow.ValidationError("a new label (one without an id) needs a name.",
                                              "name")


def check_value(name: str, mm_field: mm.Field[Any], raw: Any) -> None:
    """Validate one wire value with its marshmallow field; raise cvatorm's ``ValidationError``."""
    try:
        mm_field.deserialize(raw)
    except marshmallow.ValidationError as exc:
        raise ValidationError({name: _as_list(exc.messages)}) from None


_SCHEMAS: dict[tuple[type[Model], bool], marshmallow.Schema] = {}
_SCHEMAS_LOCK = threading.Lock()


def write_schema(model: type[Model], *, creating: bool) -> marshmallow.Schema:
    """The request-body schema of ``model``: POST (``creating``) or PATCH, keyed by write names.

    Built once per (model, operation) from the field declarations, so that the declarations stay
    the single source of truth.
    """
    key = (model, creating)
    with _SCHEMAS_LOCK:
        schema = _SCHEMAS.get(key)
        if schema is None:
            declared: dict[str, mm.Field[Any]] = {}
            for field in model._meta.fields.values():
                allowed = field.on_create if creating else field.on_update
                if field.write_name is None or not allowed:
                    continue
                declared[field.write_name] = field.marshmallow_field(
                    required=creating and field.required
                )
            schema_cls = marshmallow.Schema.from_dict(
                declared, name=f"{model.__name__}{'Create' if creating else 'Update'}Request"
            )
            schema = schema_cls(unknown=marshmallow.RAISE)
            _SCHEMAS[key] = schema
    return schema


def validate_payload(model: type[Model], payload: Mapping[str, Any], *, creating: bool) -> None:
    """Raise ``ValidationError`` (keyed by field names) unless ``payload`` is a valid body."""
    errors = write_schema(model, creating=creating).validate(dict(payload))
    if errors:
        by_write_name = {
            f.write_name: f.name for f in model._meta.fields.values() if f.write_name is not None
        }
        raise ValidationError(
            {by_write_name.get(str(key), str(key)): _as_list(msgs) for key, msgs in errors.items()}
        )


def _as_list(messages: Any) -> list[Any]:
    if isinstance(messages, list):
        return messages
    return [messages]
