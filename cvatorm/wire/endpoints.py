"""Where things live on a CVAT server: the resources' paths (by name, from their descriptors)
and the client's own endpoints (login, server information, background requests, schema)."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

from cvatorm.wire.resource import api_path, resource_named

__all__ = [
    "ABOUT",
    "ANNOTATION_FORMATS",
    "LOGIN",
    "LOGOUT",
    "PASSWORD_CHANGE",
    "PLUGINS",
    "REQUESTS",
    "SCHEMA",
    "SELF_USER",
    "SHARE",
    "collection_path",
    "item_path",
    "request_path",
]

#: ``GET``: the server's name and version; the probe that tells a CVAT server.
ABOUT: Final = api_path("server", "about")
#: ``GET``: the formats the server imports and exports (``DatasetFormats``).
ANNOTATION_FORMATS: Final = api_path("server", "annotation", "formats")
#: ``GET``: which optional parts run (``{"ANALYTICS": bool, "MODELS": bool}``).
PLUGINS: Final = api_path("server", "plugins")
#: ``GET ?directory=&search=``: a folder of the server's share (``FileInfo`` list).
SHARE: Final = api_path("server", "share")
#: ``POST {old_password, new_password1, new_password2}``: the logged-in user's password.
PASSWORD_CHANGE: Final = api_path("auth", "password", "change")
#: ``POST {username, password}``: a session (cookie and CSRF token).
LOGIN: Final = api_path("auth", "login")
LOGOUT: Final = api_path("auth", "logout")
#: ``GET``: the logged-in user (checks an access token).
SELF_USER: Final = api_path("users", "self")
#: ``GET``: the user's background requests (simple filters ``task_id``, ``action``, ``status``).
REQUESTS: Final = api_path("requests")
#: ``GET ?scheme=json``: the OpenAPI document (CVAT renames DRF's ``format`` to ``scheme``).
SCHEMA: Final = api_path("schema") + "/"


def request_path(rq_id: str) -> str:
    """``/api/requests/<rq_id>``: one background request (the id quoted as one segment)."""
    return f"{REQUESTS}/{quote(rq_id, safe='')}"


def collection_path(resource: str) -> str:
    """``/api/tasks``: the list (GET) and create (POST) endpoint of a resource, by name."""
    return resource_named(resource).collection_path()


def item_path(resource: str, key: int | str) -> str:
    """``/api/tasks/7``: retrieve, update and delete (the key checked and quoted)."""
    return resource_named(resource).item_path(key)
