"""The list engine of LocalCVAT against what CVAT 2.64 does, on the seed data (the assets).

Expected results are computed here from the seeded objects with plain Python, independently of the
engine's field tables, or are facts of the seed data spelled out by hand.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import RESOURCES, detail_filter, list_response, search_terms
from cvatorm.testing.seed import populate
from cvatorm.testing.store import Store

DATA = Path(__file__).resolve().parents[2] / "cvatorm" / "testing" / "data"
SCHEMA = DATA / "schema.yml"
BASE = "http://testserver"

Obj = dict[str, Any]


@pytest.fixture(scope="module")
def store() -> Store:
    """The test server's own store, seeded with the assets (never changed by these tests)."""
    seeded = Store(BASE)
    populate(seeded, "assets")
    return seeded


def raw(store: Store, resource: str) -> list[Obj]:
    return store.all(resource)


def listing(store: Store, resource: str, **query: str) -> dict[str, Any]:
    return list_response(
        resource, store.all(resource), query, store=store, base_url=BASE, path=f"/api/{resource}"
    )


def ids(store: Store, resource: str, **query: str) -> list[Any]:
    query.setdefault("page_size", "all")
    key = "key" if resource == "invitations" else "id"
    return [obj[key] for obj in listing(store, resource, **query)["results"]]


def error(store: Store, resource: str, **query: str) -> tuple[int, Any]:
    with pytest.raises(HttpError) as caught:
        listing(store, resource, **query)
    return caught.value.status, caught.value.body


def where(store: Store, resource: str, test: Callable[[Obj], bool]) -> list[int]:
    """Ids of the seed objects passing ``test``, newest first (the default order)."""
    return sorted((obj["id"] for obj in raw(store, resource) if test(obj)), reverse=True)


def username(obj: Obj, field: str) -> str | None:
    nested = obj.get(field)
    return nested["username"] if nested else None


def flt(rules: Any) -> str:
    return json.dumps(rules)


SERVER_ERROR = (500, "Server Error (500)")

# --------------------------------------------------------------------------------------------
# capability tables == schema.yml
# --------------------------------------------------------------------------------------------


#: Resources whose list is not at ``/api/<resource>``.
_PATHS = {
    "access_tokens": "/api/auth/access_tokens",
    "quality_settings": "/api/quality/settings",
    "quality_reports": "/api/quality/reports",
    "quality_conflicts": "/api/quality/conflicts",
    "consensus_settings": "/api/consensus/settings",
}


@functools.cache
def schema_capabilities() -> dict[str, dict[str, Any]]:
    yaml = pytest.importorskip("yaml")
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = {}
    for resource in RESOURCES:
        path = _PATHS.get(resource, f"/api/{resource}")
        operation = schema["paths"][path]["get"]
        entry: dict[str, Any] = {"simple": set()}
        for parameter in operation["parameters"]:
            text = parameter.get("description") or ""
            if parameter["name"] == "filter":
                match = re.search(r"Available filter_fields: (\[.*?\])", text)
                assert match is not None
                entry["filter"] = tuple(ast.literal_eval(match.group(1)))
            elif parameter["name"] == "search":
                match = re.search(r"Available search_fields: (\(.*?\))", text, re.S)
                assert match is not None
                entry["search"] = tuple(ast.literal_eval(match.group(1)))
            elif parameter["name"] == "sort":
                match = re.search(r"Available ordering_fields: (\[.*?\])", text, re.S)
                assert match is not None
                entry["ordering"] = tuple(ast.literal_eval(match.group(1)))
            elif text.startswith("A simple equality filter"):
                entry["simple"].add(parameter["name"])
                entry.setdefault("enums", {})[parameter["name"]] = tuple(
                    parameter["schema"].get("enum", ())
                )
        found[resource] = entry
    return found


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_capability_tables_equal_what_the_schema_declares(resource: str) -> None:
    declared = schema_capabilities()[resource]
    spec = RESOURCES[resource]
    assert spec.filter_fields == declared["filter"]
    assert spec.search_fields == declared.get("search", ())  # no search parameter: none
    assert spec.ordering_fields == declared["ordering"]
    assert set(spec.simple_filters) == declared["simple"]
    for name, enum in declared.get("enums", {}).items():
        if name in spec.fields:
            assert spec.fields[name].choices == enum, name
    for name in spec.filter_fields + spec.ordering_fields + spec.search_fields:
        assert name in spec.fields


