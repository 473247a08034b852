"""LocalCVAT's cloud storages with a reachable bucket: what the real server answers when its
provider works, which the real test server cannot show (it reaches no provider). Creating,
updating and deleting storages, paging through content lazily, the manifest listing, the
permission rules, tasks from a bucket's folders and manifests, and credentials that never show.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from cvatorm import AnnotationGuide, CloudStorage, Project, Task
from cvatorm.exceptions import BadRequestError, CloudStorageUnavailableError, ForbiddenError
from cvatorm.models.cloudstorages import CloudStorageStatus

pytestmark = pytest.mark.local_only

PASSWORD = "!Q@W#E$R"
MINIO = "endpoint_url=http%3A%2F%2Fminio%3A9000"


def _public(**extra: Any) -> dict[str, Any]:
    return {
        "provider_type": "AWS_S3_BUCKET",
        "resource": "public",
        "display_name": f"public {uuid.uuid4().hex[:6]}",
        "credentials_type": "ANONYMOUS_ACCESS",
        "specific_attributes": MINIO,
        **extra,
    }


@pytest.mark.covers("POST /api/cloudstorages", call="CloudStorage.objects.create(...)")
@pytest.mark.covers("PATCH /api/cloudstorages/{id}", call="storage.save()")
@pytest.mark.covers("DELETE /api/cloudstorages/{id}", call="storage.delete()")
def test_create_update_delete_with_a_reachable_bucket(
    orm_connection: Any, traffic: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = f"secret-{uuid.uuid4().hex}"
    storage = CloudStorage.objects.create(
        provider_type="AWS_S3_BUCKET",
        resource="private",
        display_name="private bucket",
        credentials_type="KEY_SECRET_KEY_PAIR",
        key="AKIAPRIVATEKEY",
        secret_key=secret,
        specific_attributes=MINIO,
        manifests=["sub/images_with_manifest/manifest.jsonl"],
    )
    try:
        assert storage.status() is CloudStorageStatus.AVAILABLE
        assert storage.owner.username == "admin1" and storage.organization is None
        assert secret not in repr(storage) and secret not in str(dict(storage.raw))
        assert secret not in caplog.text  # the request body is logged with it masked
        (post,) = traffic.select("POST", "/api/cloudstorages")
        assert post.json["secret_key"] == secret  # sent once, as the server needs it

        storage.description = "renamed"
        storage.manifests = []
        storage.save()
        fresh = CloudStorage.objects.get(id=storage.id)
        assert (fresh.description, fresh.manifests) == ("renamed", [])
    finally:
        storage_id = storage.id
        storage.delete()
    with pytest.raises(CloudStorage.DoesNotExist):
        CloudStorage.objects.retrieve(storage_id)


def test_private_bucket_refuses_anonymous_access(orm_connection: Any) -> None:
    with pytest.raises(CloudStorageUnavailableError) as caught:
        CloudStorage.objects.create(**_public(resource="private"))
    assert caught.value.storage_status == "FORBIDDEN"


def test_a_manifest_that_is_not_in_the_bucket(orm_connection: Any) -> None:
    with pytest.raises(Exception) as caught:
        CloudStorage.objects.create(**_public(manifests=["missing/manifest.jsonl"]))
    assert "missing/manifest.jsonl" in str(caught.value)
    assert caught.value.field_errors == {  # type: ignore[attr-defined]
        "manifests": [
            "The 'missing/manifest.jsonl' file does not exist on 'public' cloud storage"
        ]
    }


def test_content_pages_are_asked_for_only_as_the_walk_reaches_them(
    orm_connection: Any, traffic: Any
) -> None:
    storage = CloudStorage.objects.get(id=1)
    traffic.clear()
    walk = storage.content("images/", page_size=1)
    assert traffic.count("GET", "/api/cloudstorages/1/content-v2") == 0
    first = next(walk)
    assert first.path == "images/image_1.png"
    assert traffic.count("GET", "/api/cloudstorages/1/content-v2") == 1
    rest = list(walk)
    assert [f.name for f in rest] == ["image_2.png", "image_3.png"]
    assert traffic.count("GET", "/api/cloudstorages/1/content-v2") == 3

    page = storage.content_page("images/", page_size=2)
    assert len(page.files) == 2 and page.next_token
    following = storage.content_page("images/", page_size=2, next_token=page.next_token)
    assert [f.name for f in following.files] == ["image_3.png"] and following.next_token is None

    manifest = "sub/images_with_manifest/manifest.jsonl"
    listed = list(storage.content("sub/images_with_manifest/", manifest_path=manifest))
    assert [f.name for f in listed] == ["image_case_65_1.png", "image_case_65_2.png"]


def test_a_task_from_a_manifest_with_a_pattern(orm_connection: Any) -> None:
    task = Task.objects.create_from_data(
        {"name": "manifest task", "labels": [{"name": "car"}]},
        ["images_with_manifest/manifest.jsonl"],
        cloud_storage=1,
        data_params={"filename_pattern": "*_2.png", "use_cache": True},
    )
    try:
        names = [frame["name"] for frame in task.get_meta()["frames"]]
        assert names == ["images_with_manifest/image_case_65_2.png"]
    finally:
        task.delete()


def test_folders_and_exclusions(orm_connection: Any) -> None:
    task = Task.objects.create_from_data(
        {"name": "folder task", "labels": [{"name": "car"}]},
        ["images/"],
        cloud_storage=1,
        data_params={"server_files_exclude": ["images/image_2.png"]},
    )
    try:
        assert [f["name"] for f in task.get_meta()["frames"]] == [
            "images/image_1.png",
            "images/image_3.png",
        ]
    finally:
        task.delete()


def test_other_users_storages_are_hidden(client_as: Any) -> None:
    user1 = client_as("user1")
    assert [s.id for s in user1.cloudstorages.all()] == [1]  # the sandbox: their own
    with pytest.raises(ForbiddenError):
        user1.cloudstorages.retrieve(5).status()
    with pytest.raises(CloudStorage.DoesNotExist):
        user1.cloudstorages.retrieve(999)


def test_the_create_view_answers_serializer_errors_as_text(url: str) -> None:
    response = requests.post(
        f"{url}/api/cloudstorages", json={}, auth=("admin1", PASSWORD), timeout=30
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.splitlines() == [
        "provider_type: This field is required.",
        "resource: This field is required.",
        "display_name: This field is required.",
        "credentials_type: This field is required.",
    ]


def test_a_storage_without_manifests_has_no_preview(url: str) -> None:
    response = requests.get(
        f"{url}/api/cloudstorages/5/preview", auth=("admin1", PASSWORD), timeout=30
    )
    assert (response.status_code, response.text) == (404, "Cloud storage preview not found")


def test_the_example_runs_on_the_embedded_server(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "cloud_storages.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CVAT_")}
    result = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 frames from storage 1" in result.stdout
    assert result.stdout.rstrip().endswith("Cleaned up")
    assert list(tmp_path.iterdir()) == []  # it wrote only into its temporary folder


def test_a_google_storage_with_a_service_account_key_file(
    orm_connection: Any, traffic: Any, tmp_path: Path
) -> None:
    key = tmp_path / "service-account.json"
    private = f"-----BEGIN PRIVATE KEY-----{uuid.uuid4().hex}-----END PRIVATE KEY-----"
    key.write_text(
        '{"type": "service_account", "client_email": "cvat@example.iam.gserviceaccount.com", '
        f'"token_uri": "https://oauth2.googleapis.com/token", "private_key": "{private}"}}'
    )
    storage = CloudStorage.objects.create(
        provider_type="GOOGLE_CLOUD_STORAGE",
        resource="public",
        display_name="gcs",
        credentials_type="KEY_FILE_PATH",
        key_file=str(key),
        manifests=["images_with_manifest/manifest.jsonl"],
    )
    try:
        (post,) = traffic.select("POST", "/api/cloudstorages")
        assert post.request_headers["Content-Type"].startswith("multipart/form-data")
        assert storage.provider_type.value == "GOOGLE_CLOUD_STORAGE"
        assert storage.manifests == ["images_with_manifest/manifest.jsonl"]
        assert storage.status() is CloudStorageStatus.AVAILABLE
    finally:
        storage.delete()

    key.write_text('{"type": "authorized_user"}')
    with pytest.raises(BadRequestError) as caught:
        CloudStorage.objects.create(
            provider_type="GOOGLE_CLOUD_STORAGE",
            resource="public",
            display_name="gcs",
            credentials_type="KEY_FILE_PATH",
            key_file=str(key),
        )
    assert caught.value.messages == [
        "Service account info was not in the expected format, missing fields "
        "client_email, token_uri."
    ]


def test_the_item_url_filters_as_the_list_does(url: str) -> None:
    auth = ("admin1", PASSWORD)
    found = requests.get(f"{url}/api/cloudstorages/1?resource=public", auth=auth, timeout=30)
    other = requests.get(f"{url}/api/cloudstorages/1?resource=private", auth=auth, timeout=30)
    assert (found.status_code, other.status_code) == (200, 404)


def test_jobs_of_a_task_made_after_its_project_got_a_guide(orm_connection: Any) -> None:
    project = Project.objects.create(name="guided", labels=[{"name": "car"}])
    try:
        guide = AnnotationGuide.objects.create(project=project, markdown="rules")
        task = Task.objects.create_from_data(
            {"name": "in a guided project", "project_id": project.id}, ["images/"],
            cloud_storage=1,
        )
        assert {job.guide_id for job in task.jobs} == {guide.id}
        assert task.guide_id is None  # the task has no guide of its own
    finally:
        project.delete()


def test_an_azure_connection_string_to_another_endpoint_is_unreachable(
    orm_connection: Any,
) -> None:
    """The real server answers this (a closed loopback port) after about 90 s of retries:
    ``resource: The resource container not found. It may have been deleted.``"""
    account_key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr"
    with pytest.raises(CloudStorageUnavailableError) as caught:
        CloudStorage.objects.create(
            provider_type="AZURE_CONTAINER",
            resource="container",
            display_name="azure",
            credentials_type="CONNECTION_STRING",
            connection_string=(
                "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                f"AccountKey={account_key};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
            ),
        )
    assert caught.value.storage_status == "NOT_FOUND"
    assert account_key not in str(caught.value)
    ok = CloudStorage.objects.create(
        provider_type="AZURE_CONTAINER", resource="public", display_name="azure",
        credentials_type="ACCOUNT_NAME_TOKEN_PAIR", account_name="cvat", session_token="sas",
    )
    assert ok.status() is CloudStorageStatus.AVAILABLE
    ok.delete()
