"""Field kinds come from the field class (``Field.kind``), and filters are resolved once.

The kind decides which lookups apply and how values compare. It is declared on the field class
and inherited, never guessed from the class name: a ``StringField`` subclass whose name contains
"int" (``PrintableField``, ``HintField``, ``PointsField``) is text. A filter is resolved when
``filter()``/``exclude()``/``get()`` is called, so a bad path, lookup or value fails there, before
any request, and the planner reuses that resolution rather than parsing the strings again.
"""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm.exceptions import FieldError
from cvatorm.models import Task
from cvatorm.models.fields import (
    BooleanField,
    DateTimeField,
    DictField,
    EnumField,
    Field,
    FloatField,
    IntegerField,
    ListField,
    StringField,
    UserField,
)
from cvatorm.query import Lookup, Q, QuerySet, lookups, paths, planner
from cvatorm.query.paths import field_kind

from .fakeclient import FakeClient, load


class PrintableField(StringField):
    """Text, although its name contains "int"."""


class HintField(StringField):
    """Text, although its name contains "int"."""


class PointsField(StringField):
    """Text, although its name contains "int"."""


class Quantity(Field[int]):
    """A custom field whose name says nothing: it declares that it compares as a number."""

    kind = "number"


class Shade(Field[str]):
    """A custom field declaring a kind no lookup knows."""

    kind = "colour"


class HintedTask(Task):
    """A task whose ``subset`` is a ``HintField`` and ``segment_size`` a ``Quantity``."""

    subset = HintField(writable=True, max_length=64)
    segment_size = Quantity(writable="create")


def list_as_tasks(model: type[Task]) -> None:
    """A subclass without ``Meta`` is abstract (not registered): let it list the tasks
    resource, as ``Task`` does (the resource name, and the resource descriptor if any)."""
    for attr in ("resource", "api"):
        if hasattr(Task._meta, attr):
            setattr(model._meta, attr, getattr(Task._meta, attr))


list_as_tasks(HintedTask)

TASKS = load("tasks")


def hinted(fake: FakeClient) -> QuerySet[HintedTask]:
    return QuerySet(HintedTask, using=fake)


def ids(rows: Any) -> list[int]:
    return sorted(obj.id for obj in rows)


def test_every_field_class_declares_its_kind() -> None:
    assert IntegerField.kind == FloatField.kind == "number"
    assert StringField.kind == EnumField.kind == "text"
    assert BooleanField.kind == "bool"
    assert DateTimeField.kind == "datetime"
    assert UserField.kind == "relation"
    assert Field.kind == ListField.kind == DictField.kind == "other"


@pytest.mark.parametrize("field_cls", [PrintableField, HintField, PointsField])
def test_a_string_subclass_is_text_whatever_its_name(field_cls: type[StringField]) -> None:
    assert field_cls.kind == "text"
    assert field_kind(field_cls()) == "text"


def test_kinds_are_read_from_the_class_not_guessed() -> None:
    assert field_kind(Quantity()) == "number"
    assert field_kind(Task.project_id) == "relation"  # an IntegerField referring to projects
    assert field_kind(Task.segment_size) == "number"
    assert field_kind(Task.status) == "text"
    assert field_kind(object()) == "other"  # declares nothing
    with pytest.raises(FieldError, match="declares kind 'colour'"):
        field_kind(Shade())


def test_a_hint_field_filters_as_text(fake: FakeClient) -> None:
    expected = sorted(t["id"] for t in TASKS if t["subset"] == "Train")
    assert expected
    assert ids(hinted(fake).filter(subset="Train")) == expected
    # exact on a text field the server declares: sent as JSON Logic, compared as text
    assert '"subset"' in fake.lists("tasks")[-1]["filter"]
    assert ids(hinted(fake).filter(subset__icontains="TRAIN")) == expected  # a text lookup
    assert ids(hinted(fake).filter(subset__contains="rai")) == expected
    above = sorted(t["id"] for t in TASKS if t["subset"] > "T")  # Train, Validation
    assert ids(hinted(fake).filter(subset__gt="T")) == above  # text order, not numbers