def test_default_orderings() -> None:
    ascending = {"labels", "quality_settings", "consensus_settings"}
    for name in ascending:
        assert RESOURCES[name].ordering == ("id",)
    assert RESOURCES["invitations"].ordering == ("-created_date",)
    others = set(RESOURCES) - ascending - {"invitations"}
    assert {RESOURCES[name].ordering for name in others} == {("-id",)}


# --------------------------------------------------------------------------------------------
# JSON Logic
# --------------------------------------------------------------------------------------------


def test_equality_on_owner_compares_the_username(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"==": [{"var": "owner"}, "user1"]}))
    assert got == [31, 8, 6, 5, 2]
    assert got == where(store, "tasks", lambda t: username(t, "owner") == "user1")


def test_equality_is_case_sensitive(store: Store) -> None:
    assert ids(store, "tasks", filter=flt({"==": [{"var": "owner"}, "USER1"]})) == []


def test_and_or_not(store: Store) -> None:
    rule = {
        "and": [
            {"or": [{"==": [{"var": "owner"}, "user1"]}, {"==": [{"var": "owner"}, "user2"]}]},
            {"!": {"==": [{"var": "dimension"}, "3d"]}},
        ]
    }
    expected = where(
        store,
        "tasks",
        lambda t: username(t, "owner") in ("user1", "user2") and t["dimension"] != "3d",
    )
    assert ids(store, "tasks", filter=flt(rule)) == expected
    assert 6 not in expected  # task3 is the 3d one


def test_double_negation_is_the_rule_itself(store: Store) -> None:
    rule = {"==": [{"var": "project_id"}, 17]}
    assert ids(store, "tasks", filter=flt({"!!": rule})) == ids(store, "tasks", filter=flt(rule))
    assert ids(store, "tasks", filter=flt(rule)) == [33, 32]


def test_not_includes_rows_where_the_column_is_null(store: Store) -> None:
    """Django's negation of a nullable join is the exact complement."""
    rule = {"!": {"==": [{"var": "assignee"}, "worker2"]}}
    expected = where(store, "tasks", lambda t: username(t, "assignee") != "worker2")
    assert ids(store, "tasks", filter=flt(rule)) == expected
    assert len(expected) == 28


@pytest.mark.parametrize(
    ("op", "test"),
    [
        ("<", lambda value: value < 20),
        ("<=", lambda value: value <= 20),
        (">", lambda value: value > 20),
        (">=", lambda value: value >= 20),
    ],
)
def test_number_comparisons(store: Store, op: str, test: Callable[[int], bool]) -> None:
    got = ids(store, "tasks", filter=flt({op: [{"var": "id"}, 20]}))
    assert got == where(store, "tasks", lambda t: test(t["id"]))


def test_float_bounds_round_like_django(store: Store) -> None:
    """IntegerFieldFloatRounding: ``< 20.5`` is ``< 21``; ``<= 20.5`` truncates to ``<= 20``."""
    assert 20 in ids(store, "tasks", filter=flt({"<": [{"var": "id"}, 20.5]}))
    assert ids(store, "tasks", filter=flt({"<=": [{"var": "id"}, 20.5]}))[0] == 20


def test_between(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"<=": [20, {"var": "id"}, 25]}))
    assert got == [25, 24, 23, 22, 21, 20]


def test_datetimes_compare_as_datetimes(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({">": [{"var": "updated_date"}, "2025-01-01"]}))
    assert got == [35, 34, 33, 32, 31, 30]
    exact = ids(
        store, "tasks", filter=flt({"==": [{"var": "updated_date"}, "2025-11-13T11:32:48.543Z"]})
    )
    assert exact == [35]
    offset = ids(
        store,
        "tasks",
        filter=flt({"==": [{"var": "updated_date"}, "2025-11-13T12:32:48.543+01:00"]}),
    )
    assert offset == [35]


def test_in_membership(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"in": [{"var": "project_id"}, [1, 2, 17]]}))
    assert got == [33, 32, 11, 9]
    assert ids(store, "tasks", filter=flt({"in": [{"var": "project_id"}, []]})) == []
    # NULL is never IN anything
    assert ids(store, "tasks", filter=flt({"in": [{"var": "assignee"}, [None]]})) == []


