"""Request-body validation with Django REST framework's messages.

A :class:`Field` describes one writable serializer field; :func:`validate` checks a body against
a dict of them and raises the real 400 (``{"field": ["message", ...]}``) listing every problem.
Unknown fields are ignored, as DRF serializers do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cvatorm.testing.errors import HttpError

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."


@dataclass(frozen=True)
class Field:
    """``kind``: str, int, float, bool, list, dict, email, datetime, slug, username, any."""

    kind: str
    required: bool = False
    allow_null: bool = False
    allow_blank: bool = True
    max_length: int | None = None
    min_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: Sequence[str] | None = None
    #: DRF's ``CharField(trim_whitespace=True)`` default: leading and trailing whitespace is
    #: removed before the blank and length checks (``"   "`` is blank) and in the saved value.
    trim_whitespace: bool = True


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_USERNAME = re.compile(r"^[\w.@+-]+$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def _check(field: Field, value: Any) -> tuple[list[str], Any]:
    if value is None:
        return ([] if field.allow_null else [NOT_NULL]), None
    kind = field.kind
    if kind in ("str", "email", "slug", "username", "datetime"):
        if isinstance(value, (dict, list, bool)):
            return ["Not a valid string."], value
        text = str(value)
        if kind != "datetime" and field.trim_whitespace:
            text = text.strip()
        if text == "":
            if not field.allow_blank or kind in ("slug", "username"):
                return [NOT_BLANK], text
            return [], text
        errors: list[str] = []
        if field.max_length is not None and len(text) > field.max_length:
            errors.append(f"Ensure this field has no more than {field.max_length} characters.")
        if field.min_length is not None and len(text) < field.min_length:
            errors.append(f"Ensure this field has at least {field.min_length} characters.")
        if kind == "email" and not _EMAIL.match(text):
            errors.append("Enter a valid email address.")
        if kind == "slug" and not _SLUG.match(text):
            errors.append(
                'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
            )
        if kind == "username" and not _USERNAME.match(text):
            errors.append(
                "Enter a valid username. This value may contain only letters, numbers, "
                "and @/./+/-/_ characters."
            )
        if kind == "datetime" and not _DATETIME.match(text):
            errors.append(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            )
        if field.choices is not None and text not in field.choices:
            errors.append(f'"{text}" is not a valid choice.')
        return errors, text
    if kind == "int":
        if isinstance(value, (bool, dict, list)):
            return ["A valid integer is required."], value
        try:
            number = int(str(value).strip()) if not isinstance(value, float) else int(value)
            if isinstance(value, float) and value != int(value):
                raise ValueError
        except ValueError:
            return ["A valid integer is required."], value
        errors = []
        if field.min_value is not None and number < field.min_value:
            errors.append(f"Ensure this value is greater than or equal to {field.min_value}.")
        if field.max_value is not None and number > field.max_value:
            errors.append(f"Ensure this value is less than or equal to {field.max_value}.")
        return errors, number
    if kind == "float":
        if isinstance(value, (bool, dict, list)):
            return ["A valid number is required."], value
        try:
            return [], float(value)
        except (TypeError, ValueError):
            return ["A valid number is required."], value
    if kind == "bool":
        truthy = {True, "true", "True", "TRUE", "1", "yes", "on", "y", "t"}
        falsy = {False, "false", "False", "FALSE", "0", "no", "off", "n", "f"}
        if isinstance(value, (dict, list)):
            return ["Must be a valid boolean."], value
        if value in truthy:
            return [], True
        if value in falsy:
            return [], False
        return ["Must be a valid boolean."], value
    if kind == "list":
        if not isinstance(value, list):
            return [f'Expected a list of items but got type "{type(value).__name__}".'], value
        return [], value
    if kind == "dict":
        if not isinstance(value, dict):
            return [f'Expected a dictionary of items but got type "{type(value).__name__}".'], value
        return [], value
    return [], value


def validate(
    data: Mapping[str, Any], fields: Mapping[str, Field], *, partial: bool = False
) -> dict[str, Any]:
    """The validated values of the given fields (only those present), or a 400 with all errors."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.required and not partial:
                errors[name] = [REQUIRED]
            continue
        problems, value = _check(field, data[name])
        if problems:
            errors[name] = problems
        else:
            clean[name] = value
    if errors:
        raise HttpError(400, errors)
    return clean


def general_error(message: str) -> HttpError:
    """A 400 from a serializer's ``validate()`` (``non_field_errors``)."""
    return HttpError(400, {"non_field_errors": [message]})


def list_error(message: str) -> HttpError:
    """A 400 raised as ``ValidationError("...")`` in a view: a list of strings."""
    return HttpError(400, [message])


def bad_pk(name: str, value: Any) -> HttpError:
    """DRF's ``PrimaryKeyRelatedField`` message for an id that does not exist."""
    return HttpError(400, {name: [f'Invalid pk "{value}" - object does not exist.']})
