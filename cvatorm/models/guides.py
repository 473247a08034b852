"""``AnnotationGuide`` (``/api/guides``) and ``Asset`` (``/api/assets``): the markdown
instructions of a task or a project, and the files (images, PDFs) it shows. The whole
resource pair is this file.

A guide belongs to exactly one task or one project (``task.guide``, ``project.guide``); the
server has no list of guides, only their ids on tasks, projects and jobs. An asset is uploaded
to a guide and referenced from its markdown as ``![](/api/assets/<uuid>)``; when the markdown
is saved, the server deletes the guide's assets it no longer mentions: that is how an asset
is deleted (``guide.remove_asset(asset)``), CVAT 2.64's own ``DELETE /api/assets/<uuid>``
failing with a 500. The limits of the real
``AssetWriteSerializer`` (10 MB, JPEG/PNG/WebP/GIF/PDF, 150 per guide) are checked before
anything is sent.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.exceptions import (
    InvalidArgumentError,
    ServerError,
    TargetExistsError,
    ValidationError,
)
from cvatorm.models.base import Model
from cvatorm.models.clients import Client, resolve_client
from cvatorm.models.fields import DateTimeField, IntegerField, StringField, UserField
from cvatorm.models.relations import ForwardRelation
from cvatorm.query import Manager
from cvatorm.wire.markdown import asset_ids, without_asset
from cvatorm.wire.resource import Resource

__all__ = [
    "ASSET_MAX_COUNT_PER_GUIDE",
    "ASSET_MAX_SIZE",
    "ASSET_TYPES",
    "AnnotationGuide",
    "Asset",
    "AssetManager",
]

#: ``settings.ASSET_MAX_SIZE_MB``: the largest asset the server keeps.
ASSET_MAX_SIZE = 10 * 1024 * 1024
#: ``settings.ASSET_SUPPORTED_TYPES``: the content types an asset may have.
ASSET_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
#: ``settings.ASSET_MAX_COUNT_PER_GUIDE``.
ASSET_MAX_COUNT_PER_GUIDE = 150

#: The media types by extension the client sends (the server trusts the part's type).
_TYPES_BY_SUFFIX = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
}


class AnnotationGuide(Model):
    """The annotation guide of one task or one project: ``markdown`` text. Create it with
    ``task_id`` or ``project_id`` (one of them; a task or project has at most one guide)."""

    objects: Manager[AnnotationGuide]

    id = IntegerField()
    task_id = IntegerField(writable="create", nullable=True, related="tasks")
    project_id = IntegerField(writable="create", nullable=True, related="projects")
    created_date = DateTimeField()
    updated_date = DateTimeField()
    markdown = StringField(writable=True)

    task = ForwardRelation("tasks", field="task_id")
    project = ForwardRelation("projects", field="project_id")

    class Meta:
        api = Resource(
            name="guides",
            operations=frozenset({"retrieve", "create", "update", "delete"}),
            organization_scoped=False,
        )

    def save(
        self,
        *,
        update_fields: Iterable[str] | None = None,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> None:
        """Create or PATCH (the markdown). A guide needs exactly one of ``task_id`` and
        ``project_id``, and its markdown may link at most 150 assets: checked first. Creating
        reads the task or project first: one that has a guide already is a
        ``ValidationError`` (the server would fail on its one-guide constraint with a 500)."""
        if self.pk is None:
            targets = [name for name in ("task_id", "project_id") if getattr(self, name)]
            if len(targets) != 1:
                raise ValidationError(
                    {
                        "non_field_errors": [
                            "a guide belongs to one task or one project: give task_id or "
                            f"project_id (given: {', '.join(targets) or 'neither'})"
                        ]
                    }
                )
        linked = asset_ids(self.markdown or "")
        if len(linked) > ASSET_MAX_COUNT_PER_GUIDE:
            raise ValidationError(
                {
                    "markdown": [
                        f"links {len(linked)} assets; a guide may have at most "
                        f"{ASSET_MAX_COUNT_PER_GUIDE}"
                    ]
                }
            )
        if self.pk is None:
            self._check_target_free(using)
        super().save(update_fields=update_fields, using=using, organization=organization)

    def _check_target_free(self, using: str | Client | None) -> None:
        name = "task" if self.task_id else "project"
        relation = self._meta.relations[name]
        target = relation.related_model._fetch(
            getattr(self, f"{name}_id"),
            client=self._connection(using),
            organization=self._organization,
        )
        existing: int | None = target.raw.get("guide_id")  # a Task or a Project
        if existing is not None:
            raise ValidationError(
                {
                    f"{name}_id": [
                        f"{name} {target.pk} has a guide already (guide {existing}): "
                        "edit that one (a task or project has one guide)"
                    ]
                }
            )

    def remove_asset(self, asset: Asset | str) -> None:
        """Delete an asset of this guide the way CVAT 2.64 can: remove its links from the
        markdown and save; the server deletes the guide's assets the markdown no longer
        links (its ``DELETE /api/assets/<uuid>`` fails, see :meth:`Asset.delete`)."""
        key = asset.pk if isinstance(asset, Asset) else asset
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError("asset", asset, "an Asset or its uuid")
        if self.pk is None:
            raise ValidationError(f"{self!r} is not saved yet: it has no assets.")
        self.markdown = without_asset(self.markdown or "", key)
        self._update(self._connection(), ["markdown"], force=True)

    @property
    def asset_ids(self) -> list[str]:
        """The uuids of the assets the markdown links to (sorted)."""
        return sorted(asset_ids(self.markdown or ""))

    def upload_asset(self, file: str | os.PathLike[str]) -> Asset:
        """Upload a file as an asset of this guide (see :meth:`AssetManager.upload`)."""
        return Asset.objects.db_manager(self._connection()).upload(self, file)


M = TypeVar("M", bound=Model)


class AssetManager(Manager[M]):
    """``Asset.objects``: uploading (the server has no list of assets)."""

    def upload(
        self,
        guide: AnnotationGuide | int,
        file: str | os.PathLike[str],
        *,
        using: str | Client | None = None,
    ) -> M:
        """Upload ``file`` (JPEG, PNG, WebP, GIF or PDF, at most 10 MB, not empty) to a guide
        and return the asset; link it from the markdown as ``![](/api/assets/<uuid>)``.
        Big images are scaled down by the server to 1920 pixels."""
        guide_id = guide.pk if isinstance(guide, AnnotationGuide) else guide
        if isinstance(guide_id, bool) or not isinstance(guide_id, int) or guide_id < 1:
            raise InvalidArgumentError("guide", guide, "a saved AnnotationGuide or its id")
        path, content_type = _checked_asset(file)
        client = resolve_client(
            using if using is not None else (
                guide._connection() if isinstance(guide, AnnotationGuide) else self._using
            )
        )
        model = self._model()
        with path.open("rb") as handle:
            response = client.request(
                "POST",
                model._meta.require_api().collection_path(),
                data={"guide_id": str(guide_id)},
                files={"file": (path.name, handle, content_type)},
                organization=None,
            )
        return model._from_wire(response.json(), client=client, organization=None)

    def _model(self) -> type[M]:
        if self.model is None:
            raise TypeError("this manager is not attached to a model class")
        return self.model


def _checked_asset(file: object) -> tuple[Path, str]:
    if not isinstance(file, (str, os.PathLike)):
        raise InvalidArgumentError("file", file, "a path to the file to upload")
    path = Path(file)
    if not path.is_file():
        raise ValidationError({"file": [f"not a file: {path}"]})
    size = path.stat().st_size
    if size == 0:
        raise ValidationError({"file": [f"{path.name} is empty"]})
    if size > ASSET_MAX_SIZE:
        raise ValidationError(
            {"file": [f"{path.name} has {size} bytes; an asset has at most 10 MB"]}
        )
    content_type = _TYPES_BY_SUFFIX.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or ""
    )
    if content_type not in ASSET_TYPES:
        raise ValidationError(
            {
                "file": [
                    f"{path.name}: an asset is one of {', '.join(ASSET_TYPES)} "
                    f"(judged by the name's extension)"
                ]
            }
        )
    return path, content_type


class Asset(Model):
    """A file of an annotation guide (``uuid``, ``filename``); download it with
    :meth:`download`, delete it with ``delete()``. Upload with ``Asset.objects.upload(guide,
    path)`` or ``guide.upload_asset(path)``."""

    objects: AssetManager[Asset] = AssetManager()

    uuid = StringField()
    filename = StringField()
    created_date = DateTimeField()
    owner = UserField(nullable=True)
    guide_id = IntegerField(related="guides")

    guide = ForwardRelation("guides", field="guide_id")

    class Meta:
        api = Resource(
            pk="uuid",
            pk_kind="str",
            operations=frozenset({"create", "delete"}),
            organization_scoped=False,
        )
        repr_field = "filename"

    def download(
        self, filename: str | os.PathLike[str] | None = None, *, overwrite: bool = False
    ) -> bytes | Path:
        """The file's bytes; with ``filename``, written there (a folder: the asset's own
        name) and the path returned."""
        if self.pk is None:
            raise ValidationError(f"{self!r} is not saved yet: there is nothing to download.")
        target: Path | None = None
        if filename is not None:
            target = Path(filename)
            if target.is_dir():
                target = target / (self.filename or str(self.pk))
            if target.exists() and not overwrite:
                raise TargetExistsError(f"{target} exists; pass overwrite=True to replace it")
        client = self._connection()
        response = client.request(
            "GET", self._meta.require_api().item_path(self.pk), organization=None
        )
        content: bytes = response.content
        if target is None:
            return content
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(content)
        partial.replace(target)
        return target

    def delete(self, *, using: str | Client | None = None) -> None:
        """``DELETE /api/assets/<uuid>``. CVAT 2.64 answers it with a 500 whatever the asset
        (its ordering filter fails before the lookup; nothing is deleted): that answer is a
        ``ServerError`` saying to use ``guide.remove_asset(asset)``, which works."""
        try:
            super().delete(using=using)
        except ServerError as error:
            if error.status != 500:
                raise
            raise ServerError(
                error.status,
                error.reason,
                "the server cannot delete an asset by itself (CVAT 2.64's DELETE of an asset "
                "fails before it looks the asset up; nothing was deleted): "
                "remove it with guide.remove_asset(asset), which unlinks it from the markdown "
                "and lets the server delete it",
                headers=error.headers,
                method=error.method,
                url=error.url,
            ) from error

    @classmethod
    def of_guide(cls, guide: AnnotationGuide) -> list[Asset]:
        """The assets the guide's markdown links to (unsaved references: ``uuid`` and
        ``guide_id`` only; the server has no list of a guide's assets)."""
        return [
            cls._from_wire(
                {"uuid": uuid, "guide_id": guide.pk},
                client=guide._connection(),
                organization=None,
            )
            for uuid in guide.asset_ids
        ]