def test_in_substring_is_case_sensitive(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"in": ["honeypots", {"var": "name"}]}))
    assert got == [33, 30, 29]
    assert ids(store, "tasks", filter=flt({"in": ["HONEYPOTS", {"var": "name"}]})) == []


def test_in_substring_on_a_related_name(store: Store) -> None:
    got = ids(store, "jobs", filter=flt({"in": ["project", {"var": "project_name"}]}))
    expected = where(store, "jobs", lambda j: "project" in (j["project_name"] or ""))
    assert got == expected and got


def test_equality_with_null_is_is_null(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"==": [{"var": "assignee"}, None]}))
    assert got == where(store, "tasks", lambda t: t["assignee"] is None)
    assert len(got) == 20


def test_bare_var_means_not_null(store: Store) -> None:
    got = ids(store, "tasks", filter=flt({"var": "assignee"}))
    assert got == [27, 26, 17, 13, 11, 9, 8, 7, 5, 2]
    assert ids(store, "jobs", filter=flt({"var": "parent_job_id"})) == where(
        store, "jobs", lambda j: j["parent_job_id"] is not None
    )


def test_bare_var_names_a_model_column_not_a_filter_field(store: Store) -> None:
    """``{"var": x}`` builds ``x__isnull`` without the lookup mapping: ``project_name`` is no
    Task column, a Django FieldError (500) on the real server."""
    assert error(store, "tasks", filter=flt({"var": "project_name"})) == SERVER_ERROR


def test_filters_on_related_names_use_the_related_object(store: Store) -> None:
    assert ids(store, "jobs", filter=flt({"==": [{"var": "task_name"}, "task1"]})) == [10]
    got = ids(store, "tasks", filter=flt({"==": [{"var": "project_name"}, "project 4"]}))
    assert got == [33, 32]
    assert ids(store, "issues", filter=flt({"==": [{"var": "task_id"}, 9]})) == [5]
    assert ids(store, "comments", filter=flt({"==": [{"var": "job_id"}, 7]})) == [2, 1]
    got = ids(store, "invitations", filter=flt({"==": [{"var": "user_id"}, 11]}))
    assert sorted(got) == sorted(
        i["key"] for i in raw(store, "invitations") if i["user"]["id"] == 11
    )


def test_boolean_filter_fields(store: Store) -> None:
    assert ids(store, "issues", filter=flt({"==": [{"var": "resolved"}, True]})) == [1]
    assert ids(store, "users", filter=flt({"==": [{"var": "is_active"}, False]})) == []


@pytest.mark.parametrize(
    ("rules", "body"),
    [
        ({"==": [{"var": "foo"}, 1]}, ["filter: term 'foo' is not supported"]),
        ({"==": [{"var": "tracker"}, 1]}, ["filter: term 'tracker' is not supported"]),
        ({"in": ["x", {"var": "bug_tracker"}]}, ["filter: term 'bug_tracker' is not supported"]),
        ({"==": [{"var": 5}, 1]}, ["filter: term '5' is not supported"]),
        (
            {"==": [{"var": "id"}, 1, 2]},
            ["filter: operation '==' with arguments '[{'var': 'id'}, 1, 2]' is not supported"],
        ),
        (
            {"<": [1, {"var": "id"}, 2]},
            ["filter: operation '<' with arguments '[1, {'var': 'id'}, 2]' is not supported"],
        ),
        (
            {"foo": [{"var": "id"}, True]},
            ["filter: operation 'foo' with arguments '[{'var': 'id'}, True]' is not supported"],
        ),
        ({}, ["filter shouldn't be empty"]),
        ([], ["filter shouldn't be empty"]),
    ],
)
def test_filter_errors_are_the_real_400s(store: Store, rules: Any, body: list[str]) -> None:
    assert error(store, "tasks", filter=flt(rules)) == (400, body)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"==": [', "Expecting value: line 1 column 9 (char 8)"),
        ("owner=user1", "Expecting value: line 1 column 1 (char 0)"),
        ("   ", "Expecting value: line 1 column 4 (char 3)"),
        (
            "{'==': 1}",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ],
)
def test_malformed_json_is_a_400(store: Store, text: str, why: str) -> None:
    expected = [f"filter: can't parse filter expression: {why}"]
    assert error(store, "tasks", filter=text) == (400, expected)


