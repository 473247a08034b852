"""Filters across reverse relations (``Task.objects.filter(jobs__state="new")``), on both servers.

Each shape is checked twice: its result against plain Python over every object listed once
(Django's semantics for multi-valued relations, written out), and its requests counted with
``traffic``: one listing of the related objects, then one of the outer objects with their ids
as an ``id in [...]`` filter. Random shapes (hypothesis) are compared with the same Python
at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvatorm.exceptions import FieldError
from cvatorm.models import Issue, Job, Organization, Project, Task
from cvatorm.query import Q

#: On a real server other clients create and delete objects while these tests run: results are
#: compared on the seed objects only (created over a day ago), by resource. Empty: no limit.
STABLE: dict[str, set[Any]] = {}
REAL_SERVER = bool(os.environ.get("CVAT_URL"))


def ids(qs: Any) -> set[int]:
    stable = STABLE.get(qs.model._meta.resource)
    return {obj.pk for obj in qs if stable is None or obj.pk in stable}


def listed(traffic: Any) -> list[str]:
    """The list requests sent, by path (``/api/jobs``, ``/api/tasks``...)."""
    return [e.path.rstrip("/") for e in traffic.select("GET") if e.path.count("/") == 2]


def old(rows: list[dict[str, Any]], cutoff: dt.datetime) -> list[dict[str, Any]]:
    return [r for r in rows if r["created_date"] is None or r["created_date"] < cutoff]


@pytest.fixture
def seed(orm_connection: Any, traffic: Any) -> Iterator[dict[str, Any]]:
    """Every seed job, task, project and issue as plain dicts, listed once; traffic cleared."""
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    fields = ("id", "task_id", "state", "stage", "assignee", "type", "created_date")
    jobs = old(list(Job.objects.values(*fields)), cutoff)
    tasks = old(list(Task.objects.values("id", "name", "project_id", "created_date")), cutoff)
    projects = old(list(Project.objects.values("id", "name", "created_date")), cutoff)
    issues = old(list(Issue.objects.values("id", "job_id", "resolved", "created_date")), cutoff)
    jobs_of: dict[int, list[dict[str, Any]]] = {t["id"]: [] for t in tasks}
    for job in jobs:
        jobs_of.setdefault(job["task_id"], []).append(job)
    for name, rows in (("jobs", jobs), ("tasks", tasks), ("projects", projects)):
        STABLE[name] = {r["id"] for r in rows}
    STABLE["issues"] = {r["id"] for r in issues}
    traffic.clear()
    yield {
        "jobs": jobs,
        "tasks": tasks,
        "projects": projects,
        "issues": issues,
        "jobs_of": jobs_of,
    }
    STABLE.clear()


def test_tasks_with_a_new_job_are_one_jobs_listing_and_one_tasks_listing(
    seed: dict[str, Any], traffic: Any
) -> None:
    expected = {j["task_id"] for j in seed["jobs"] if j["state"] == "new"}
    assert expected  # the seed data has new jobs
    assert ids(Task.objects.filter(jobs__state="new")) == expected
    assert listed(traffic) == ["/api/jobs", "/api/tasks"]
    outer = traffic.select("GET", "/api/tasks")[0]
    rule = json.loads(outer.query["filter"][0])
    assert rule["in"][0] == {"var": "id"} and set(rule["in"][1]) >= expected


def test_projects_with_a_task_whose_name_contains(seed: dict[str, Any], traffic: Any) -> None:
    expected = {
        t["project_id"] for t in seed["tasks"] if "task" in t["name"] and t["project_id"]
    }
    assert ids(Project.objects.filter(tasks__name__contains="task")) == expected
    assert listed(traffic) == ["/api/tasks", "/api/projects"]


def test_exclude_keeps_the_tasks_without_any_unassigned_job(
    seed: dict[str, Any], traffic: Any
) -> None:
    # Django: NOT EXISTS (a job of the task with a null assignee); tasks without jobs stay.
    expected = {
        t["id"]
        for t in seed["tasks"]
        if not any(j["assignee"] is None for j in seed["jobs_of"][t["id"]])
    }
    assert ids(Task.objects.exclude(jobs__assignee=None)) == expected
    assert listed(traffic) == ["/api/jobs", "/api/tasks"]


def test_filter_on_null_also_keeps_the_tasks_without_jobs(
    seed: dict[str, Any], traffic: Any
) -> None:
    # Django's LEFT JOIN: a task without jobs joins one row whose assignee is null.
    expected = {
        t["id"]
        for t in seed["tasks"]
        if not seed["jobs_of"][t["id"]]
        or any(j["assignee"] is None for j in seed["jobs_of"][t["id"]])
    }
    assert any(not seed["jobs_of"][t["id"]] for t in seed["tasks"])  # such tasks exist
    assert ids(Task.objects.filter(jobs__assignee=None)) == expected
    # the matching jobs, every job (to know which tasks have none), then the tasks
    assert listed(traffic) == ["/api/jobs", "/api/jobs", "/api/tasks"]


def test_tasks_without_jobs(seed: dict[str, Any], traffic: Any) -> None:
    expected = {t["id"] for t in seed["tasks"] if not seed["jobs_of"][t["id"]]}
    assert ids(Task.objects.filter(jobs=None)) == expected
    assert ids(Task.objects.filter(jobs__isnull=False)) == {j["task_id"] for j in seed["jobs"]}


def test_conditions_of_one_filter_call_are_about_one_job(
    seed: dict[str, Any], traffic: Any
) -> None:
    def new(job: dict[str, Any]) -> bool:
        return bool(job["state"] == "new")

    def ground_truth(job: dict[str, Any]) -> bool:
        return bool(job["type"] == "ground_truth")

    same_job = {j["task_id"] for j in seed["jobs"] if new(j) and ground_truth(j)}
    any_jobs = {j["task_id"] for j in seed["jobs"] if new(j)} & {
        j["task_id"] for j in seed["jobs"] if ground_truth(j)
    }
    assert ids(Task.objects.filter(jobs__state="new", jobs__type="ground_truth")) == same_job
    assert listed(traffic) == ["/api/jobs", "/api/tasks"]  # both conditions in one listing
    chained = Task.objects.filter(jobs__state="new").filter(jobs__type="ground_truth")
    assert ids(chained) == any_jobs
    assert ids(Task.objects.filter(Q(jobs__state="new") | Q(jobs__type="ground_truth"))) == {
        j["task_id"] for j in seed["jobs"] if new(j) or ground_truth(j)
    }


def test_exclude_with_two_conditions_excludes_either(seed: dict[str, Any]) -> None:
    # Django's exclude(): the conditions are not about one related object.
    expected = {
        t["id"]
        for t in seed["tasks"]
        if not (
            any(j["state"] == "new" for j in seed["jobs_of"][t["id"]])
            and any(j["stage"] == "validation" for j in seed["jobs_of"][t["id"]])
        )
    }
    assert ids(Task.objects.exclude(jobs__state="new", jobs__stage="validation")) == expected


def test_a_related_condition_inside_an_or_with_a_task_field(seed: dict[str, Any]) -> None:
    named = {t["id"] for t in seed["tasks"] if t["name"].startswith("task with")}
    new = {j["task_id"] for j in seed["jobs"] if j["state"] == "new"}
    qs = Task.objects.filter(Q(name__startswith="task with") | Q(jobs__state="new"))
    assert ids(qs) == named | new


def test_two_reverse_hops_are_two_inner_listings(seed: dict[str, Any], traffic: Any) -> None:
    task_ids = {j["task_id"] for j in seed["jobs"] if j["state"] == "completed"}
    expected = {t["project_id"] for t in seed["tasks"] if t["id"] in task_ids and t["project_id"]}
    assert ids(Project.objects.filter(tasks__jobs__state="completed")) == expected
    assert listed(traffic) == ["/api/jobs", "/api/tasks", "/api/projects"]


def test_a_reverse_relation_after_forward_steps(seed: dict[str, Any], traffic: Any) -> None:
    job_task = {j["id"]: j["task_id"] for j in seed["jobs"]}
    tasks_with_new = {j["task_id"] for j in seed["jobs"] if j["state"] == "new"}
    expected = {i["id"] for i in seed["issues"] if job_task[i["job_id"]] in tasks_with_new}
    assert ids(Issue.objects.filter(job__task__jobs__state="new")) == expected
    # the issues' task_id filter variable takes the task ids: no task listing
    assert listed(traffic) == ["/api/jobs", "/api/issues"]


def test_jobs_with_an_open_issue(seed: dict[str, Any], traffic: Any) -> None:
    expected = {i["job_id"] for i in seed["issues"] if not i["resolved"]}
    assert ids(Job.objects.filter(issues__resolved=False)) == expected
    assert listed(traffic) == ["/api/issues", "/api/jobs"]


def test_task_labels_are_its_own_or_its_projects(
    seed: dict[str, Any], orm_connection: Any, traffic: Any
) -> None:
    from cvatorm.models import Label

    labels = list(Label.objects.values("name", "task_id", "project_id"))
    tasks = seed["tasks"]
    assert any(lb["task_id"] for lb in labels) and any(lb["project_id"] for lb in labels)
    for name in sorted({lb["name"] for lb in labels})[:3]:
        own = {lb["task_id"] for lb in labels if lb["name"] == name}
        projects = {lb["project_id"] for lb in labels if lb["name"] == name}
        expected = {
            t["id"] for t in tasks if t["id"] in own or (t["project_id"] or 0) in projects
        }
        traffic.clear()
        assert ids(Task.objects.filter(labels__name=name)) == expected, name
        # one label listing (a page of 1,000: more on a busy server) for both kinds of ids
        *inner, outer = listed(traffic)
        assert set(inner) == {"/api/labels"} and outer == "/api/tasks"
        assert len(inner) == 1 or REAL_SERVER


def test_organizations_with_a_worker(orm_connection: Any, traffic: Any) -> None:
    from cvatorm.models import Membership

    expected = {m.organization_id for m in Membership.objects.all() if m.role == "worker"}
    traffic.clear()
    assert ids(Organization.objects.filter(memberships__role="worker")) == expected
    assert listed(traffic) == ["/api/memberships", "/api/organizations"]


def test_no_related_match_sends_no_outer_request(orm_connection: Any, traffic: Any) -> None:
    qs = Task.objects.filter(jobs__id=-1)
    assert list(qs.all()) == [] and qs.count() == 0 and not qs.exists()
    assert listed(traffic) == ["/api/jobs"] * 3  # each evaluation lists the jobs again


def test_a_long_id_list_is_walked_in_batches_merged_by_id(
    seed: dict[str, Any], traffic: Any
) -> None:
    wanted = list(range(1, 3000))
    qs = Task.objects.filter(id__in=wanted)
    expected = sorted((t["id"] for t in seed["tasks"]), reverse=True)  # Task's order: -id
    assert [t.pk for t in qs if t.pk in STABLE["tasks"]] == expected
    requests = traffic.select("GET", "/api/tasks")
    assert len(requests) > 1  # 3,000 ids do not fit one URL
    assert all(len(r.url) < 8192 for r in requests)
    traffic.clear()
    if not REAL_SERVER:  # others' tasks come and go there
        assert qs.count() == len(expected)
        assert [t.pk for t in qs[2:5]] == expected[2:5]
    assert qs.order_by("id").first().pk == min(expected)  # type: ignore[union-attr]


def test_explain_shows_the_inner_listing_without_sending_it(
    orm_connection: Any, traffic: Any
) -> None:
    Task.objects.count()  # the schema is read once, before the check
    traffic.clear()
    text = Task.objects.filter(jobs__state="new").explain()
    assert listed(traffic) == []
    assert "step 1: jobs: GET /api/jobs?filter=" in text
    assert '"<step 1: task_id>"' in text


def test_ordering_or_reading_a_reverse_relation_is_a_field_error(
    orm_connection: Any, traffic: Any
) -> None:
    with pytest.raises(FieldError, match="reverse relation"):
        Task.objects.order_by("jobs__updated_date")
    with pytest.raises(FieldError, match="reverse relation"):
        Task.objects.values("jobs")
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope'"):
        Task.objects.filter(jobs__nope=1)
    with pytest.raises(FieldError, match="one related object through a single join"):
        Task.objects.filter(Q(jobs__state="new") & (Q(jobs__stage="validation") | Q(name="a")))
    assert len(traffic) == 0


# ---------------------------------------------------------------------------- random shapes

JOB_CONDITIONS = st.one_of(
    st.sampled_from(["new", "in progress", "completed", "rejected"]).map(lambda v: ("state", v)),
    st.lists(st.sampled_from(["annotation", "validation", "acceptance"]), max_size=2).map(
        lambda v: ("stage__in", v)
    ),
    st.sampled_from(["annotation", "ground_truth"]).map(lambda v: ("type", v)),
    st.booleans().map(lambda v: ("assignee__isnull", v)),
    st.just(("assignee", None)),
    st.integers(0, 80).map(lambda v: ("id__gt", v)),
)


def job_matches(key: str, value: Any, job: dict[str, Any] | None) -> bool:
    """One condition on a job, or on the null row of a task without jobs (``job`` None)."""
    field, _, lookup = key.partition("__")
    lhs = None if job is None else job[field]
    if lookup == "isnull" or (lookup == "" and value is None):
        return (lhs is None) is (True if value is None else value)
    if lhs is None:
        return False
    if lookup == "in":
        return lhs in value
    if lookup == "gt":
        return bool(lhs > value)
    return bool(lhs == value)


@settings(
    max_examples=12 if REAL_SERVER else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    conditions=st.lists(JOB_CONDITIONS, min_size=1, max_size=2, unique_by=lambda c: c[0]),
    method=st.sampled_from(["filter", "exclude", "chained"]),
)
def test_random_reverse_filters_agree_with_python(
    seed: dict[str, Any], conditions: list[tuple[str, Any]], method: str
) -> None:
    def some_job(task_id: int, conds: list[tuple[str, Any]]) -> bool:
        # Django's join: some job matches them all, or the task has none and its null row does
        jobs = seed["jobs_of"][task_id] or [None]
        return any(all(job_matches(k, v, job) for k, v in conds) for job in jobs)

    def any_job(task_id: int, conds: list[tuple[str, Any]]) -> bool:
        # exclude()'s subquery: the jobs that exist only
        jobs = seed["jobs_of"][task_id]
        return any(all(job_matches(k, v, job) for k, v in conds) for job in jobs)

    task_ids = [t["id"] for t in seed["tasks"]]
    kwargs = {f"jobs__{key}": value for key, value in conditions}
    if method == "filter":
        qs = Task.objects.filter(**kwargs)
        expected = {t for t in task_ids if some_job(t, conditions)}
    elif method == "exclude":
        qs = Task.objects.exclude(**kwargs)
        expected = {t for t in task_ids if not all(any_job(t, [c]) for c in conditions)}
    else:
        qs = Task.objects.all()
        for key, value in kwargs.items():
            qs = qs.filter(**{key: value})
        expected = {t for t in task_ids if all(some_job(t, [c]) for c in conditions)}
    assert ids(qs) == expected, (method, kwargs)


def test_a_parallel_walk_keeps_the_reverse_condition(seed: dict[str, Any]) -> None:
    expected = {j["task_id"] for j in seed["jobs"] if j["state"] == "new"}
    for qs in (Task.objects.filter(jobs__state="new"), Task.objects.filter(id__in=range(1, 3000))):
        walked = {t.pk for t in qs.iterator(chunk_size=2, concurrency=3)}
        assert walked & STABLE["tasks"] == ids(qs)
    assert not list(Task.objects.filter(jobs__id=-1).iterator(concurrency=3))
    assert ids(Task.objects.filter(jobs__state="new")) == expected


def test_a_reverse_relation_compared_with_objects(seed: dict[str, Any]) -> None:
    jobs = list(Job.objects.filter(id__in=[j["id"] for j in seed["jobs"][:3]]))
    expected = {j.task_id for j in jobs}
    assert ids(Task.objects.filter(jobs__in=jobs)) == expected
    assert ids(Task.objects.filter(jobs=jobs[0])) == {jobs[0].task_id}
