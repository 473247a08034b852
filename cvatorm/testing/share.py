"""LocalCVAT's file share: the folder the real server mounts at ``settings.SHARE_ROOT``.

Kept in memory (path -> bytes, plus folders that may be empty) so it resets with the server
and needs no disk; ``LocalCVAT().share.add("videos/clip.mp4", data)`` puts a file there for a
test. The default content mirrors the shape of the real test server's share: a few images in
``images/`` and an empty ``videos/``.
"""

from __future__ import annotations

import posixpath
import struct
import zlib
from dataclasses import dataclass, field

__all__ = ["Share", "png"]

#: ``cvat/apps/engine/media_extractors.py::MEDIA_TYPES`` by extension (what ``get_mime``
#: decides from a name), ``zip`` reported as ``archive`` as the share view does.
_MIME_BY_EXTENSION = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"), "image"),
    **dict.fromkeys((".mp4", ".avi", ".mkv", ".mov", ".webm"), "video"),
    **dict.fromkeys((".zip", ".tar", ".gz", ".tgz", ".7z", ".rar"), "archive"),
    ".pdf": "pdf",
}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, solid-colour PNG (no imaging library: LocalCVAT has no such dependency)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _clean(path: str) -> str:
    return posixpath.normpath("/" + path).lstrip("/").rstrip("/") if path.strip("/") else ""


@dataclass
class Share:
    """The share's files (``"images/image_0.png"`` -> bytes) and its (possibly empty) folders."""

    files: dict[str, bytes] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)

    @classmethod
    def default(cls) -> Share:
        share = cls(folders={"videos"})
        for index in range(5):
            share.add(f"images/image_{index}.png", png(64 + 16 * index, 48, (40 * index, 90, 160)))
        return share

    def add(self, path: str, data: bytes) -> None:
        """Put a file into the share (its folders appear with it)."""
        clean = _clean(path)
        if not clean:
            raise ValueError(f"not a file path: {path!r}")
        self.files[clean] = bytes(data)
        parent = posixpath.dirname(clean)
        while parent:
            self.folders.add(parent)
            parent = posixpath.dirname(parent)

    def is_dir(self, path: str) -> bool:
        clean = _clean(path)
        return clean == "" or clean in self.folders

    def read(self, path: str) -> bytes | None:
        return self.files.get(_clean(path))

    def files_under(self, path: str) -> list[str]:
        """A file's own path, or every file below a folder (sorted)."""
        clean = _clean(path)
        if clean in self.files:
            return [clean]
        prefix = f"{clean}/" if clean else ""
        return sorted(name for name in self.files if name.startswith(prefix))

    def listing(self, directory: str, search: str = "") -> list[dict[str, str]] | None:
        """The share view's answer for ``directory``, or None for "an invalid directory"."""
        if ".." in directory.split("/"):
            return None
        clean = _clean(directory)
        if not self.is_dir(clean):
            return None
        prefix = f"{clean}/" if clean else ""
        entries: dict[str, dict[str, str]] = {}
        for folder in self.folders:
            if folder.startswith(prefix) and "/" not in folder[len(prefix) :]:
                name = folder[len(prefix) :]
                entries[name] = {"name": name, "type": "DIR", "mime_type": "DIR"}
        for path in self.files:
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                name = path[len(prefix) :]
                mime = _MIME_BY_EXTENSION.get(posixpath.splitext(name)[1].lower(), "unknown")
                entries[name] = {"name": name, "type": "REG", "mime_type": mime}
        chosen = [e for e in entries.values() if e["name"].startswith(search)]
        return sorted(chosen, key=lambda e: (e["type"], e["name"]))