def test_a_comparison_without_var_is_the_real_500(store: Store) -> None:
    status, _ = error(store, "tasks", filter=flt({"==": [{"varr": "id"}, 1]}))
    assert status == 500


@pytest.mark.parametrize(
    "rules",
    [
        {"and": []},
        {"or": []},
        {"!": [{"var": "id"}]},
        {"==": [{"var": "id"}, "abc"]},
        {"<": [{"var": "id"}, None]},
        {">": [{"var": "updated_date"}, "yesterday"]},
        {"==": [{"var": "resolved"}, "yes"]},
        {"in": [{"var": "id"}, 5]},
        5,
        "owner",
    ],
)
def test_filters_that_crash_the_real_server_are_500s(store: Store, rules: Any) -> None:
    resource = "issues" if "resolved" in json.dumps(rules) else "tasks"
    assert error(store, resource, filter=flt(rules)) == SERVER_ERROR


def test_a_term_error_wins_over_a_value_error(store: Store) -> None:
    rules = {"and": [{"==": [{"var": "id"}, "abc"]}, {"==": [{"var": "nope"}, 1]}]}
    assert error(store, "tasks", filter=flt(rules)) == (
        400,
        ["filter: term 'nope' is not supported"],
    )


def test_only_the_first_operator_of_a_rule_counts(store: Store) -> None:
    rules = {"==": [{"var": "id"}, 2], "nonsense": 1}
    assert ids(store, "tasks", filter=flt(rules)) == [2]


def test_empty_filter_parameter_is_no_filter(store: Store) -> None:
    assert listing(store, "tasks", filter="")["count"] == 30


# --------------------------------------------------------------------------------------------
# simple filters
# --------------------------------------------------------------------------------------------


def test_simple_filters_on_tasks(store: Store) -> None:
    assert ids(store, "tasks", name="task2") == [5, 2]
    assert ids(store, "tasks", name="  task2 ") == [5, 2]  # CharField strips
    assert ids(store, "tasks", owner="user1", name="task2") == [5, 2]
    assert ids(store, "tasks", project_id="17") == [33, 32]
    assert ids(store, "tasks", project_name="project 4") == [33, 32]
    assert ids(store, "tasks", assignee="worker2") == [7, 2]
    assert ids(store, "tasks", dimension="3d") == [6]
    assert ids(store, "tasks", mode="interpolation") == [34, 15, 5]
    assert ids(store, "tasks", status="completed") == [23]
    assert ids(store, "tasks", subset="Train") == [24, 22, 11]
    assert ids(store, "tasks", tracker_link="https://bugtracker.localhost/task/12345") == [14]
    assert ids(store, "tasks", validation_mode="gt_pool") == [33, 30, 29]


def test_simple_filter_equality_is_exact(store: Store) -> None:
    assert ids(store, "tasks", name="task") == []
    assert ids(store, "tasks", owner="User1") == []


def test_empty_simple_filters_are_ignored(store: Store) -> None:
    assert listing(store, "tasks", name="", project_id="", status="")["count"] == 30


def test_unknown_and_organization_parameters_are_ignored(store: Store) -> None:
    got = listing(store, "tasks", org="org2", org_id="2", foo="bar", id="5", page_size="all")
    assert got["count"] == 30


def test_invalid_simple_filter_values_are_form_errors(store: Store) -> None:
    assert error(store, "tasks", status="done", project_id="abc") == (
        400,
        {
            "status": ["Select a valid choice. done is not one of the available choices."],
            "project_id": ["Enter a number."],
        },
    )
    assert error(store, "issues", frame_id="x") == (400, {"frame_id": ["Enter a number."]})
    assert error(store, "issues", frame_id=" ") == (400, {"frame_id": ["Enter a number."]})
    assert error(store, "comments", issue_id="NaN") == (400, {"issue_id": ["Enter a number."]})
    assert error(store, "memberships", role="admin") == (
        400,
        {"role": ["Select a valid choice. admin is not one of the available choices."]},
    )


