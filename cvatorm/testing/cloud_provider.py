"""A cloud provider for LocalCVAT: small in-process buckets, answering as the real server's
``cvat/apps/engine/cloud_provider.py`` does when the bucket is reachable.

The real server talks to S3, Azure or GCS; LocalCVAT has no network, so it keeps a few
buckets beside each :class:`~cvatorm.testing.store.Store` (keyed weakly by it: a ``reset()``
gets fresh buckets). Their names are those of the seed storages (``public``, ``private``,
``importexportbucket``, ``backingcs``), served at the seed's endpoint ``http://minio:9000`` (or
with no endpoint: the provider's default; Azure containers by account name or a connection
string without a ``BlobEndpoint``); any other endpoint is unreachable, which the real code
reports as ``NOT_FOUND`` (the seed's ``importexportbucketwrongendpoint`` at
``minio:9777`` is), and so is a bucket name the provider does not have. ``private`` refuses
anonymous access (``FORBIDDEN``), as the test deployment's bucket of that name does.

Every bucket holds the same small tree, made of real PNG images and CVAT image manifests:
``images/image_1.png`` .. ``image_3.png``, ``images_with_manifest/image_case_65_{1,2}.png``
with its ``manifest.jsonl``, and the same under ``sub/images_with_manifest/``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import weakref
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from cvatorm.testing.store import Store

#: Where LocalCVAT's provider answers (the seed storages' ``endpoint_url``).
ENDPOINT = "http://minio:9000"
#: The buckets the provider has.
BUCKETS = ("public", "private", "importexportbucket", "backingcs")
#: Buckets that refuse anonymous access.
PRIVATE = frozenset({"private"})

AVAILABLE, NOT_FOUND, FORBIDDEN = "AVAILABLE", "NOT_FOUND", "FORBIDDEN"

_IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
_VIDEO_EXT = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm"})
_ARCHIVE_EXT = frozenset({".zip", ".tar", ".gz", ".tgz", ".rar", ".7z"})


def png(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    """A solid-colour RGB PNG (real, decodable bytes)."""
    row = b"\x00" + bytes(color) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _manifest(images: dict[str, tuple[int, int, bytes]]) -> bytes:
    """A CVAT image manifest (``ImageManifestManager``, version 1.1) of these images."""
    lines: list[dict[str, Any]] = [{"version": "1.1"}, {"type": "images"}]
    for name, (width, height, data) in images.items():
        stem, _, extension = name.rpartition(".")
        lines.append(
            {
                "name": stem,
                "extension": "." + extension,
                "width": width,
                "height": height,
                "meta": {"related_images": []},
                "checksum": hashlib.md5(data).hexdigest(),
            }
        )
    return "\n".join(json.dumps(line) for line in lines).encode() + b"\n"


def _tree() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for number in range(1, 4):
        width, height = 32 + 8 * number, 24 + 4 * number
        files[f"images/image_{number}.png"] = png(width, height, (40 * number, 90, 160))
    for folder in ("images_with_manifest", "sub/images_with_manifest"):
        images: dict[str, tuple[int, int, bytes]] = {}
        for number in (1, 2):
            data = png(20 * number, 10 * number, (200, 30 * number, 60))
            images[f"image_case_65_{number}.png"] = (20 * number, 10 * number, data)
            files[f"{folder}/image_case_65_{number}.png"] = data
        files[f"{folder}/manifest.jsonl"] = _manifest(images)
    return files


@dataclass
class Provider:
    """The buckets of one store."""

    buckets: dict[str, dict[str, bytes]] = field(default_factory=dict)
    #: Credentials of each storage by id (never served, as on the real server).
    credentials: dict[int, dict[str, str]] = field(default_factory=dict)

    def bucket(self, name: str) -> dict[str, bytes]:
        if name not in self.buckets:
            self.buckets[name] = _tree()
        return self.buckets[name]


_PROVIDERS: weakref.WeakKeyDictionary[Store, Provider] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def provider(store: Store) -> Provider:
    with _LOCK:
        found = _PROVIDERS.get(store)
        if found is None:
            found = _PROVIDERS[store] = Provider()
        return found


def attributes(storage: dict[str, Any]) -> dict[str, str]:
    """``parse_specific_attributes``: ``a=b&c=d`` as a dict (values percent-decoded)."""
    text = storage.get("specific_attributes") or ""
    return dict(parse_qsl(text, keep_blank_values=True))


@dataclass(frozen=True)
class Bucket:
    """One storage's view of its bucket: the real code's ``AbstractCloudStorage``."""

    name: str
    status: str
    files: dict[str, bytes]
    prefix: str

    # -- listing: list_files_on_one_page ---------------------------------------------------

    def _search_prefix(self, prefix: str) -> str | dict[str, Any]:
        """The prefix to list with the storage's own ``prefix`` attribute applied, or the
        whole answer when that decides it (outside the storage's prefix: nothing; above it:
        the next folder towards it), as both listings of the real code start."""
        own = self.prefix
        if own and prefix and not (own.startswith(prefix) or prefix.startswith(own)):
            return {"content": [], "next": None}
        if not own or len(prefix) >= len(own):
            return prefix
        if prefix and "/" in own[len(prefix) :]:
            layer = own[prefix.find("/") + 1 :].split("/", maxsplit=1)
            if len(layer) == 2:
                return {"content": [{"name": layer[0], "type": "DIR"}], "next": None}
        return own

    def list_page(
        self, prefix: str, next_token: str | None, page_size: int
    ) -> dict[str, Any]:
        search = self._search_prefix(prefix)
        if not isinstance(search, str):
            return search
        files, directories, following = self._raw_page(search, next_token, page_size)
        content = [{"name": f, "type": "REG"} for f in files]
        content += [{"name": d.strip("/"), "type": "DIR"} for d in directories]
        if search and "/" in search:
            cut = search.rindex("/") + 1
            for entry in content:
                entry["name"] = entry["name"][cut:]
        content.sort(key=lambda entry: entry["type"])
        return {"content": content, "next": following}

    def _raw_page(
        self, prefix: str, token: str | None, page_size: int
    ) -> tuple[list[str], list[str], str | None]:
        """S3's ``list_objects_v2`` with ``Delimiter="/"``: keys and common prefixes in key
        order, ``MaxKeys`` of them, the continuation token an opaque string."""
        entries: list[tuple[str, bool]] = []
        seen: set[str] = set()
        for key in sorted(self.files):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix) :]
            if "/" in rest:
                common = prefix + rest.split("/", 1)[0] + "/"
                if common not in seen:
                    seen.add(common)
                    entries.append((common, True))
            else:
                entries.append((key, False))
        start = 0
        if token:
            after = base64.urlsafe_b64decode(token.encode()).decode()
            start = next((i for i, (k, _) in enumerate(entries) if k > after), len(entries))
        chosen = entries[start : start + page_size]
        following = None
        if start + page_size < len(entries) and chosen:
            following = base64.urlsafe_b64encode(chosen[-1][0].encode()).decode()
        files = [k for k, is_dir in chosen if not is_dir]
        directories = [k for k, is_dir in chosen if is_dir]
        return files, directories, following

    def all_files(self, prefix: str = "") -> list[str]:
        """``list_files(prefix, _use_flat_listing=True)`` walked down: every key under it."""
        return sorted(key for key in self.files if key.startswith(prefix))

    # -- manifests: emulate_hierarchical_structure ------------------------------------------

    def manifest_names(self, manifest_path: str) -> list[str]:
        """The image names (``full_name``) of a manifest in the bucket, in its order."""
        data = self.files.get(manifest_path)
        if data is None:
            raise KeyError(manifest_path)
        names = []
        for line in data.decode().splitlines():
            item = json.loads(line) if line.strip() else {}
            if "name" in item:
                names.append(item["name"] + item.get("extension", ""))
        return names

    def manifest_page(
        self, manifest_path: str, prefix: str, start: int, page_size: int
    ) -> dict[str, Any]:
        search = self._search_prefix(prefix)
        if not isinstance(search, str):
            return search
        folder = manifest_path.rpartition("/")[0]
        content = [
            f"{folder}/{name}" if folder else name for name in self.manifest_names(manifest_path)
        ]
        if search:
            content = [name for name in content if name.startswith(search)]
            if "/" in search:
                cut = search.rindex("/") + 1
                content = [name[cut:] for name in content]
        directories = sorted({name.split("/")[0] for name in content if "/" in name}, key=natural)
        root = sorted((name for name in content if "/" not in name), key=natural)
        level = [{"name": d, "type": "DIR"} for d in directories]
        level += [{"name": f, "type": "REG"} for f in root]
        level = level[start:]
        following = None
        if len(level) > page_size:
            level = level[:page_size]
            following = start + page_size
        return {"content": level, "next": following}


def natural(name: str) -> list[Any]:
    """``natsort.os_sorted``'s order for plain names: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def mime_of(name: str) -> str:
    """``get_mime`` of the real content listing (``zip`` shown as ``archive``)."""
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot >= 0 else ""
    if extension in _IMAGE_EXT:
        return "image"
    if extension in _VIDEO_EXT:
        return "video"
    if extension in _ARCHIVE_EXT:
        return "archive"
    if extension == ".pdf":
        return "pdf"
    return "unknown"