def test_a_custom_number_field_filters_as_a_number(fake: FakeClient) -> None:
    expected = sorted(t["id"] for t in TASKS if t["segment_size"] > 10)
    assert expected
    assert ids(hinted(fake).filter(segment_size__gt=10)) == expected
    assert ids(hinted(fake).filter(segment_size__gt="10")) == expected  # coerced to 10
    assert ids(hinted(fake).order_by("segment_size")) == ids(Task.objects.using(fake))
    sizes = [t.segment_size for t in hinted(fake).order_by("-segment_size", "id")]
    assert sizes == sorted((t["segment_size"] for t in TASKS), reverse=True)
    with pytest.raises(FieldError, match="does not apply to a number field"):
        hinted(fake).filter(segment_size__contains="1")
    with pytest.raises(ValueError, match="expected a number"):
        hinted(fake).filter(segment_size="ten")


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda qs: qs.filter(id__icontains="3"), FieldError),  # a text lookup on a number
        (lambda qs: qs.filter(name__nope="x"), FieldError),  # no such lookup
        (lambda qs: qs.filter(nope=1), FieldError),  # no such field
        (lambda qs: qs.exclude(Q(name="a") | Q(updated_date__contains="2025")), FieldError),
        (lambda qs: qs.get(project__nope=1), FieldError),
        (lambda qs: qs.filter(id__in=5), TypeError),  # a bad value
        (lambda qs: qs.filter(updated_date__gt="yesterday"), ValueError),
    ],
)
def test_a_bad_filter_fails_when_built_before_any_request(
    fake: FakeClient, build: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        build(Task.objects.using(fake))
    assert fake.log == []


def test_an_unknown_declared_kind_fails_at_filter_time(fake: FakeClient) -> None:
    class ShadedTask(Task):
        subset = Shade(writable=True)

    list_as_tasks(ShadedTask)
    with pytest.raises(FieldError, match="Shade 'subset' declares kind 'colour'"):
        QuerySet(ShadedTask, using=fake).filter(subset="red")
    assert fake.log == []


def forbid_resolving(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a filter string was resolved again after filter()")

    monkeypatch.setattr(planner, "resolve_lookup", refuse)
    monkeypatch.setattr(paths, "resolve_lookup", refuse)


def test_filters_are_resolved_once_and_reused_by_the_planner(
    fake: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = Task.objects.using(fake)
    qs = tasks.filter(name__icontains="a", project__name__contains="p").exclude(id__in=[1, 2])
    either = tasks.filter(subset="Train") | tasks.filter(Q(mode="annotation") & ~Q(size__lt=3))
    single = tasks.filter(id=TASKS[0]["id"])
    local = tasks.filter(name__iendswith="x")
    forbid_resolving(monkeypatch)

    found = list(qs)
    assert found and all("a" in t.name.lower() for t in found)
    assert qs.count() == len(found) and "local filter: name__icontains='a'" in qs.explain()
    assert len(list(either)) == sum(
        1 for t in TASKS if t["subset"] == "Train" or (t["mode"] == "annotation" and t["size"] >= 3)
    )
    assert single.get().id == TASKS[0]["id"]
    # the planner's condition holds the very lookup object filter() made
    leaf = single._where.children[0]  # type: ignore[union-attr]
    assert isinstance(leaf, planner.ResolvedLeaf) and leaf == ("id", TASKS[0]["id"])
    plan = single._plan(fake)
    assert plan.local_filter == ()  # id goes to the server
    local_leaf = local._where.children[0]  # type: ignore[union-attr]
    condition = local._plan(fake).local_filter[0]
    assert isinstance(condition, planner.Condition)
    assert condition.lookup is local_leaf.lookup and condition.path is local_leaf.path


def test_resolved_leaves_are_still_q_leaves() -> None:
    resolved = Task.objects.filter(name="a", id__in=(i for i in (1, 2)))._where
    assert resolved == Q(name="a", id__in=(1, 2))
    assert hash(resolved) == hash(Q(name="a", id__in=(1, 2)))
    assert all(isinstance(leaf, planner.ResolvedLeaf) for leaf in resolved.leaves())  # type: ignore[union-attr]
    # a plain Q handed to the planner is resolved there, and only for the model it is given
    assert planner.resolve_q(Task, resolved) == resolved  # type: ignore[arg-type]
    leaf = next(planner.resolve_q(Task, resolved).leaves())  # type: ignore[arg-type]
    assert leaf is next(resolved.leaves())  # type: ignore[union-attr]
    other = next(planner.resolve_q(HintedTask, resolved).leaves())  # type: ignore[arg-type]
    assert isinstance(other, planner.ResolvedLeaf) and other.path.model is HintedTask


def test_a_lookup_registered_for_some_kinds_refuses_the_others_at_filter_time(
    fake: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Even(Lookup):
        name = "even"
        kinds = frozenset({"number"})

        def prepare(self, value: Any) -> Any:
            return bool(value)

        def matches(self, lhs: Any) -> bool:
            return lhs is not None and (lhs % 2 == 0) is self.rhs

    monkeypatch.setitem(lookups._registry, "even", Even)
    with pytest.raises(FieldError, match="lookup 'even' does not apply to a text field"):
        hinted(fake).filter(subset__even=True)
    assert fake.log == []
    expected = sorted(t["id"] for t in TASKS if t["segment_size"] % 2 == 0)
    assert ids(hinted(fake).filter(segment_size__even=True)) == expected
