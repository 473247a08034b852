"""``CloudStorage``: listing and filtering the seed storages, the checks made before any
request, and every action, against LocalCVAT or a real server.

The real test server reaches no cloud provider (the seed storages name ``http://minio:9000``,
which does not resolve there), so where LocalCVAT's in-process provider answers with the
bucket, the real server's answer must become a ``CloudStorageUnavailableError``: each test
says which it expects from ``cvat_target.is_local``. The seed storage 4 names a wrong
endpoint on both servers, so its answers are the same everywhere.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cvatorm import CloudStorage, Task
from cvatorm.exceptions import (
    CloudStorageUnavailableError,
    InvalidArgumentError,
    ValidationError,
)
from cvatorm.models.cloudstorages import (
    CloudFile,
    CloudProvider,
    CloudStorageStatus,
    CredentialsType,
)

#: Seed storages: 1 (``public``, user1, a manifest), 4 (``minio:9777``, a wrong endpoint).
PUBLIC, WRONG_ENDPOINT = 1, 4
#: A loopback port nothing listens on: no server can reach a bucket there.
UNREACHABLE = "endpoint_url=http%3A%2F%2F127.0.0.1%3A9"


@pytest.mark.covers("GET /api/cloudstorages", call="CloudStorage.objects.filter(...)")
@pytest.mark.covers("GET /api/cloudstorages/{id}", call="CloudStorage.objects.retrieve(id)")
def test_the_seed_storages_list_filter_and_order(orm_connection: Any, traffic: Any) -> None:
    storages = list(orm_connection.cloudstorages.all())
    assert [s.id for s in storages] == [5, 4, 3, 2, 1]  # the viewset's "-id"
    assert all(isinstance(s, CloudStorage) for s in storages)
    assert {s.provider_type for s in storages} == {CloudProvider.AWS_S3_BUCKET}

    traffic.clear()
    (bucket_2,) = CloudStorage.objects.filter(display_name="Bucket 2")
    (request,) = traffic.select("GET", "/api/cloudstorages")
    assert '"name"' in request.query["filter"][0]  # display_name is the server's "name"
    assert bucket_2.resource == "private" and bucket_2.owner.username == "user8"
    assert [s.id for s in CloudStorage.objects.filter(owner__username="user1")] == [PUBLIC]
    anonymous = CloudStorage.objects.filter(credentials_type=CredentialsType.ANONYMOUS_ACCESS)
    assert [s.resource for s in anonymous] == ["public"]
    ordered = CloudStorage.objects.order_by("display_name").values_list("id", flat=True)
    assert list(ordered) == [s.id for s in sorted(storages, key=lambda s: s.display_name)]

    wrong = orm_connection.cloudstorages.retrieve(WRONG_ENDPOINT)
    assert wrong.organization.slug == "org2" and wrong.manifests == []
    assert "minio%3A9777" in wrong.specific_attributes


def test_bad_input_is_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    traffic.clear()
    base = {
        "provider_type": "AWS_S3_BUCKET",
        "resource": "bucket",
        "display_name": "mine",
        "credentials_type": "KEY_SECRET_KEY_PAIR",
    }
    refused: list[dict[str, Any]] = [
        {**base, "resource": "Upper_Case"},  # S3 names: lowercase, digits, "-" and "."
        {**base, "provider_type": "AZURE_CONTAINER", "credentials_type": "CONNECTION_STRING"},
        {**base, "key": "AKIAONLYKEY"},  # a key without its secret
        {**base, "specific_attributes": "region"},  # not key=value
        {**base, "specific_attributes": "prefix=%2Fabs"},  # the real server's 500
        {**base, "display_name": "x" * 64},
        {**base, "provider_type": "DROPBOX"},
    ]
    for spec in refused:
        with pytest.raises(ValidationError):
            CloudStorage.objects.create(**spec)

    storage = CloudStorage._from_wire(
        {"id": PUBLIC, "resource": "public"}, client=orm_connection, organization=None
    )
    for kwargs in (
        {"page_size": 0},
        {"page_size": 501},
        {"manifest_path": "images/list.txt"},
        {"next_token": ""},
    ):
        with pytest.raises(InvalidArgumentError):
            storage.content(**kwargs)
    with pytest.raises(ValidationError):  # cloud files are keys, never URLs
        Task.objects.create_from_data(
            {"name": "x", "labels": [{"name": "a"}]},
            ["https://example.com/a.png"],
            resource_type="remote",
            cloud_storage=PUBLIC,
        )
    with pytest.raises(ValidationError):  # a pattern selects a manifest's files
        Task.objects.create_from_data(
            {"name": "x", "labels": [{"name": "a"}]},
            ["images/a.png"],
            cloud_storage=PUBLIC,
            data_params={"filename_pattern": "*.png"},
        )
    with pytest.raises(InvalidArgumentError):
        Task.objects.create_from_data(
            {"name": "x", "labels": [{"name": "a"}]}, ["a.png"], cloud_storage="public"
        )
    assert traffic.exchanges == []


@pytest.mark.covers("POST /api/cloudstorages", call="CloudStorage.objects.create(...)")
def test_a_bucket_the_server_cannot_reach_is_a_typed_error(
    orm_connection: Any, traffic: Any
) -> None:
    before = CloudStorage.objects.count()
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    with pytest.raises(CloudStorageUnavailableError) as caught:
        CloudStorage.objects.create(
            provider_type="AWS_S3_BUCKET",
            resource="nowhere",
            display_name="unreachable",
            credentials_type="KEY_SECRET_KEY_PAIR",
            key="AKIAEXAMPLE",
            secret_key=secret,
            specific_attributes=UNREACHABLE,
        )
    error = caught.value
    assert error.storage_status == "NOT_FOUND" and error.storage_id is None
    assert "nowhere" in str(error) and secret not in str(error)
    (post,) = traffic.select("POST", "/api/cloudstorages")
    assert post.status == 400
    assert CloudStorage.objects.count() == before  # nothing saved


@pytest.mark.covers("GET /api/cloudstorages/{id}/status", call="CloudStorage.status()")
@pytest.mark.covers("PATCH /api/cloudstorages/{id}", call="storage.save()")
def test_status_and_an_update_of_a_storage_at_a_wrong_endpoint(orm_connection: Any) -> None:
    storage = CloudStorage.objects.get(id=WRONG_ENDPOINT)
    assert storage.status() is CloudStorageStatus.NOT_FOUND
    storage.description = "changed"
    with pytest.raises(CloudStorageUnavailableError) as caught:
        storage.save()  # the server checks the bucket before it saves
    assert caught.value.storage_status == "NOT_FOUND"
    assert CloudStorage.objects.get(id=WRONG_ENDPOINT).description != "changed"


@pytest.mark.covers("GET /api/cloudstorages/{id}/content-v2", call="CloudStorage.content()")
def test_content_of_the_public_bucket(orm_connection: Any, cvat_target: Any) -> None:
    storage = CloudStorage.objects.get(id=PUBLIC)
    if not cvat_target.is_local:
        with pytest.raises(CloudStorageUnavailableError) as caught:
            list(storage.content())
        assert caught.value.storage_id == PUBLIC
        return
    top = list(storage.content())
    assert all(isinstance(entry, CloudFile) for entry in top)
    folders = [(e.name, e.type, e.path) for e in top if e.is_dir]
    assert folders[0] == ("images", "DIR", "images/")
    first, *_ = storage.content("images/")
    assert (first.name, first.mime_type, first.path) == (
        "image_1.png", "image", "images/image_1.png",
    )
    listed = list(storage.content(manifest_path="images_with_manifest/manifest.jsonl"))
    assert [e.name for e in listed] == ["images_with_manifest"]


@pytest.mark.covers("GET /api/cloudstorages/{id}/preview", call="CloudStorage.preview()")
def test_preview(orm_connection: Any, cvat_target: Any) -> None:
    storage = CloudStorage.objects.get(id=PUBLIC)  # has a manifest: the server reads it
    if not cvat_target.is_local:
        with pytest.raises(CloudStorageUnavailableError) as caught:
            storage.preview()
        assert caught.value.storage_status == "NOT_FOUND"
        return
    assert storage.preview()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.covers("GET /api/cloudstorages/{id}/actions", call="CloudStorage.actions()")
def test_actions(orm_connection: Any, cvat_target: Any) -> None:
    storage = CloudStorage.objects.get(id=PUBLIC)
    if not cvat_target.is_local:
        with pytest.raises(CloudStorageUnavailableError):
            storage.actions()
        return
    assert storage.actions() == frozenset({"read", "write"})


def test_a_task_from_a_cloud_storage(orm_connection: Any, cvat_target: Any, traffic: Any) -> None:
    name = f"from the cloud {uuid.uuid4().hex[:8]}"
    spec = {"name": name, "labels": [{"name": "car"}]}
    storage = CloudStorage.objects.get(id=PUBLIC)
    if not cvat_target.is_local:
        with pytest.raises(CloudStorageUnavailableError) as caught:
            Task.objects.create_from_data(spec, ["images/"], cloud_storage=storage)
        assert caught.value.storage_id == PUBLIC
        assert not Task.objects.filter(name=name).exists()  # the half-made task is gone
        return
    task = Task.objects.create_from_data(spec, ["images/"], cloud_storage=storage)
    try:
        (sent,) = [e for e in traffic.select("POST") if e.path.endswith("/data/")]
        assert sent.json["server_files"] == ["images/"]
        assert sent.json["cloud_storage_id"] == PUBLIC
        assert task.size == 3 and task.data_cloud_storage_id == PUBLIC
        frames = task.get_meta()["frames"]
        assert [f["name"] for f in frames] == [f"images/image_{n}.png" for n in (1, 2, 3)]
    finally:
        task.delete()