def status_of(
    store: Store,
    provider_type: str,
    resource: str,
    credentials_type: str,
    specific_attributes: str,
    credentials: dict[str, str] | None,
) -> str:
    """``storage.get_status()`` for these settings; ``credentials`` None: a seed storage's,
    configured as its ``credentials_type`` says."""
    found = dict(parse_qsl(specific_attributes or "", keep_blank_values=True))
    if provider_type == "AWS_S3_BUCKET":
        endpoint = found.get("endpoint_url")
        if endpoint and endpoint.rstrip("/") != ENDPOINT:
            return NOT_FOUND  # EndpointConnectionError
    if provider_type == "AZURE_CONTAINER" and "BlobEndpoint=" in (credentials or {}).get(
        "connection_string", ""
    ):
        return NOT_FOUND  # only the default endpoint is served: ServiceRequestError
    if resource not in BUCKETS:
        return NOT_FOUND
    anonymous = credentials_type == "ANONYMOUS_ACCESS" or (
        credentials is not None and not any(credentials.values())
    )
    if resource in PRIVATE and anonymous:
        return FORBIDDEN
    return AVAILABLE


def bucket_of(store: Store, storage: dict[str, Any]) -> Bucket:
    """The bucket of a stored cloud storage, with its status now."""
    state = provider(store)
    found = attributes(storage)
    status = status_of(
        store,
        storage["provider_type"],
        storage["resource"],
        storage["credentials_type"],
        storage.get("specific_attributes") or "",
        state.credentials.get(storage["id"]),
    )
    files = state.bucket(storage["resource"]) if status == AVAILABLE else {}
    return Bucket(storage["resource"], status, files, found.get("prefix") or "")
