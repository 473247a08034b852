"""The planner sends the server exactly what it evaluates exactly, and keeps the rest local."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cvatorm.exceptions import FieldError
from cvatorm.models import Comment, Invitation, Issue, Job, Label, Membership, Task, User
from cvatorm.query import Q
from cvatorm.query.planner import Plan, make_plan
from cvatorm.wire.capabilities import ResourceCapabilities, bundled_capabilities


def plan(model: Any, *args: Q, ordering: tuple[str, ...] | None = None, **kwargs: Any) -> Plan:
    where = Q(*args, **kwargs)
    return make_plan(model, where, ordering, bundled_capabilities(model._meta.resource))


def server(p: Plan) -> Any:
    return p.server_filter


def local(p: Plan) -> list[str]:
    return [c.describe() for c in p.local_filter]


def test_exact_text_and_contains_go_to_the_server() -> None:
    p = plan(Task, name="cars", name__contains="ar")
    assert server(p) == {
        "and": [{"==": [{"var": "name"}, "cars"]}, {"in": ["ar", {"var": "name"}]}]
    }
    assert not p.needs_full_scan


@pytest.mark.parametrize(
    "lookup",
    [
        "icontains",
        "iexact",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "regex",
        "iregex",
        "gt",
        "lt",
        "gte",
        "lte",
    ],
)
def test_text_lookups_the_server_cannot_do_exactly_stay_local(lookup: str) -> None:
    p = plan(Task, **{f"name__{lookup}": "a"})
    assert server(p) is None
    assert local(p) == [f"name__{lookup}='a'"]
    assert p.needs_full_scan


def test_related_paths_map_to_the_servers_variables() -> None:
    assert server(plan(Task, project__name="p")) == {"==": [{"var": "project_name"}, "p"]}
    assert server(plan(Task, owner__username="u")) == {"==": [{"var": "owner"}, "u"]}
    assert server(plan(Job, task__project_id=3)) == {"==": [{"var": "project_id"}, 3]}
    assert server(plan(Job, task__name="t")) == {"==": [{"var": "task_name"}, "t"]}
    assert server(plan(Job, task=5)) == {"==": [{"var": "task_id"}, 5]}
    assert server(plan(Job, task__id=5)) == {"==": [{"var": "task_id"}, 5]}
    assert server(plan(Issue, job__task_id=2)) == {"==": [{"var": "task_id"}, 2]}
    assert server(plan(Comment, issue__frame=0)) == {"==": [{"var": "frame_id"}, 0]}
    assert server(plan(Label, parent__name="car")) == {"==": [{"var": "parent"}, "car"]}
    assert server(plan(Membership, user__username="u")) == {"==": [{"var": "user"}, "u"]}


def test_owner_compares_usernames_on_the_server_and_ids_locally() -> None:
    user = User._from_wire({"id": 7, "username": "bob"}, client=None)
    assert server(plan(Task, owner=user)) == {"==": [{"var": "owner"}, "bob"]}
    assert server(plan(Task, owner__in=[user])) == {"in": [{"var": "owner"}, ["bob"]]}
    by_id = plan(Task, owner=7)
    assert server(by_id) is None and local(by_id) == ["owner=7"]
    assert server(plan(Task, owner__isnull=True)) == {"==": [{"var": "owner"}, None]}
    assert server(plan(Task, owner=None)) == {"==": [{"var": "owner"}, None]}


def test_related_values_the_server_cannot_filter_stay_local() -> None:
    p = plan(Task, owner__first_name="Admin")
    assert server(p) is None and local(p) == ["owner__first_name='Admin'"]
    # jobs have no owner/created_date filter; invitations no key filter
    assert (
        server(plan(Job, created_date__gt=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))) is None
    )


def test_numbers_and_datetimes_compare_on_the_server_with_iso_strings() -> None:
    moment = dt.datetime(2024, 5, 1, 10, 30, 0, 123456, tzinfo=dt.timezone.utc)
    p = plan(Task, updated_date__gte=moment, id__range=(3, 9))
    assert server(p) == {
        "and": [
            {"<=": [3, {"var": "id"}, 9]},
            {">=": [{"var": "updated_date"}, "2024-05-01T10:30:00.123456+00:00"]},
        ]
    }
    naive = plan(Task, updated_date__lt=dt.datetime(2024, 5, 1))
    assert server(naive) == {"<": [{"var": "updated_date"}, "2024-05-01T00:00:00+00:00"]}


def test_or_and_not_subtrees_with_a_local_leaf_stay_local_entirely() -> None:
    p = plan(Task, Q(name__icontains="a") | Q(id=3), status="completed")
    assert server(p) == {"==": [{"var": "status"}, "completed"]}
    assert local(p) == ["name__icontains='a' OR id=3"]
    both_server = plan(Task, Q(name="a") | ~Q(id=3))
    assert server(both_server) == {
        "or": [{"==": [{"var": "name"}, "a"]}, {"!": {"==": [{"var": "id"}, 3]}}]
    }
    negated_local = plan(Task, ~Q(name__startswith="a", id=3))
    assert server(negated_local) is None
    assert local(negated_local) == ["NOT (id=3 AND name__startswith='a')"]


def test_only_variables_the_server_declares_are_used() -> None:
    caps = ResourceCapabilities(filter_fields=frozenset({"id"}), ordering_fields=frozenset({"id"}))
    p = make_plan(Task, Q(name="a", id=1), None, caps)
    assert p.server_filter == {"==": [{"var": "id"}, 1]}
    assert [c.describe() for c in p.local_filter] == ["name='a'"]


def test_unknown_fields_and_lookups_raise_field_error() -> None:
    with pytest.raises(FieldError, match="Choices are"):
        plan(Task, nme="a")
    with pytest.raises(FieldError):
        plan(Task, name__likes="a")
    with pytest.raises(FieldError):
        plan(Task, project__nme="a")
    with pytest.raises(FieldError):
        plan(Task, id__icontains="1")
    with pytest.raises(FieldError):
        make_plan(Task, None, ("?",), bundled_capabilities("tasks"))


def test_ordering_goes_to_the_server_with_a_pk_tie_breaker() -> None:
    p = plan(Task, ordering=("project__name", "-updated_date"))
    assert p.sort == ("project_name", "-updated_date", "-id")
    assert not p.local_order and p.keyset is None
    assert plan(Label).sort == ("id",)
    assert plan(Task, ordering=("-id",)).sort == ("-id",)


def test_default_and_pk_orderings_walk_by_keyset() -> None:
    assert plan(Task).keyset == "desc"
    assert plan(Task, ordering=("id",)).keyset == "asc"
    assert plan(Label).keyset == "asc"
    assert plan(Invitation).keyset is None  # invitations cannot be filtered by their key


def test_ordering_the_server_cannot_do_is_local_and_needs_a_full_scan() -> None:
    p = plan(Task, ordering=("created_date",))
    assert [t.text for t in p.local_order] == ["created_date", "-id"]
    assert p.sort == ("-id",) and p.keyset == "desc"
    assert p.needs_full_scan
    assert plan(Task, ordering=("owner",)).local_order  # by owner id: the server sorts usernames
