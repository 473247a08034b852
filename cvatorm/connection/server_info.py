"""What a CVAT server says about itself: ``about()``, ``annotation_formats()``, ``plugins()``
and its file ``share()``, as typed, immutable structures on the client.

The formats are asked once per client and kept (a server's catalogue changes only with its
version): data operations check a ``format_name`` against them before they upload or start an
export, so a typo is a :class:`~cvatorm.exceptions.UnknownFormatError` naming the close
matches, not a background request failing minutes later. The share is listed lazily: a
directory is asked for only when the walk reaches it.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cvatorm.exceptions import (
    BadRequestError,
    InvalidArgumentError,
    MalformedResponseError,
    UnknownFormatError,
    ValidationError,
)
from cvatorm.wire.endpoints import ABOUT, ANNOTATION_FORMATS, PLUGINS, SHARE

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = [
    "AnnotationFormat",
    "AnnotationFormats",
    "FormatDirection",
    "ServerAbout",
    "ServerInfoMixin",
    "ServerPlugins",
    "ShareEntry",
]

FormatDirection = Literal["export", "import"]


def _json_object(client: Client, path: str, *, what: str, **params: str) -> Any:
    response = client.request("GET", path, organization=None, params=params or None)
    try:
        return response.json()
    except ValueError as exc:
        raise MalformedResponseError(f"{what}: the server's answer is not JSON") from exc


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise MalformedResponseError(f"{what}: {key!r} is missing or not a string")
    return value


@dataclass(frozen=True)
class ServerAbout:
    """``GET /api/server/about``: the server's name, version and description."""

    name: str
    version: str
    description: str
    subtitle: str
    logo_url: str

    @classmethod
    def from_wire(cls, data: Any) -> ServerAbout:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("the server's about did not answer a JSON object")
        what = "the server's about"
        return cls(
            name=_text(data, "name", what),
            version=_text(data, "version", what),
            description=str(data.get("description", "")),
            subtitle=str(data.get("subtitle", "")),
            logo_url=str(data.get("logo_url", "")),
        )


@dataclass(frozen=True)
class AnnotationFormat:
    """One ``DatasetFormat``: ``name`` is what ``format_name`` takes (``"CVAT 1.1"``);
    ``extensions`` are the file kinds it reads or writes (``("XML", "ZIP")``)."""

    name: str
    extensions: tuple[str, ...]
    version: str
    enabled: bool
    dimension: str

    @classmethod
    def from_wire(cls, data: Any) -> AnnotationFormat:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("a DatasetFormat is not a JSON object")
        what = "DatasetFormat"
        ext = _text(data, "ext", what)
        return cls(
            name=_text(data, "name", what),
            extensions=tuple(part.strip() for part in ext.split(",") if part.strip()),
            version=str(data.get("version", "")),
            enabled=bool(data.get("enabled", True)),
            dimension=str(data.get("dimension", "")),
        )


@dataclass(frozen=True)
class AnnotationFormats:
    """``GET /api/server/annotation/formats``: what the server imports and exports."""

    importers: tuple[AnnotationFormat, ...]
    exporters: tuple[AnnotationFormat, ...]

    @classmethod
    def from_wire(cls, data: Any) -> AnnotationFormats:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("the server's annotation formats is not a JSON object")

        def listed(key: str) -> tuple[AnnotationFormat, ...]:
            items = data.get(key)
            if not isinstance(items, list):
                raise MalformedResponseError(f"the server's annotation formats: no {key!r} list")
            return tuple(AnnotationFormat.from_wire(item) for item in items)

        return cls(importers=listed("importers"), exporters=listed("exporters"))

    def of(self, direction: FormatDirection) -> tuple[AnnotationFormat, ...]:
        return self.exporters if direction == "export" else self.importers

    def names(self, direction: FormatDirection) -> list[str]:
        """The enabled formats' names for ``"export"`` or ``"import"``."""
        return [fmt.name for fmt in self.of(direction) if fmt.enabled]

    def get(self, name: str, direction: FormatDirection) -> AnnotationFormat:
        """The enabled format called ``name`` (exactly, as the server compares), else
        :class:`UnknownFormatError` with the closest names."""
        for fmt in self.of(direction):
            if fmt.name == name:
                if not fmt.enabled:
                    raise UnknownFormatError(name, direction, [], disabled=True)
                return fmt
        names = self.names(direction)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        folded = [n for n in names if n.casefold() == name.casefold()]
        raise UnknownFormatError(name, direction, folded or close)


@dataclass(frozen=True)
class ServerPlugins:
    """``GET /api/server/plugins``: which optional parts run (``analytics``: the events store
    behind ``/api/events``; ``models``: serverless functions behind ``/api/lambda``)."""

    analytics: bool
    models: bool
    raw: Mapping[str, bool]

    @classmethod
    def from_wire(cls, data: Any) -> ServerPlugins:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("the server's plugins is not a JSON object")
        flags = {str(key): bool(value) for key, value in data.items()}
        return cls(
            analytics=flags.get("ANALYTICS", False), models=flags.get("MODELS", False), raw=flags
        )


