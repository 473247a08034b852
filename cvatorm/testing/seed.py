"""Loading seed data: the bundled assets of a real CVAT 2.64 server, an empty server, or a folder.

The assets are real responses (``GET /api/<resource>?page_size=all`` as ``admin1``) of CVAT's own
test database; they say ``http://localhost:8080``, which is rewritten to the test server's URL.
Every seeded user's password is ``!Q@W#E$R`` (the password of CVAT's test database).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from cvatorm.testing.store import RESOURCES, Obj, Store, clone, now_iso

#: The password of every user in the bundled assets (and of ``admin1`` in an empty server).
SEED_PASSWORD = "!Q@W#E$R"

#: The base URL the assets were recorded with.
ASSETS_BASE_URL = "http://localhost:8080"

_FILES = [name for name in RESOURCES if name != "access_tokens"]


def read_package_file(name: str) -> bytes:
    """A file of ``cvatorm/testing/data`` (package data, so it works from a wheel too)."""
    return resources.files("cvatorm.testing").joinpath("data").joinpath(name).read_bytes()


def load_raw(data: str | Path, base_url: str | None = None) -> dict[str, Any]:
    """The JSON documents of a seed: ``"assets"``, ``"empty"`` or a folder of ``<name>.json``.

    With ``base_url``, the assets' server URL is replaced by it in every string (done on the
    JSON text, both URLs JSON-escaped: walking 100,000 parsed objects in Python took most of
    a big seed's start-up time).
    """
    old = json.dumps(ASSETS_BASE_URL)[1:-1]
    new = json.dumps(base_url)[1:-1] if base_url is not None else old
    documents: dict[str, Any] = {}
    if isinstance(data, str) and data == "empty":
        return documents
    if not (isinstance(data, str) and data == "assets") and not Path(data).is_dir():
        raise FileNotFoundError(f"LocalCVAT seed: {data!r} is not 'assets', 'empty' or a folder")
    for name in [*_FILES, "access_tokens"]:
        filename = f"{name}.json"
        if isinstance(data, str) and data == "assets":
            text = read_package_file(filename).decode("utf-8")
        else:
            path = Path(data) / filename
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
        documents[name] = json.loads(text.replace(old, new))
    return documents


def _results(document: Any) -> list[Obj]:
    if isinstance(document, dict) and "results" in document:
        return list(document["results"])
    if isinstance(document, list):
        return list(document)
    raise ValueError("a seed file must be a paginated list response or a JSON list")


def _tokens(document: Any) -> list[Obj]:
    """``access_tokens.json`` is ``{"user": {username: [token, ...]}}`` (or a plain list)."""
    if isinstance(document, dict) and "user" in document:
        return [token for tokens in document["user"].values() for token in tokens]
    return _results(document)


def _flatten_labels(labels: list[Obj]) -> list[Obj]:
    """First-level labels plus their sublabels in retrievable form (``GET /api/labels/<id>``)."""
    rows: list[Obj] = []
    for label in labels:
        rows.append(label)
        for sub in label.get("sublabels", []):
            row = {
                "attributes": [clone(a) for a in sub.get("attributes", [])],  # not shared
                "color": sub.get("color", ""),
                "has_parent": True,
                "id": sub["id"],
                "name": sub["name"],
                "parent_id": label["id"],
                "sublabels": [],
                "type": sub.get("type", "any"),
            }
            for owner in ("task_id", "project_id"):
                if owner in label:
                    row[owner] = label[owner]
            rows.append(row)
    return rows


def empty_admin() -> Obj:
    """The one user of an ``"empty"`` server: the superuser ``admin1``."""
    stamp = now_iso()
    return {
        "date_joined": stamp,
        "email": "admin1@cvat.org",
        "first_name": "Admin",
        "groups": ["admin"],
        "has_analytics_access": True,
        "id": 1,
        "is_active": True,
        "is_staff": True,
        "is_superuser": True,
        "last_login": None,
        "last_name": "First",
        "url": "",
        "username": "admin1",
    }


def populate(store: Store, data: str | Path) -> None:
    """Fill an empty store from a seed (see :func:`load_raw`)."""
    documents = load_raw(data, store.base_url)
    with store.transaction():
        if not documents.get("users"):
            documents["users"] = [empty_admin()]
        for name in _FILES:
            if name not in documents:
                continue
            rows = _results(documents[name])
            if name == "labels":
                rows = _flatten_labels(rows)
            for row in sorted(rows, key=lambda r: r.get("id") or 0):
                store.load(name, row)
                for field in ("source_storage", "target_storage"):
                    storage = row.get(field)
                    if isinstance(storage, dict) and isinstance(storage.get("id"), int):
                        store.note_id("storages", storage["id"])
                for attribute in row.get("attributes", []) if name == "labels" else []:
                    if isinstance(attribute, dict) and isinstance(attribute.get("id"), int):
                        store.note_id("attributes", attribute["id"])
        if "access_tokens" in documents:
            for token in _tokens(documents["access_tokens"]):
                store.put("access_tokens", token)
        for user in store.all("users"):
            store.passwords[user["id"]] = SEED_PASSWORD
