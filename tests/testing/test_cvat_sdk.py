"""Acceptance: the official client works against LocalCVAT unchanged.

Run with the test extra's cvat-sdk (2.80) and, in ``tox -e sdk264``, with 2.64, the SDK of the
server LocalCVAT copies. An SDK of another minor version than the server's only warns that the
versions differ (``allow_unsupported_server`` defaults to True) and works.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cvat_sdk import Client, make_client
from cvat_sdk.api_client import exceptions, models
from cvat_sdk.version import VERSION as SDK_VERSION
from packaging.version import Version

from cvatorm.testing import LocalCVAT

PASSWORD = "!Q@W#E$R"


@pytest.fixture
def sdk(server: LocalCVAT, caplog: pytest.LogCaptureFixture) -> Iterator[Client]:
    host, port = server.url.rsplit(":", 1)
    with caplog.at_level(logging.WARNING):
        client = make_client(host, port=int(port), credentials=("admin1", PASSWORD))
    warnings = [r.getMessage() for r in caplog.records if "version" in r.getMessage().lower()]
    if Version(SDK_VERSION).release[:2] == (2, 64):
        assert warnings == []
    else:  # the SDK's own check: a newer SDK warns about the 2.64 server, and goes on
        assert warnings == [
            f"Server version '2.64.1' is not compatible with SDK version '{SDK_VERSION}'. "
            "Some SDK functions may not work properly with this server. You can continue "
            "using this SDK, or you can try to update with 'pip install cvat-sdk'."
        ]
    with client:
        yield client


def test_server_version(sdk: Client) -> None:
    assert str(sdk.get_server_version()).startswith("2.64")


def test_list_and_retrieve_tasks(sdk: Client) -> None:
    tasks = sdk.tasks.list()
    assert len(tasks) == 30
    task = sdk.tasks.retrieve(tasks[0].id)
    assert task.name == tasks[0].name
    assert {job.task_id for job in task.get_jobs()} == {task.id}


def test_create_update_remove_task(sdk: Client) -> None:
    task = sdk.tasks.create(
        models.TaskWriteRequest(name="sdk task", labels=[models.PatchedLabelRequest(name="cat")])
    )
    assert [label.name for label in task.get_labels()] == ["cat"]
    task.update(models.PatchedTaskWriteRequest(name="sdk task 2"))
    assert sdk.tasks.retrieve(task.id).name == "sdk task 2"
    task.remove()
    with pytest.raises(exceptions.NotFoundException):
        sdk.tasks.retrieve(task.id)


def test_projects(sdk: Client) -> None:
    assert len(sdk.projects.list()) == 17
    project = sdk.projects.create(
        models.ProjectWriteRequest(
            name="sdk project", labels=[models.PatchedLabelRequest(name="d")]
        )
    )
    task = sdk.tasks.create(models.TaskWriteRequest(name="inside", project_id=project.id))
    assert [t.id for t in project.get_tasks()] == [task.id]
    assert [label.name for label in task.get_labels()] == ["d"]
    project.update(models.PatchedProjectWriteRequest(name="renamed"))
    assert sdk.tasks.retrieve(task.id).project_id == project.id
    project.remove()
    with pytest.raises(exceptions.NotFoundException):
        sdk.tasks.retrieve(task.id)


def test_jobs(sdk: Client) -> None:
    jobs = sdk.jobs.list()
    assert len(jobs) == 56
    job = sdk.jobs.retrieve(jobs[0].id)
    job.update(models.PatchedJobWriteRequest(stage="validation"))
    assert sdk.jobs.retrieve(job.id).stage == "validation"


def test_users_and_organizations(sdk: Client) -> None:
    assert len(sdk.users.list()) == 21
    assert {org.slug for org in sdk.organizations.list()} == {"org1", "org2", "org3"}
    assert len(sdk.issues.list()) == 5
    assert len(sdk.comments.list()) == 6


def test_backups_through_background_requests(sdk: Client, tmp_path: Path) -> None:
    target = tmp_path / "task.zip"
    sdk.tasks.retrieve(2).download_backup(target, status_check_period=0.05)
    assert "task.json" in zipfile.ZipFile(target).namelist()
    project_target = tmp_path / "project.zip"
    sdk.projects.retrieve(1).download_backup(project_target, status_check_period=0.05)
    assert "project.json" in zipfile.ZipFile(project_target).namelist()


@pytest.mark.local_only
def test_background_failure_surfaces_in_the_sdk(
    sdk: Client, server: LocalCVAT, tmp_path: Path
) -> None:
    server.background.fail_next(message="export exploded")
    with pytest.raises(Exception, match="export exploded"):
        sdk.tasks.retrieve(2).download_backup(tmp_path / "x.zip", status_check_period=0.05)