def test_simple_filters_on_jobs(store: Store) -> None:
    assert ids(store, "jobs", task_id="9") == [14, 13, 12, 11]
    assert ids(store, "jobs", project_id="1") == [14, 13, 12, 11]
    assert ids(store, "jobs", task_name="task1") == [10]
    assert ids(store, "jobs", stage="validation") == [12]
    assert ids(store, "jobs", state="in progress", assignee="worker4") == [11, 7]
    assert ids(store, "jobs", type="ground_truth") == [62, 58, 55, 50, 41, 32, 28]
    assert ids(store, "jobs", parent_job_id="42") == [45, 44, 43]
    assert ids(store, "jobs", dimension="3d") == where(store, "jobs", lambda j: j["task_id"] == 6)


def test_foreign_key_simple_filters_are_number_filters(store: Store) -> None:
    """CVAT overrides ModelChoiceFilter for foreign keys: a deleted parent's id lists nothing."""
    for resource, name in (
        ("tasks", "project_id"),
        ("jobs", "task_id"),
        ("jobs", "project_id"),
        ("jobs", "parent_job_id"),
        ("labels", "parent_id"),
        ("issues", "job_id"),
    ):
        assert listing(store, resource, **{name: "99999"})["count"] == 0
        assert error(store, resource, **{name: "x"}) == (400, {name: ["Enter a number."]})


def test_simple_filters_on_labels(store: Store) -> None:
    task2 = sorted(label["id"] for label in raw(store, "labels") if label.get("task_id") == 2)
    assert ids(store, "labels", task_id="2") == task2
    # a task in a project lists its project's labels; a job its task's
    project1 = sorted(label["id"] for label in raw(store, "labels") if label.get("project_id") == 1)
    assert project1
    assert ids(store, "labels", task_id="9") == project1
    assert ids(store, "labels", job_id="11") == project1
    assert ids(store, "labels", project_id="1") == project1
    assert ids(store, "labels", name="car", task_id="2") == [
        label["id"]
        for label in raw(store, "labels")
        if label.get("task_id") == 2 and label["name"] == "car"
    ]
    skeletons = sorted(label["id"] for label in raw(store, "labels") if label["type"] == "skeleton")
    assert ids(store, "labels", type="skeleton") == skeletons


def test_label_parents_cannot_be_combined(store: Store) -> None:
    body = ["job_id, task_id and project_id parameters cannot be used together"]
    assert error(store, "labels", task_id="2", job_id="2") == (400, body)
    assert error(store, "labels", task_id="", project_id="1") == (400, body)


def test_label_parent_that_does_not_exist_crashes_the_real_server(store: Store) -> None:
    assert error(store, "labels", task_id="1000") == SERVER_ERROR
    assert error(store, "labels", job_id="x") == SERVER_ERROR


def test_simple_filters_on_issues_comments_and_others(store: Store) -> None:
    assert ids(store, "issues", job_id="11") == [5]
    assert ids(store, "issues", task_id="8") == [4]
    assert ids(store, "issues", resolved="true") == [1]
    assert ids(store, "issues", resolved="False") == [5, 4, 3, 2]
    assert ids(store, "issues", resolved="1") == [5, 4, 3, 2, 1]  # not a NullBoolean value
    assert ids(store, "issues", frame_id="5") == [4, 3]
    assert ids(store, "issues", frame_id="5.9") == [4, 3]  # the decimal is truncated
    assert ids(store, "issues", owner="user8") == [3, 2]
    assert ids(store, "comments", issue_id="1") == [2, 1]
    assert ids(store, "comments", job_id="16") == [4]
    assert ids(store, "comments", frame_id="5") == [5, 4]
    assert ids(store, "memberships", role="owner") == [16, 5, 1]
    assert ids(store, "memberships", user="user7") == [5, 4]
    assert ids(store, "organizations", slug="org2") == [2]
    assert ids(store, "organizations", owner="user1") == [3, 1]
    assert ids(store, "users", username="user1") == [2]
    assert ids(store, "users", is_active="false") == []
    assert ids(store, "projects", assignee="user2") == [2]
    assert ids(store, "projects", status="annotation") == where(store, "projects", lambda p: True)
    assert len(ids(store, "invitations", owner="user7")) == 6


# --------------------------------------------------------------------------------------------
# search
# --------------------------------------------------------------------------------------------


def test_search_is_case_insensitive_over_the_search_fields(store: Store) -> None:
    got = ids(store, "tasks", search="HONEYPOTS")
    assert got == [33, 30, 29]
    # owner is a search field of tasks: every task of user8 matches "user8"
    assert ids(store, "tasks", search="user8") == [7]
    # project names are searched too
    assert ids(store, "tasks", search="project 6") == [28]


