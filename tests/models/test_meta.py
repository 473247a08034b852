"""``_meta``, the registry, per-model exceptions, and lazy wrapping of real server objects."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import pytest

import cvatorm
from cvatorm.exceptions import FieldError, MultipleObjectsReturned, ObjectDoesNotExist
from cvatorm.models import (
    AnnotationGuide,
    Asset,
    CloudStorage,
    Comment,
    ConsensusSettings,
    Invitation,
    Issue,
    Job,
    Label,
    Membership,
    Model,
    Organization,
    Project,
    QualityConflict,
    QualityReport,
    QualitySettings,
    Task,
    User,
    Webhook,
    registry,
)
from cvatorm.models.relations import ForwardRelation, ReverseRelation

from .fakes import DATA, asset, asset_object

MODELS: dict[str, type[Model]] = {
    "tasks": Task,
    "jobs": Job,
    "projects": Project,
    "organizations": Organization,
    "users": User,
    "labels": Label,
    "issues": Issue,
    "comments": Comment,
    "memberships": Membership,
    "invitations": Invitation,
    "webhooks": Webhook,
    "cloudstorages": CloudStorage,
    "guides": AnnotationGuide,
    "assets": Asset,
    "quality_settings": QualitySettings,
    "quality_reports": QualityReport,
    "quality_conflicts": QualityConflict,
    "consensus_settings": ConsensusSettings,
}

#: Models whose resource has no listing in the seed data (``cvatorm/testing/data``).
WITHOUT_SEED_DATA: dict[str, type[Model]] = {
    "access_tokens": cvatorm.AccessToken,
    "requests": cvatorm.Request,
    "lambda_functions": cvatorm.LambdaFunction,
    "lambda_requests": cvatorm.LambdaRequest,
}


def test_models_are_importable_from_the_package_root() -> None:
    assert cvatorm.Task is Task
    assert cvatorm.Model is Model
    assert cvatorm.Invitation is Invitation


def test_registry_maps_every_resource_to_its_model() -> None:
    assert sorted(registry) == sorted(MODELS | WITHOUT_SEED_DATA)
    for resource, model in (MODELS | WITHOUT_SEED_DATA).items():
        assert registry[resource] is model
        assert model._meta.resource == resource
        assert model._meta.model is model
    with pytest.raises(KeyError):
        registry["no_such_resources"]


def test_meta_basics() -> None:
    assert Task._meta.pk_name == "id"
    assert Invitation._meta.pk_name == "key"
    assert Task._meta.ordering == ("-id",)
    assert Label._meta.ordering == ("id",)
    assert list(Task._meta.fields)[:4] == ["url", "id", "name", "project_id"]
    assert Task._meta.get_field("name") is Task.name
    with pytest.raises(FieldError, match="choices"):
        Task._meta.get_field("nmae")
    assert not Membership._meta.creatable
    assert not Organization._meta.organization_scoped


def test_each_model_has_its_own_exceptions() -> None:
    assert issubclass(Task.DoesNotExist, ObjectDoesNotExist)
    assert issubclass(Task.MultipleObjectsReturned, MultipleObjectsReturned)
    assert not issubclass(Task.DoesNotExist, Job.DoesNotExist)
    assert Task.DoesNotExist.__qualname__ == "Task.DoesNotExist"
    with pytest.raises(ObjectDoesNotExist):
        raise Job.DoesNotExist("gone")


def test_relation_metadata_for_the_query_layer() -> None:
    project = Task._meta.relations["project"]
    assert isinstance(project, ForwardRelation)
    assert (project.kind, project.local_field, project.related_model) == (
        "forward",
        "project_id",
        Project,
    )
    assert project.remote_field == "id"
    job = Issue._meta.relations["job"]
    assert (job.kind, job.local_field, job.related_model) == ("forward", "job", Job)
    jobs = Task._meta.relations["jobs"]
    assert isinstance(jobs, ReverseRelation)
    assert (jobs.kind, jobs.remote_field, jobs.related_model, jobs.local_field) == (
        "reverse",
        "task_id",
        Job,
        "id",
    )
    assert Task.jobs is jobs
    assert Issue._meta.relations["comments"].remote_field == "issue_id"  # type: ignore[attr-defined]
    memberships = Organization._meta.relations["memberships"]
    assert isinstance(memberships, ReverseRelation) and memberships.by_organization
    assert set(Job._meta.relations) >= {"task", "project", "issues"}
    assert Comment._meta.relations["issue"].related_model is Issue
    with pytest.raises(FieldError):
        Task._meta.get_relation("owner_of")


def test_from_wire_keeps_the_dict_and_converts_nothing() -> None:
    data = asset_object("tasks", id=35)
    task = Task._from_wire(data, client=None, organization=None)
    assert task._raw is data
    assert task._values == {}
    assert task.name == "task with tags"
    assert task._values == {}  # a plain field is read from the raw data: nothing to keep
    assert task.created_date.year >= 2020
    assert list(task._values) == ["created_date"]  # a converted one is kept


@pytest.mark.parametrize(
    "resource", sorted(name for name in MODELS if (DATA / f"{name}.json").is_file())
)
def test_every_field_of_every_asset_object_reads(resource: str) -> None:
    model = MODELS[resource]
    for data in asset(resource):
        obj = model._from_wire(data, client=None, organization=None)
        for name, field in model._meta.fields.items():
            value = getattr(obj, name) if name not in model._meta.relations else None
            raw = data.get(field.wire_name)
            if field.write_only or raw is None:
                assert value is None
            elif isinstance(field.to_python(raw), enum.Enum):
                assert value == raw
            elif isinstance(value, dt.datetime):
                assert value.tzinfo is not None
            elif isinstance(value, Model):
                assert value.pk == raw["id"]
            elif not isinstance(value, (str, int, float, list, dict)):
                assert value == field.to_python(raw)  # a typed structure (a report's summary)
            else:
                assert value == raw
        assert obj.pk == data[model._meta.pk_name]
        assert obj.dirty_fields == ()


def test_fields_a_newer_server_adds_are_kept_and_readable() -> None:
    data: dict[str, Any] = {**asset_object("jobs", id=63), "quality_score": 0.93}
    job = Job._from_wire(data, client=None)
    assert job.quality_score == 0.93
    assert job.raw["quality_score"] == 0.93
    assert "quality_score" not in Job._meta.fields
    with pytest.raises(AttributeError):
        _ = job.no_such_thing
    with pytest.raises(TypeError):
        job.raw["id"] = 5  # type: ignore[index]


def test_constructor_accepts_fields_only() -> None:
    task = Task(name="cars", project_id=3)
    assert task.pk is None and task.name == "cars"
    with pytest.raises(FieldError, match="nmae"):
        Task(nmae="cars")


def test_objects_is_a_class_only_manager() -> None:
    from cvatorm.query import Manager, QuerySet

    assert isinstance(Task.objects, Manager) and Task.objects.model is Task
    assert isinstance(Job.objects.all(), QuerySet) and Job.objects.all().model is Job
    task = Task._from_wire(asset_object("tasks", id=35), client=None)
    with pytest.raises(AttributeError, match="Manager isn't accessible"):
        _ = task.objects


def test_meta_options_are_checked_and_resources_unique() -> None:
    from cvatorm.exceptions import ConfigurationError
    from cvatorm.models.fields import IntegerField
    from cvatorm.wire.resource import Resource

    with pytest.raises(TypeError, match="resorce"):

        class Typo(Model):
            id = IntegerField()

            class Meta:
                resorce = "typos"

    with pytest.raises(ConfigurationError, match="tasks"):

        class SecondTask(Model):
            id = IntegerField()

            class Meta:
                api = Resource(name="tasks")

    assert registry["tasks"] is Task


def test_constructor_accepts_forward_relations() -> None:
    project = Project._from_wire(asset_object("projects", id=18), client=None)
    task = Task(name="cars", project=project)
    assert task.project_id == 18 and task.project is project
    assert task.dirty_fields == ("name", "project_id")
    with pytest.raises(AttributeError):
        Task(name="cars", jobs=[])


def test_assigning_an_unknown_attribute_is_an_error() -> None:
    task = Task._from_wire(asset_object("tasks", id=35), client=None)
    with pytest.raises(AttributeError, match="nmae"):
        task.nmae = "typo"  # type: ignore[attr-defined]
    task._scratch = 1  # private attributes stay free
    assert task._scratch == 1
