"""Sentinels shared by layers that must not import each other."""

from __future__ import annotations

import enum
from typing import Final, Literal


class _Inherit(enum.Enum):
    """"Use the surrounding context": for the organization, the client's current context.

    ``None`` cannot play this role because ``organization=None`` has a meaning of its own in
    CVAT (send no organization at all: everything visible to the user).
    """

    INHERIT = "INHERIT"

    def __repr__(self) -> str:
        return "INHERIT"


INHERIT: Final = _Inherit.INHERIT
Inherit = Literal[_Inherit.INHERIT]

#: What ``organization=`` accepts everywhere: ``INHERIT``, the client's current context;
#: ``None``, no organization; ``""``, the personal workspace; a slug, that organization.
OrganizationArg = str | None | Inherit
