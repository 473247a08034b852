"""``CloudStorage``: an S3 bucket, Azure container or GCS bucket attached to CVAT
(``/api/cloudstorages``), its content, status, preview and allowed actions. The whole resource
is this file: fields, descriptor, the checks the real ``CloudStorageWriteSerializer`` makes, and
the actions.

The server, not the client, talks to the provider: creating or updating a storage makes the
server check the bucket, and listing its content or making a task from it makes the server
read it. A bucket the server cannot use is a :class:`~cvatorm.exceptions.
CloudStorageUnavailableError` (not a 400 or a 500 to decode). Credentials are write-only: they
are never returned by the server, never shown by ``repr`` and scrubbed from logs and messages.
"""

from __future__ import annotations

import enum
import json
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from marshmallow import fields as mm
from marshmallow import validate as mm_validate

from cvatorm._sentinels import INHERIT, OrganizationArg
from cvatorm.exceptions import (
    ApiException,
    BadRequestError,
    CloudStorageUnavailableError,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.models import dirty
from cvatorm.models.base import Model
from cvatorm.models.clients import Client, resolve_organization
from cvatorm.models.data import Targeted
from cvatorm.models.fields import (
    DateTimeField,
    EnumField,
    IntegerField,
    ListField,
    StringField,
    UserField,
)
from cvatorm.models.relations import ForwardRelation
from cvatorm.models.serialization import validate_payload
from cvatorm.operations.task_data import unavailable_storage
from cvatorm.query import Manager
from cvatorm.wire.resource import Action, Resource, direct, users

__all__ = [
    "CloudFile",
    "CloudProvider",
    "CloudStorage",
    "CloudStorageStatus",
    "ContentPage",
    "CredentialsType",
]

#: ``settings.BUCKET_CONTENT_MAX_PAGE_SIZE``: the server never answers more per page.
MAX_PAGE_SIZE = 500

#: The write-only credential fields (``CloudStorageWriteSerializer``).
CREDENTIAL_FIELDS = ("key", "secret_key", "session_token", "account_name", "connection_string")


class CloudProvider(str, enum.Enum):
    AWS_S3_BUCKET = "AWS_S3_BUCKET"
    AZURE_CONTAINER = "AZURE_CONTAINER"
    GOOGLE_CLOUD_STORAGE = "GOOGLE_CLOUD_STORAGE"


class CredentialsType(str, enum.Enum):
    KEY_SECRET_KEY_PAIR = "KEY_SECRET_KEY_PAIR"
    ACCOUNT_NAME_TOKEN_PAIR = "ACCOUNT_NAME_TOKEN_PAIR"
    KEY_FILE_PATH = "KEY_FILE_PATH"
    ANONYMOUS_ACCESS = "ANONYMOUS_ACCESS"
    CONNECTION_STRING = "CONNECTION_STRING"


class CloudStorageStatus(str, enum.Enum):
    """What the server found when it asked the provider for the bucket."""

    AVAILABLE = "AVAILABLE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"


@dataclass(frozen=True)
class CloudFile:
    """One entry of a bucket listing (``FileInfo``): ``name`` is relative to the listed
    prefix, ``type`` is ``"REG"`` (a file) or ``"DIR"``; ``path`` is the full key."""

    name: str
    type: str
    mime_type: str
    path: str

    @property
    def is_dir(self) -> bool:
        return self.type == "DIR"

    @classmethod
    def from_wire(cls, data: Mapping[str, Any], prefix: str) -> CloudFile:
        name = str(data.get("name") or "")
        kind = str(data.get("type") or "")
        folder = prefix[: prefix.rfind("/") + 1]  # the server names entries after the last /
        return cls(
            name=name,
            type=kind,
            mime_type=str(data.get("mime_type") or ""),
            path=folder + name + ("/" if kind == "DIR" else ""),
        )


@dataclass(frozen=True)
class ContentPage:
    """One page of a bucket listing; ``next_token`` asks for the following one (None: last)."""

    files: tuple[CloudFile, ...]
    next_token: str | None


# -- what CloudStorageWriteSerializer checks, before any request --------------------------------

_RESOURCE_SYMBOLS = {
    CloudProvider.AWS_S3_BUCKET: string.ascii_lowercase + string.digits + "-.",
    CloudProvider.AZURE_CONTAINER: string.ascii_lowercase + string.digits + "-",
    CloudProvider.GOOGLE_CLOUD_STORAGE: string.ascii_lowercase + string.digits + "-_.",
}


def _specific_attributes(value: str) -> dict[str, str]:
    """``validate_specific_attributes``: ``a=b&c=d``, each part exactly one ``=``."""
    if not value:
        return {}
    if any(len(part.split("=")) != 2 for part in value.split("&")):
        raise ValidationError(
            {"specific_attributes": ["Invalid specific attributes: expected key=value&key=value"]}
        )
    return dict(parse_qsl(value, keep_blank_values=True))


def _check_prefix(prefix: str) -> None:
    """``_validate_prefix`` (the real server answers these with a 500, not a 400)."""
    if prefix.startswith("/"):
        raise ValidationError({"specific_attributes": ['prefix cannot start with "/"']})
    if "" in prefix.strip("/").split("/"):
        raise ValidationError({"specific_attributes": ["prefix cannot contain '//'"]})


class CloudStorage(Targeted, Model):
    """A CVAT cloud storage. Create it with the provider, the bucket (``resource``), a
    ``display_name``, the ``credentials_type`` and the credentials it needs (``key`` and
    ``secret_key``; ``account_name`` and ``session_token``; ``connection_string``; the path
    of a Google service account ``key_file``; none for ``ANONYMOUS_ACCESS``);
    ``specific_attributes`` is the server's ``region=...&prefix=...``
    string. The server checks the bucket before it saves anything."""

    objects: Manager[CloudStorage]

    id = IntegerField()
    owner = UserField(nullable=True)
    manifests = ListField(
        mm.String(validate=mm_validate.Length(min=1, max=1024)), writable=True
    )
    created_date = DateTimeField()
    updated_date = DateTimeField()
    provider_type = EnumField(CloudProvider, writable="create", required=True)
    resource = StringField(writable=True, required=True, min_length=1, max_length=222)
    display_name = StringField(writable=True, required=True, min_length=1, max_length=63)
    credentials_type = EnumField(CredentialsType, writable=True, required=True)
    specific_attributes = StringField(writable=True, max_length=1024)
    description = StringField(writable=True)
    organization_id = IntegerField(wire_name="organization", nullable=True, related="organizations")
    key = StringField(writable=True, write_only=True, max_length=40)
    secret_key = StringField(writable=True, write_only=True, max_length=64)
    session_token = StringField(writable=True, write_only=True, max_length=440)
    account_name = StringField(writable=True, write_only=True, max_length=24)
    connection_string = StringField(writable=True, write_only=True, max_length=1024)
    key_file = StringField(writable=True, write_only=True, min_length=1)

    organization = ForwardRelation("organizations", field="organization_id")

    class Meta:
        api = Resource(
            name="cloudstorages",
            filter_vars={
                **direct("id", "provider_type", "resource", "credentials_type", "description"),
                ("display_name",): "name",
                **users("owner"),
            },
            actions={
                "content": Action("content-v2"),
                "status": Action("status"),
                "preview": Action("preview"),
                "actions": Action("actions"),
            },
        )
        repr_field = "display_name"

    # ------------------------------------------------------------------ saving

    def save(
        self,
        *,
        update_fields: Iterable[str] | None = None,
        using: str | Client | None = None,
        organization: OrganizationArg = INHERIT,
    ) -> None:
        """Create or PATCH, after the checks the real serializer makes. The server asks the
        provider for the bucket first: a bucket it cannot use is a
        ``CloudStorageUnavailableError`` and nothing is saved."""
        self._check_write()
        client = self._connection(using)
        for name in CREDENTIAL_FIELDS:
            value = self._read_field(self._meta.fields[name])
            if isinstance(value, str):
                client.transport.redactor.add(value)
        key_file = self._read_field(self._meta.fields["key_file"])
        try:
            if key_file and update_fields is None:
                self._save_with_key_file(client, Path(key_file), organization)
            else:
                super().save(update_fields=update_fields, using=using, organization=organization)
        except BadRequestError as error:
            raise _refusal(error, self.pk) from error

    def _save_with_key_file(
        self, client: Client, key_file: Path, organization: OrganizationArg
    ) -> None:
        """A Google service account key travels as a file: the create or PATCH is the
        multipart form the real view parses (the other fields as form fields)."""
        if not key_file.is_file() or key_file.stat().st_size == 0:
            raise ValidationError({"key_file": [f"not a non-empty file: {key_file}"]})
        try:
            secrets = json.loads(key_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            secrets = {}
        if isinstance(secrets, Mapping):  # a service account key: its private key is secret
            for name, value in secrets.items():
                if "key" in str(name) and isinstance(value, str):
                    client.transport.redactor.add(value)
        creating = self.pk is None
        if organization is not INHERIT:
            self._organization = organization
        if creating:
            self._organization = resolve_organization(client, self._organization)
        payload = dirty.build_payload(self, dirty.dirty_fields(self), client)
        validate_payload(type(self), payload, creating=creating)
        payload.pop("key_file", None)
        form = {
            name: value if isinstance(value, list) else str(value)
            for name, value in payload.items()
            if value is not None
        }
        api = self._meta.require_api()
        with key_file.open("rb") as handle:
            response = client.request(
                "POST" if creating else "PATCH",
                api.collection_path() if creating else api.item_path(self.pk),
                data=form,
                files={"key_file": (key_file.name, handle, "application/json")},
                organization=self._request_organization(),
            )
        self._init_state(dict(response.json()), client=client, organization=self._organization)

    def _check_write(self) -> None:
        provider = self.provider_type
        if self.pk is None and provider is None:
            return  # the write schema names the missing field
        resource = self.resource
        if provider is not None and resource:
            odd = sorted(set(resource) - set(_RESOURCE_SYMBOLS[CloudProvider(provider)]))
            if odd:
                raise ValidationError(
                    {"resource": [f"invalid characters for {provider.value}: {''.join(odd)!r}"]}
                )
        attributes = _specific_attributes(self.specific_attributes or "")
        if "prefix" in attributes:
            _check_prefix(attributes["prefix"])
        if self.pk is None:
            self._check_credentials(provider)

    def _check_credentials(self, provider: CloudProvider) -> None:
        given = {
            name: self._read_field(self._meta.fields[name]) for name in CREDENTIAL_FIELDS
        }
        if provider is CloudProvider.AZURE_CONTAINER and not (
            given["account_name"] or given["connection_string"]
        ):
            raise ValidationError(
                "Account name or connection string for Azure container was not specified"
            )
        if provider is CloudProvider.AWS_S3_BUCKET:
            present = [n for n in ("key", "secret_key", "session_token") if given[n]]
            if len(present) == 1:  # S3CloudStorage: "Insufficient data for authentication"
                raise ValidationError(
                    {present[0]: ["an S3 key needs its secret_key (and a token its key pair)"]}
                )

    # ------------------------------------------------------------------ actions

    def status(self) -> CloudStorageStatus:
        """Ask the server to look at the bucket now (``AVAILABLE``, ``NOT_FOUND``,
        ``FORBIDDEN``); the server's answer, not an exception."""
        return CloudStorageStatus(self._target().request("GET", "status").json())

    def actions(self) -> frozenset[str]:
        """What the bucket's policy lets CVAT do: ``{"read", "write"}`` or a part of it."""
        target = self._target()
        try:
            response = target.request("GET", "actions")
        except ApiException as error:
            raise self._diagnosed(error) from error
        try:
            found = json.loads(response.text)
        except ValueError:
            found = re.findall(r"read|write", response.text)
        return frozenset(str(item) for item in found)

    def preview(self) -> bytes:
        """A preview image of the bucket's first image (encoded bytes)."""
        target = self._target()
        try:
            return target.request("GET", "preview").content
        except ApiException as error:
            raise self._diagnosed(error) from error

    def content(
        self,
        prefix: str = "",
        *,
        manifest_path: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        next_token: str | None = None,
    ) -> Iterator[CloudFile]:
        """The files and folders directly under ``prefix`` (``"images/"``), as listed by the
        server (``content-v2``), or those of a manifest (``manifest_path``). Lazy: a page is
        asked for only when the walk reaches it; arguments are checked at once."""
        self._check_content(prefix, manifest_path, page_size, next_token)
        return self._walk(prefix, manifest_path, page_size, next_token)

    def content_page(
        self,
        prefix: str = "",
        *,
        manifest_path: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        next_token: str | None = None,
    ) -> ContentPage:
        """One page of :meth:`content`, with the token of the next (to page by hand)."""
        self._check_content(prefix, manifest_path, page_size, next_token)
        return self._page(prefix, manifest_path, page_size, next_token)

    def _walk(
        self, prefix: str, manifest_path: str | None, page_size: int, token: str | None
    ) -> Iterator[CloudFile]:
        while True:
            page = self._page(prefix, manifest_path, page_size, token)
            yield from page.files
            if not page.next_token:
                return
            token = page.next_token

    def _page(
        self, prefix: str, manifest_path: str | None, page_size: int, token: str | None
    ) -> ContentPage:
        params: dict[str, str] = {"page_size": str(page_size)}
        if prefix:
            params["prefix"] = prefix
        if manifest_path:
            params["manifest_path"] = manifest_path
        if token:
            params["next_token"] = token
        target = self._target()
        try:
            body = target.request("GET", "content", params=params).json()
        except ApiException as error:
            raise self._diagnosed(error) from error
        shown = prefix.lstrip("/")
        files = tuple(CloudFile.from_wire(item, shown) for item in body.get("content") or ())
        return ContentPage(files, body.get("next") or None)

    @staticmethod
    def _check_content(
        prefix: object, manifest_path: object, page_size: object, token: object
    ) -> None:
        if not isinstance(prefix, str):
            raise InvalidArgumentError("prefix", prefix, "a str (a key prefix, '' for the root)")
        if manifest_path is not None and (
            not isinstance(manifest_path, str) or not manifest_path.endswith(".jsonl")
        ):
            raise InvalidArgumentError(
                "manifest_path", manifest_path, "the key of a manifest (.jsonl), or None"
            )
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise InvalidArgumentError(
                "page_size", page_size, f"an int from 1 to {MAX_PAGE_SIZE} (the server's limit)"
            )
        if token is not None and (not isinstance(token, str) or not token):
            raise InvalidArgumentError("next_token", token, "a token a page returned, or None")
        if manifest_path is not None and token is not None and not str(token).isdigit():
            raise InvalidArgumentError(
                "next_token", token, "the index a manifest page returned (digits)"
            )

    def _diagnosed(self, error: ApiException) -> Exception:
        """The error of a request that read the bucket. CVAT answers an unreachable provider
        with a bare 500 (content), a 400 (actions) or a 404 naming the bucket (preview): its
        words, or else its status of the bucket, tell whether the bucket is the cause."""
        known = unavailable_storage(error, self.pk)
        if known is not None:
            return known
        if error.status in (400, 500):
            verdict = self.status()
            if verdict is not CloudStorageStatus.AVAILABLE:
                return CloudStorageUnavailableError(
                    f"the server cannot use the bucket {self.resource!r} of cloud storage "
                    f"{self.pk}: {verdict.value}",
                    storage_id=self.pk,
                    storage_status=verdict.value,
                )
        return error


def _refusal(error: BadRequestError, storage_id: int | None) -> Exception:
    """A 400 of ``POST``/``PATCH /api/cloudstorages``: CVAT's ``create`` answers its serializer
    errors as plain text (``"field: message"`` lines). A bucket verdict becomes a
    ``CloudStorageUnavailableError``; other lines the field errors of a ``BadRequestError``."""
    known = unavailable_storage(error, storage_id)
    if known is not None:
        return known
    if not isinstance(error.body, str):
        return error
    messages: dict[str, list[str]] = {}
    for line in error.body.splitlines():
        field, sep, message = line.partition(": ")
        if sep and re.fullmatch(r"\w+", field):
            messages.setdefault(field, []).append(message)
        elif line.strip():
            messages.setdefault("non_field_errors", []).append(line.strip())
    if not messages:
        return error
    return BadRequestError(
        error.status,
        error.reason,
        messages,
        headers=error.headers,
        method=error.method,
        url=error.url,
    )
