"""Creating through a reverse relation: ``project.tasks.create(...)``, ``job.issues.create(...)``,
``task.jobs.create(...)``, ``task.labels.create(...)``, ``project.labels.create(...)``.

The relation fills its key in and calls the related model's own ``create`` (one POST), in the
owner's organization; labels, which the server makes through the owner's ``labels``, are one
PATCH of the owner and one listing to read the label back. Each test deletes what it made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.models import Job, Label, Project, Task


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def project(orm_connection: Any, traffic: Any) -> Iterator[Project]:
    made = Project.objects.create(name=unique("related-create"), labels=[{"name": "car"}])
    traffic.clear()
    yield made
    made.delete()


@pytest.mark.covers("POST /api/tasks", call="project.tasks.create()")
def test_project_tasks_create_fills_the_project(project: Project, traffic: Any) -> None:
    task = project.tasks.create(name=unique("task"))
    try:
        assert task.project_id == project.id
        (post,) = traffic.select("POST", "/api/tasks")
        assert post.json["project_id"] == project.id
        assert [t.pk for t in project.tasks.all()] == [task.pk]
    finally:
        task.delete()


def test_a_key_given_otherwise_is_refused_before_any_request(
    project: Project, traffic: Any
) -> None:
    with pytest.raises(InvalidArgumentError, match="project_id"):
        project.tasks.create(name="x", project_id=project.id + 1000)
    with pytest.raises(InvalidArgumentError, match="project"):
        project.tasks.create({"name": "x", "project": project.id + 1000})
    assert traffic.count("POST") == 0


@pytest.mark.covers("POST /api/issues", call="job.issues.create()")
def test_job_issues_create_fills_the_job(orm_connection: Any, traffic: Any) -> None:
    job = Job.objects.filter(type="annotation").order_by("id").first()
    assert job is not None
    issue = job.issues.create(frame=job.start_frame, position=[1.0, 2.0, 3.0, 4.0], message="hi")
    try:
        assert issue.job_id == job.id
        (post,) = traffic.select("POST", "/api/issues")
        assert post.json["job"] == job.id
    finally:
        issue.delete()


@pytest.mark.covers("POST /api/jobs", call="task.jobs.create()")
def test_task_jobs_create_makes_a_ground_truth_job_of_the_task(
    project: Project, orm_connection: Any, traffic: Any
) -> None:
    task = Task.objects.filter(
        size__gte=3, project_id__isnull=True, jobs__type="annotation"
    ).exclude(jobs__type="ground_truth").first()
    if task is None:
        pytest.skip("no task without a ground-truth job")
    traffic.clear()
    job = task.jobs.create(
        type="ground_truth", frame_selection_method="random_uniform", frame_count=2
    )
    try:
        assert (job.task_id, job.type) == (task.id, "ground_truth")
        (post,) = traffic.select("POST", "/api/jobs")
        assert post.json["task_id"] == task.id
    finally:
        job.delete()


@pytest.mark.covers("PATCH /api/projects/{id}", call="project.labels.create()")
def test_project_labels_create_patches_the_project(project: Project, traffic: Any) -> None:
    label = project.labels.create(name="truck", color="#ff0000")
    assert isinstance(label, Label)
    assert (label.name, label.project_id, label.color) == ("truck", project.id, "#ff0000")
    (patch,) = traffic.select("PATCH", f"/api/projects/{project.id}")
    assert patch.json == {"labels": [{"name": "truck", "color": "#ff0000"}]}
    assert sorted(lb.name for lb in project.labels.all()) == ["car", "truck"]  # kept: car


@pytest.mark.covers("PATCH /api/tasks/{id}", call="task.labels.create()")
def test_task_labels_create_on_a_task_outside_projects(
    orm_connection: Any, traffic: Any
) -> None:
    task = Task.objects.create(name=unique("labels"), labels=[{"name": "car"}])
    try:
        label = task.labels.create(name="bus")
        assert (label.name, label.task_id) == ("bus", task.id)
        assert sorted(lb.name for lb in task.labels.all()) == ["bus", "car"]
    finally:
        task.delete()


def test_labels_of_a_task_in_a_project_are_created_on_the_project(
    project: Project, traffic: Any
) -> None:
    task = project.tasks.create(name=unique("in-project"))
    try:
        traffic.clear()
        with pytest.raises(ValidationError, match=r"project.labels.create"):
            task.labels.create(name="bus")
        with pytest.raises(ValidationError, match="name"):
            project.labels.create(color="#00ff00")
        assert len(traffic) == 0
    finally:
        task.delete()


def test_an_unsaved_owner_has_no_related_objects(orm_connection: Any, traffic: Any) -> None:
    with pytest.raises(ValidationError, match="not saved"):
        Project(name="unsaved").tasks.create(name="x")
    assert len(traffic) == 0


def test_the_related_queryset_still_filters_and_clones_keep_create(project: Project) -> None:
    task = project.tasks.create(name=unique("clone"))
    try:
        narrowed = project.tasks.filter(name=task.name)
        assert [t.pk for t in narrowed] == [task.pk]
        other = narrowed.create(name=unique("clone2"))
        try:
            assert other.project_id == project.id
        finally:
            other.delete()
    finally:
        task.delete()
