"""How a guide's markdown links an asset: ``![alt](/api/assets/<uuid>)``.

The server reads the links with ``AnnotationGuide.get_asset_ids_from_markdown`` (this
pattern) to know which assets a guide keeps; the client uses the same reading to check the
150-assets limit and to unlink an asset.
"""

from __future__ import annotations

import re
from typing import Final

from cvatorm.wire.resource import api_path

__all__ = ["ASSET_LINK", "asset_ids", "asset_link", "without_asset"]

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: ``(/api/assets/<uuid>)``, the uuid captured.
ASSET_LINK: Final = re.compile(r"\(" + re.escape(api_path("assets")) + "/(" + _UUID + r")\)")


def asset_ids(markdown: str) -> set[str]:
    """The uuids of the assets a markdown text links to."""
    return set(ASSET_LINK.findall(markdown))


def asset_link(uuid: str) -> str:
    """``(/api/assets/<uuid>)``: the link target of an asset in markdown."""
    return f"({api_path('assets', uuid)})"


def without_asset(markdown: str, uuid: str) -> str:
    """The markdown without its images of this asset (``![...](link)``), and other links to
    it emptied (``[text]()``)."""
    link = re.escape(asset_link(uuid))
    text = re.sub(r"!\[[^\]]*\]" + link, "", markdown)
    return re.sub(link, "()", text)
