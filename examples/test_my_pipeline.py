"""Testing your own CVAT pipeline with cvatorm's pytest fixtures ``cvat_client``, ``cvat_server``.

Install cvatorm (its pytest plugin is registered automatically) and run::

    pytest examples/test_my_pipeline.py                  # against LocalCVAT, in-process
    CVAT_URL=https://cvat.example CVAT_USERNAME=me CVAT_PASSWORD=... \\
        pytest examples/test_my_pipeline.py              # the same tests against a real server

``cvat_client`` is a logged-in client and the default connection (``Task.objects`` uses it),
polling background requests every 0.05 s. On LocalCVAT every test starts from the seed data
(CVAT's own test database); on a real server the objects a test created are deleted after it.
Tests that also ask for ``cvat_server`` break LocalCVAT on purpose (faults, failing background
requests): they are skipped against a real server. See docs/testing.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from create_task_from_images import png  # the sibling example's stdlib PNG writer

from cvatorm import Project, Task
from cvatorm.exceptions import BackgroundRequestException
from cvatorm.testing import LocalCVAT

# --------------------------------------------------------------------------- the code under test


def archive_finished_tasks(project: Project, folder: Path) -> list[int]:
    """A toy pipeline: back up every task of ``project`` whose jobs are all completed into
    ``folder``, then delete the task. Returns the archived tasks' ids; a failed backup raises
    (``BackgroundRequestException``, with the server's message) and deletes nothing."""
    archived = []
    for task in project.tasks.prefetch_related("jobs"):
        jobs = list(task.jobs)  # prefetched: no request
        if not jobs or any(job.state != "completed" for job in jobs):
            continue
        backup = task.download_backup(folder)
        assert backup.stat().st_size > 0
        archived.append(task.id)
        task.delete()  # the instance keeps its data, not its id
    return archived


# --------------------------------------------------------------------------- its tests


@pytest.fixture
def project(cvat_client: object, tmp_path: Path) -> Project:
    """A project with two one-frame tasks: "done" (its job completed) and "open"."""
    project = Project.objects.create(name="pipeline test", labels=[{"name": "car"}])
    for name in ("done", "open"):
        image = tmp_path / f"{name}.png"
        image.write_bytes(png(32, 24, seed=len(name)))
        task = Task.objects.create_from_data({"name": name, "project_id": project.id}, [image])
        if name == "done":
            for job in task.jobs.all():
                job.state = "completed"
                job.save()
    return project


def test_archives_only_completed_tasks(project: Project, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    done = project.tasks.get(name="done")
    assert archive_finished_tasks(project, archive) == [done.id]
    assert [t.name for t in project.tasks.all()] == ["open"]
    assert len(list(archive.glob("*.zip"))) == 1


def test_survives_a_flaky_server(project: Project, cvat_server: LocalCVAT, tmp_path: Path) -> None:
    # Two answers of the task listing fail with 503: cvatorm retries them.
    cvat_server.clear_requests()
    cvat_server.faults.add(method="GET", path="/api/tasks", status=503, times=2)
    assert len(archive_finished_tasks(project, tmp_path)) == 1
    listings = [r for r in cvat_server.requests if r.method == "GET" and r.path == "/api/tasks"]
    assert [r.status for r in listings][:3] == [503, 503, 200]


def test_reports_a_failed_backup_and_deletes_nothing(
    project: Project, cvat_server: LocalCVAT, tmp_path: Path
) -> None:
    cvat_server.background.fail_next(message="disk full")
    with pytest.raises(BackgroundRequestException, match="disk full"):
        archive_finished_tasks(project, tmp_path)
    assert sorted(t.name for t in project.tasks.all()) == ["done", "open"]


def test_seed_data_is_fresh_in_every_test(cvat_client: object, cvat_server: LocalCVAT) -> None:
    # The project of the other tests is gone: LocalCVAT was reset before this test.
    assert not Project.objects.filter(name="pipeline test").exists()
    assert Task.objects.count() == 30