@dataclass(frozen=True)
class ShareEntry:
    """A file or folder of the server's share. ``path`` is relative to the share's root and is
    what ``create_from_data(resource_type="share")`` takes (folders end with ``/``)."""

    path: str
    type: Literal["REG", "DIR"]
    mime_type: str

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))

    @property
    def is_dir(self) -> bool:
        return self.type == "DIR"


def _share_directory(directory: object) -> str:
    """``directory`` as the share-relative folder the server expects (``""`` is the root),
    refused locally when it leaves the share."""
    if not isinstance(directory, str):
        raise InvalidArgumentError("directory", directory, "a folder of the share (str)")
    clean = posixpath.normpath("/" + directory.strip()).lstrip("/")
    if clean == ".":
        clean = ""
    if ".." in directory.split("/"):
        raise ValidationError({"directory": [f"{directory!r} leaves the share"]})
    return clean


class ServerInfoMixin:
    """The server-information calls of :class:`~cvatorm.connection.Client`."""

    def about(self: Client) -> ServerAbout:  # type: ignore[misc]
        """The server's name and version (``GET /api/server/about``)."""
        return ServerAbout.from_wire(_json_object(self, ABOUT, what="the server's about"))

    def plugins(self: Client) -> ServerPlugins:  # type: ignore[misc]
        """Which optional parts the server runs (``GET /api/server/plugins``)."""
        return ServerPlugins.from_wire(_json_object(self, PLUGINS, what="the server's plugins"))

    def annotation_formats(self: Client, *, refresh: bool = False) -> AnnotationFormats:  # type: ignore[misc]
        """The server's import and export formats, asked once per client (``refresh=True``
        asks again). No lock is held while asking: two threads may both ask, once."""
        cached: AnnotationFormats | None = self.__dict__.get("_formats")
        if cached is not None and not refresh:
            return cached
        formats = AnnotationFormats.from_wire(
            _json_object(self, ANNOTATION_FORMATS, what="the server's annotation formats")
        )
        self.__dict__["_formats"] = formats
        return formats

    def check_format(  # type: ignore[misc]
        self: Client, format_name: str, direction: FormatDirection
    ) -> AnnotationFormat:
        """The server's enabled format ``format_name`` for ``"export"`` or ``"import"``, else
        :class:`UnknownFormatError` (before anything is uploaded or started)."""
        return self.annotation_formats().get(format_name, direction)

    def share(  # type: ignore[misc]
        self: Client, directory: str = "/", *, search: str | None = None, recursive: bool = False
    ) -> Iterator[ShareEntry]:
        """The entries of a folder of the server's share (folders first, then files, by name,
        as the server sorts), lazily: with ``recursive=True`` each sub-folder is asked for only
        when the walk reaches it. ``search`` keeps the names that start with it (in the given
        folder; the walk descends into every folder)."""
        if search is not None and not isinstance(search, str):
            raise InvalidArgumentError("search", search, "a name prefix (str) or None")
        root = _share_directory(directory)
        return _walk_share(self, root, search, recursive)

    def share_entries(  # type: ignore[misc]
        self: Client, paths: Sequence[str]
    ) -> dict[str, ShareEntry | None]:
        """Each share-relative path's entry, or None when the share has no such file or folder:
        one listing per distinct parent folder."""
        by_parent: dict[str, list[str]] = {}
        for path in paths:
            clean = _share_directory(path)
            parent = posixpath.dirname(clean.rstrip("/"))
            by_parent.setdefault(parent, []).append(path)
        found: dict[str, ShareEntry | None] = {}
        for parent, wanted in by_parent.items():
            try:
                listing = {entry.path.rstrip("/"): entry for entry in self.share(parent or "/")}
            except ValidationError:
                listing = {}
            for path in wanted:
                found[path] = listing.get(_share_directory(path).rstrip("/"))
        return found


def _walk_share(
    client: Client, directory: str, search: str | None, recursive: bool
) -> Iterator[ShareEntry]:
    params = {"directory": "/" + directory}
    if search:
        params["search"] = search
    try:
        response = client.request("GET", SHARE, organization=None, params=params)
    except BadRequestError as exc:  # the server's "<dir> is an invalid directory"
        raise ValidationError(
            {"directory": [f"{directory or '/'!r} is no folder of the share"]}
        ) from exc
    try:
        items = response.json()
    except ValueError as exc:
        raise MalformedResponseError("the server's share: the answer is not JSON") from exc
    if not isinstance(items, list):
        raise MalformedResponseError("the server's share did not answer a list")
    entries: list[ShareEntry] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") not in ("REG", "DIR"):
            raise MalformedResponseError(f"the server's share: not a FileInfo: {item!r}")
        name = _text(item, "name", "FileInfo")
        kind: Literal["REG", "DIR"] = "DIR" if item["type"] == "DIR" else "REG"
        path = posixpath.join(directory, name) + ("/" if kind == "DIR" else "")
        entries.append(ShareEntry(path=path, type=kind, mime_type=str(item.get("mime_type", ""))))
    for entry in entries:
        yield entry
        if recursive and entry.is_dir:
            yield from _walk_share(client, entry.path.rstrip("/"), None, True)