def task_search_text(task: Obj) -> list[str]:
    """The values the tasks search runs over (its search_fields, through their lookups)."""
    values = [
        task["project_name"],
        task["name"],
        username(task, "owner"),
        task["status"],
        username(task, "assignee"),
        task["subset"],
        task["mode"],
        task["dimension"],
        task["bug_tracker"],
        task["validation_mode"],
    ]
    return [value.lower() for value in values if value is not None]


def test_search_terms_are_anded_and_split_on_spaces_and_commas(store: Store) -> None:
    both = ids(store, "tasks", search="task gt")

    def matches(task: Obj) -> bool:
        text = task_search_text(task)
        return all(any(term in value for value in text) for term in ("task", "gt"))

    assert both == where(store, "tasks", matches)
    assert 14 in both  # "gt" is in its bug tracker URL, "task" in its name
    assert ids(store, "tasks", search="task,gt") == both
    assert ids(store, "tasks", search='"task with gt"') == [32]


def test_search_smart_split() -> None:
    assert search_terms('a "b c" d,e') == ["a", "b c", "d", "e"]
    assert search_terms("  ") == []
    assert search_terms("'x y'") == ["x y"]


def test_search_with_a_null_character_is_a_400(store: Store) -> None:
    assert error(store, "tasks", search="a\x00") == (400, ["Null characters are not allowed."])


def test_empty_search_matches_everything(store: Store) -> None:
    assert listing(store, "tasks", search=" ")["count"] == 30


# --------------------------------------------------------------------------------------------
# ordering
# --------------------------------------------------------------------------------------------


def test_default_order_is_newest_first_except_labels_and_invitations(store: Store) -> None:
    assert ids(store, "tasks") == sorted(ids(store, "tasks"), reverse=True)
    assert ids(store, "labels") == sorted(ids(store, "labels"))
    dates = {i["key"]: i["created_date"] for i in raw(store, "invitations")}
    got = ids(store, "invitations")
    assert [dates[key] for key in got] == sorted(dates.values(), reverse=True)


def test_sort_by_several_fields(store: Store) -> None:
    got = ids(store, "tasks", sort="-status,name,id")
    tasks = {t["id"]: t for t in raw(store, "tasks")}
    keys = [(tasks[i]["status"], tasks[i]["name"], i) for i in got]
    assert [key[0] for key in keys] == sorted((key[0] for key in keys), reverse=True)
    assert got[0] == 22  # "validation" first
    same_status = [key for key in keys if key[0] == "annotation"]
    assert same_status == sorted(same_status, key=lambda key: (key[1], key[2]))


def test_unknown_sort_fields_are_ignored(store: Store) -> None:
    assert ids(store, "tasks", sort="nonsense") == ids(store, "tasks")
    assert ids(store, "tasks", sort="nonsense,id") == sorted(ids(store, "tasks"))
    assert ids(store, "tasks", sort="--id") == ids(store, "tasks")


def test_nulls_sort_last_ascending_and_first_descending(store: Store) -> None:
    ascending = ids(store, "tasks", sort="assignee")
    descending = ids(store, "tasks", sort="-assignee")
    tasks = {t["id"]: t for t in raw(store, "tasks")}
    assert all(tasks[i]["assignee"] is None for i in ascending[-20:])
    assert all(tasks[i]["assignee"] is None for i in descending[:20])
    names = [username(tasks[i], "assignee") or "" for i in ascending[:10]]
    assert all(names) and names == sorted(names)


def test_sort_on_related_names(store: Store) -> None:
    got = ids(store, "jobs", sort="task_name,id", task_id="9")
    assert got == [11, 12, 13, 14]
    got = ids(store, "issues", sort="owner,-id")
    assert got == [4, 1, 5, 3, 2]


# --------------------------------------------------------------------------------------------
# pagination
# --------------------------------------------------------------------------------------------


def test_first_page_defaults(store: Store) -> None:
    page = listing(store, "tasks")
    assert page["count"] == 30
    assert len(page["results"]) == 10
    assert page["next"] == f"{BASE}/api/tasks?page=2"
    assert page["previous"] is None


