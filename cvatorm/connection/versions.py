"""Which CVAT server versions cvatorm supports, and the check the client runs on connect.

The rule: **any CVAT 2.x from 2.64 upward** (``>=2.64, <3``). cvatorm is written and tested
against 2.64, and ships that version's schema as its default capabilities; CVAT evolves its
``/api`` within a major version by addition, so later 2.x servers are supported; a 3.x server may
change the API and is not. Pre-releases count as the release they precede (``2.64.0.dev0``
counts as 2.64). An unsupported server is a warning (``Config.allow_unsupported_server``, the
default) or an ``IncompatibleVersionException``.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from cvatorm.exceptions import IncompatibleVersionException

__all__ = [
    "MAXIMUM_EXCLUSIVE",
    "MINIMUM_SUPPORTED",
    "is_supported",
    "parse_server_version",
    "supported_range",
]

MINIMUM_SUPPORTED = Version("2.64")
MAXIMUM_EXCLUSIVE = Version("3")


def supported_range() -> str:
    return f">={MINIMUM_SUPPORTED}, <{MAXIMUM_EXCLUSIVE}"


def parse_server_version(text: object) -> Version:
    """The ``version`` of ``/api/server/about`` as a ``Version``."""
    if not isinstance(text, str):
        raise IncompatibleVersionException(f"the server reported no version (got {text!r})")
    try:
        return Version(text)
    except InvalidVersion:
        raise IncompatibleVersionException(
            f"the server reported a version that is not a version: {text!r}"
        ) from None


def is_supported(version: Version) -> bool:
    """Is ``version`` in the supported range (pre-releases count as their release)?"""
    release = Version(".".join(str(part) for part in version.release))
    return version.epoch == 0 and MINIMUM_SUPPORTED <= release < MAXIMUM_EXCLUSIVE
