"""``/api/server/about`` and ``/api/schema/`` (the real schema document, YAML or JSON)."""

from __future__ import annotations

from cvatorm.testing import formats, seed
from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.permissions import DENIED
from cvatorm.testing.routes.common import actor, ok
from cvatorm.testing.routing import Context, Router

#: The server version LocalCVAT claims to be.
VERSION = "2.64.1"

DESCRIPTION = (
    "CVAT is completely re-designed and re-implemented version of Video Annotation Tool from "
    "Irvine, California tool. It is free, online, interactive video and image annotation tool "
    "for computer vision. It is being used by our team to annotate million of objects with "
    "different properties. Many UI and UX decisions are based on feedbacks from professional "
    "data annotation team."
)

YAML_TYPES = ("application/vnd.oai.openapi", "application/yaml")
JSON_TYPES = ("application/vnd.oai.openapi+json", "application/json")


def about(ctx: Context) -> Response:
    return ok(
        {
            "name": "Computer Vision Annotation Tool",
            "description": DESCRIPTION,
            "version": VERSION,
            "logo_url": f"{ctx.app.base_url}/static/logo.svg",
            "subtitle": "Open Data Annotation Platform",
        }
    )


def _negotiate(ctx: Context) -> str | None:
    """DRF's content negotiation over drf-spectacular's renderers: the URL format override first
    (CVAT sets ``URL_FORMAT_OVERRIDE = 'scheme'``, so ``?format=`` means nothing here), then
    the Accept header, YAML by default.

    Returns the media type to answer with, or None when nothing acceptable is offered; an
    unknown ``scheme`` is DRF's 404.
    """
    fmt = ctx.query.get("scheme")
    if fmt == "json":
        return JSON_TYPES[0]
    if fmt == "yaml":
        return YAML_TYPES[0]
    if fmt:
        raise HttpError(404, {"detail": "Not found."})
    accept = ctx.request.headers.get_header("accept") or "*/*"
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in YAML_TYPES or media in JSON_TYPES:
            return media
        if media in ("*/*", "application/*", ""):
            return YAML_TYPES[0]
    return None


def schema(ctx: Context) -> Response:
    media = _negotiate(ctx)
    if media is None:
        accept = ctx.request.headers.get_header("accept") or ""
        return Response.json(
            {"detail": f'Could not satisfy the request Accept header "{accept}".'}
            if accept
            else {"detail": "Could not satisfy the request Accept header."},
            406,
        )
    if media in JSON_TYPES:
        return Response(200, seed.read_package_file("schema.json"), media)
    return Response(200, seed.read_package_file("schema.yml"), f"{media}; charset=utf-8")


#: ``DatasetFormat`` fields of the formats LocalCVAT handles, as the real server lists them.
_FORMAT_INFO = {
    "CVAT 1.1": {"ext": "XML, ZIP", "version": "1.1"},
    "CVAT for images 1.1": {"ext": "ZIP", "version": "1.1"},
}


def annotation_formats(ctx: Context) -> Response:
    """``DatasetFormats``: the formats LocalCVAT really reads and writes (the real server lists
    its whole catalogue; naming formats here that exports then refuse would mislead)."""

    def described(names: tuple[str, ...]) -> list[dict[str, object]]:
        return [
            {"name": name, **_FORMAT_INFO[name], "enabled": True, "dimension": "2d"}
            for name in names
        ]

    return ok(
        {
            "importers": described(formats.IMPORT_FORMATS),
            "exporters": described(formats.EXPORT_FORMATS),
        }
    )


def share(ctx: Context) -> Response:
    """``ServerViewSet.share``: a folder of the share, folders first then files by name; a
    folder outside the share or absent is "<dir> is an invalid directory" (400). The scope is
    ``list:content``: a user's privilege at least (server.rego)."""
    if actor(ctx).privilege not in ("admin", "user"):  # utils.has_perm(utils.USER)
        raise HttpError(403, {"detail": DENIED})
    directory = ctx.query.get("directory", "/")
    if directory.startswith("/"):
        directory = directory[1:]
    entries = ctx.app.share.listing(directory, ctx.query.get("search", ""))
    if entries is None:
        return Response.json(f"{directory} is an invalid directory", 400)
    return ok(entries)


def plugins(ctx: Context) -> Response:
    return ok({"ANALYTICS": False, "MODELS": False})


def register(router: Router) -> None:
    # both have ``permission_classes=[]`` on the real server: "available for everyone"
    router.add("GET", "/api/server/about", about, public=True)
    router.add("GET", "/api/schema/", schema, public=True)
    router.add("GET", "/api/server/plugins", plugins)
    router.add("GET", "/api/server/share", share)
    router.add("GET", "/api/server/annotation/formats", annotation_formats)