def test_next_and_previous_links_keep_the_query_sorted(store: Store) -> None:
    page = listing(store, "tasks", page="2", page_size="5", search="task", org="org2")
    assert page["next"] == f"{BASE}/api/tasks?org=org2&page=3&page_size=5&search=task"
    assert page["previous"] == f"{BASE}/api/tasks?org=org2&page_size=5&search=task"
    page = listing(store, "tasks", page="3", page_size="5")
    assert page["previous"] == f"{BASE}/api/tasks?page=2&page_size=5"
    assert page["next"] == f"{BASE}/api/tasks?page=4&page_size=5"


def test_links_encode_the_filter(store: Store) -> None:
    rules = flt({"==": [{"var": "owner"}, "admin1"]})
    page = listing(store, "tasks", filter=rules, page_size="2")
    assert page["next"] == (
        f"{BASE}/api/tasks?filter=%7B%22%3D%3D%22%3A+%5B%7B%22var%22%3A+%22owner%22%7D%2C+"
        "%22admin1%22%5D%7D&page=2&page_size=2"
    )


def test_last_page(store: Store) -> None:
    page = listing(store, "tasks", page="3")
    assert [t["id"] for t in page["results"]] == [14, 13, 12, 11, 9, 8, 7, 6, 5, 2]
    assert page["next"] is None
    assert page["previous"] == f"{BASE}/api/tasks?page=2"
    assert listing(store, "tasks", page="last")["results"] == page["results"]


@pytest.mark.parametrize("size", ["all", "1000", "30"])
def test_page_size_all_or_large(store: Store, size: str) -> None:
    page = listing(store, "tasks", page_size=size)
    assert len(page["results"]) == 30 and page["next"] is None


@pytest.mark.parametrize("size", ["0", "-3", "abc", "2.5", "", "ALL"])
def test_bad_page_sizes_fall_back_to_ten(store: Store, size: str) -> None:
    assert len(listing(store, "tasks", page_size=size)["results"]) == 10


def test_any_positive_page_size(store: Store) -> None:
    page = listing(store, "tasks", page_size="7", page="5")
    assert [t["id"] for t in page["results"]] == [5, 2]


@pytest.mark.parametrize("number", ["4", "0", "-1", "abc", "1.0"])
def test_invalid_pages_are_404(store: Store, number: str) -> None:
    assert error(store, "tasks", page=number) == (404, {"detail": "Invalid page."})


def test_an_empty_result_has_one_empty_page(store: Store) -> None:
    page = listing(store, "tasks", name="no such task")
    assert page == {"count": 0, "next": None, "previous": None, "results": []}
    assert error(store, "tasks", name="no such task", page="2") == (
        404,
        {"detail": "Invalid page."},
    )


def test_results_are_the_served_objects(store: Store) -> None:
    served: Mapping[int, Obj] = {t["id"]: t for t in raw(store, "tasks")}
    for task in listing(store, "tasks", page_size="all")["results"]:
        assert task == served[task["id"]]


def test_error_precedence_follows_the_filter_backends(store: Store) -> None:
    """SimpleFilter, then SearchFilter, then JsonLogicFilter, then pagination."""
    bad_filter = flt({"==": [{"var": "nope"}, 1]})
    status, body = error(store, "tasks", status="x", search="\x00", filter=bad_filter)
    assert status == 400 and isinstance(body, dict)
    assert error(store, "tasks", search="\x00", filter=bad_filter) == (
        400,
        ["Null characters are not allowed."],
    )
    assert error(store, "tasks", filter=bad_filter, page="99")[1] == [
        "filter: term 'nope' is not supported"
    ]


def test_detail_lookups_apply_the_same_filters(store: Store) -> None:
    task = store.get("tasks", 31)
    assert task is not None
    assert detail_filter("tasks", task, {}, store=store)
    assert detail_filter("tasks", task, {"owner": "user1", "org": "org2"}, store=store)
    assert not detail_filter("tasks", task, {"owner": "user2"}, store=store)
    assert not detail_filter("tasks", task, {"search": "honeypots"}, store=store)
    assert detail_filter("tasks", task, {"filter": flt({"==": [{"var": "id"}, 31]})}, store=store)
    with pytest.raises(HttpError) as caught:
        detail_filter("tasks", task, {"filter": "{"}, store=store)
    assert caught.value.status == 400
