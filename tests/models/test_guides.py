"""``AnnotationGuide`` and ``Asset``: a task's and a project's guide, assets uploaded,
linked, downloaded and pruned, and the limits of the real ``AssetsViewSet`` checked before
any request, against LocalCVAT or a real server (each test makes and deletes its own task or
project)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cvatorm import AnnotationGuide, Asset, Project, Task
from cvatorm.exceptions import (
    InvalidArgumentError,
    NotFoundError,
    ServerError,
    TargetExistsError,
    ValidationError,
)
from cvatorm.testing.cloud_provider import png


@pytest.fixture
def task(orm_connection: Any) -> Iterator[Task]:
    made = Task.objects.create(name=f"guides {uuid.uuid4().hex[:8]}", labels=[{"name": "car"}])
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete()


@pytest.fixture
def project(orm_connection: Any) -> Iterator[Project]:
    made = Project.objects.create(
        name=f"guides {uuid.uuid4().hex[:8]}", labels=[{"name": "car"}]
    )
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete()


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "sign.png"
    path.write_bytes(png(6, 4, (250, 10, 10)))
    return path


@pytest.mark.covers("POST /api/guides", call="AnnotationGuide.objects.create(...)")
@pytest.mark.covers("GET /api/guides/{id}", call="task.guide")
@pytest.mark.covers("PATCH /api/guides/{id}", call="guide.save()")
@pytest.mark.covers("DELETE /api/guides/{id}", call="guide.delete()")
def test_a_task_guide_from_creation_to_deletion(
    orm_connection: Any, task: Task, traffic: Any
) -> None:
    guide = AnnotationGuide.objects.create(task=task, markdown="# Cars\nBoxes around cars.")
    assert guide.task_id == task.id and guide.project_id is None

    task.refresh()
    assert task.guide_id == guide.id
    assert task.guide == guide and task.guide.markdown.startswith("# Cars")
    assert orm_connection.guides.retrieve(guide.id).markdown == guide.markdown

    guide.markdown = "# Cars\nTight boxes."
    traffic.clear()
    guide.save()
    (patch,) = traffic.select("PATCH", f"/api/guides/{guide.id}")
    assert patch.json == {"markdown": "# Cars\nTight boxes."}
    assert AnnotationGuide.objects.retrieve(guide.id).markdown == "# Cars\nTight boxes."

    guide_id = guide.id
    guide.delete()
    with pytest.raises(AnnotationGuide.DoesNotExist):
        AnnotationGuide.objects.retrieve(guide_id)
    task.refresh()
    assert task.guide_id is None and task.guide is None


def test_a_project_guide_and_one_guide_per_target(
    orm_connection: Any, project: Project, traffic: Any
) -> None:
    guide = AnnotationGuide.objects.create(project_id=project.id, markdown="project rules")
    project.refresh()
    assert project.guide == guide
    traffic.clear()
    with pytest.raises(ValidationError) as caught:
        AnnotationGuide.objects.create(project=project, markdown="a second one")
    assert "project_id" in caught.value.messages
    assert traffic.select("POST", "/api/guides") == []  # refused before the POST
    guide.delete()


@pytest.mark.covers("POST /api/assets", call="guide.upload_asset(path)")
@pytest.mark.covers("GET /api/assets/{uuid}", call="asset.download()")
@pytest.mark.covers(
    "DELETE /api/assets/{uuid}", call="asset.delete() (CVAT 2.64: always a 500; guide.remove_asset)"
)
def test_assets_upload_link_download_prune_and_delete(
    orm_connection: Any, task: Task, picture: Path, tmp_path: Path
) -> None:
    guide = AnnotationGuide.objects.create(task=task, markdown="")
    first = guide.upload_asset(picture)
    second = Asset.objects.upload(guide, picture)
    assert isinstance(first, Asset) and first.guide_id == guide.id
    assert first.filename == "sign.png" and first.uuid != second.uuid

    content = first.download()
    assert isinstance(content, bytes) and content[:8] == b"\x89PNG\r\n\x1a\n"
    folder = tmp_path / "downloads"
    folder.mkdir()
    saved = first.download(folder)
    assert saved == folder / "sign.png" and saved.read_bytes() == content
    with pytest.raises(TargetExistsError):
        first.download(saved)

    # saving the markdown prunes the assets it does not link
    guide.markdown = f"![stop sign](/api/assets/{first.uuid})"
    guide.save()
    assert guide.asset_ids == [first.uuid]
    assert [a.uuid for a in Asset.of_guide(guide)] == [first.uuid]
    with pytest.raises(NotFoundError):
        second.download()

    with pytest.raises(ServerError) as caught:  # CVAT 2.64's DELETE fails before its lookup
        first.delete()
    assert "guide.remove_asset" in str(caught.value)
    assert first.download() == content  # nothing was deleted

    guide.remove_asset(first)  # unlinked, then deleted by the server
    assert guide.markdown == "" and guide.asset_ids == []
    with pytest.raises(NotFoundError):
        first.download()
    guide.delete()


def test_bad_guides_and_assets_are_refused_before_any_request(
    orm_connection: Any, tmp_path: Path, picture: Path, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError):
        AnnotationGuide.objects.create(markdown="no target")
    with pytest.raises(ValidationError):
        AnnotationGuide.objects.create(task_id=1, project_id=1, markdown="two targets")
    links = "".join(f"![](/api/assets/{uuid.uuid4()})" for _ in range(151))
    with pytest.raises(ValidationError):
        AnnotationGuide.objects.create(task_id=1, markdown=links)

    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    for bad in (text, empty, huge, tmp_path / "missing.png"):
        with pytest.raises(ValidationError):
            Asset.objects.upload(1, bad)
    with pytest.raises(InvalidArgumentError):
        Asset.objects.upload(0, picture)
    with pytest.raises(InvalidArgumentError):
        Asset.objects.upload(AnnotationGuide(markdown="unsaved"), picture)
    assert traffic.exchanges == []
