"""QuerySet behaviour against a client double: caching, slicing, request counts, keyset walks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cvatorm.exceptions import BulkOperationError, FieldError, ListingChangedError, ServerError
from cvatorm.models import Job, Task, User
from cvatorm.query import Manager, Q, QuerySet

from .fakeclient import FakeClient, load

TASK_IDS = sorted((t["id"] for t in load("tasks")), reverse=True)


def tasks(fake: FakeClient) -> QuerySet[Task]:
    return Task.objects.using(fake)


def filters(params: dict[str, Any]) -> Any:
    return json.loads(params["filter"]) if "filter" in params else None


def test_manager_is_class_only_and_proxies_querysets(fake: FakeClient) -> None:
    assert isinstance(Task.objects, Manager)
    assert Task.objects.model is Task and Job.objects.model is Job
    task = Task._from_wire(load("tasks")[0], client=fake)
    with pytest.raises(AttributeError, match="Manager isn't accessible via Task instances"):
        _ = task.objects
    with pytest.raises(AttributeError, match="Manager isn't accessible via Task instances"):
        Manager().__get__(task, Task)
    assert isinstance(Task.objects.filter(name="x"), QuerySet)
    assert fake.log == []  # building querysets sends nothing


def test_iteration_walks_every_page_lazily_and_caches(fake: FakeClient) -> None:
    qs = tasks(fake)
    assert fake.lists() == []
    assert [t.id for t in qs] == TASK_IDS
    sent = len(fake.lists())
    assert sent == 1  # 30 tasks fit in one default page
    assert len(qs) == 30 and bool(qs) and qs.count() == 30
    assert [t.id for t in qs] == TASK_IDS
    assert len(fake.lists()) == sent


def test_chaining_clones_without_the_cache(fake: FakeClient) -> None:
    qs = tasks(fake)
    list(qs)
    clone = qs.filter(id__gt=0)
    assert clone._result_cache is None and qs._result_cache is not None


def test_a_failed_walk_leaves_no_cache(fake: FakeClient) -> None:
    qs = tasks(fake)
    original = fake.request

    def failing(method: str, path: str, **kwargs: Any) -> Any:
        if path == "/api/tasks" and "filter" in (kwargs.get("params") or {}):
            raise ServerError(500, "boom")  # every page after the first fails
        return original(method, path, **kwargs)

    fake.request = failing  # type: ignore[method-assign]
    with pytest.raises(ServerError):
        list(qs.iterator(chunk_size=7))
    qs.default_page_size = 7
    with pytest.raises(ServerError):
        list(qs)
    assert qs._result_cache is None


def test_slice_inside_one_page_is_one_request(fake: FakeClient) -> None:
    assert [t.id for t in tasks(fake)[10:20]] == TASK_IDS[10:20]
    (params,) = fake.lists()
    assert (params["page"], params["page_size"]) == ("2", "10")
    fake.log.clear()
    assert [t.id for t in tasks(fake)[13:21]] == TASK_IDS[13:21]
    assert len(fake.lists()) == 1


def test_index_is_one_request_and_negative_indexes_are_refused(fake: FakeClient) -> None:
    assert tasks(fake)[7].id == TASK_IDS[7]
    (params,) = fake.lists()
    assert (params["page"], params["page_size"]) == ("8", "1")
    with pytest.raises(ValueError, match=r"negative indexing is not supported"):
        tasks(fake)[-1]
    with pytest.raises(ValueError, match=r"negative indexing is not supported"):
        tasks(fake)[-3:]
    with pytest.raises(IndexError):
        tasks(fake)[100]
    with pytest.raises(TypeError):
        tasks(fake)["a"]  # type: ignore[call-overload]


def test_slices_compose(fake: FakeClient) -> None:
    assert [t.id for t in tasks(fake)[2:20][3:5]] == TASK_IDS[5:7]
    assert [t.id for t in tasks(fake)[5:][:3]] == TASK_IDS[5:8]
    assert list(tasks(fake)[5:8][10:]) == []
    assert [t.id for t in tasks(fake)[::10]] == TASK_IDS[::10]
    with pytest.raises(TypeError, match=r"filter\(\) must be called before a slice is taken"):
        tasks(fake)[:3].filter(id=1)
    qs = tasks(fake)
    list(qs)
    assert [t.id for t in qs[1:3]] == TASK_IDS[1:3]  # from the cache, no request
    assert qs[2].id == TASK_IDS[2]


def test_count_is_one_request_with_page_size_one(fake: FakeClient) -> None:
    assert tasks(fake).filter(project_id=1).count() == sum(
        1 for t in load("tasks") if t["project_id"] == 1
    )
    (params,) = fake.lists()
    assert params["page_size"] == "1"
    fake.log.clear()
    assert tasks(fake)[25:40].count() == 5
    assert tasks(fake)[5:10].count() == 5
    assert len(fake.lists()) == 2


def test_exists_is_one_small_request(fake: FakeClient) -> None:
    assert tasks(fake).filter(id=TASK_IDS[0]).exists()
    assert not tasks(fake).filter(id=-5).exists()
    assert not tasks(fake)[40:].exists()
    assert all(p["page_size"] == "1" for p in fake.lists())
    assert len(fake.lists()) == 3


def test_local_remainder_makes_count_and_slices_iterate(fake: FakeClient) -> None:
    qs = tasks(fake).filter(name__icontains="TASK")
    expected = [
        t["id"]
        for t in sorted(load("tasks"), key=lambda t: -t["id"])
        if "task" in t["name"].lower()
    ]
    assert qs.count() == len(expected)
    assert [t.id for t in qs[2:5]] == expected[2:5]
    assert qs.exists()
    assert "local filter: name__icontains='TASK'" in qs.explain()
    assert "iterate" in qs.explain()


def test_keyset_walk_adds_id_bounds_and_survives_concurrent_creation(fake: FakeClient) -> None:
    original = fake.request
    created = {"done": False}

    def inserting(method: str, path: str, **kwargs: Any) -> Any:
        response = original(method, path, **kwargs)
        if path == "/api/tasks" and not created["done"]:
            created["done"] = True  # a new task appears after the first page was read
            new = dict(load("tasks")[0], id=10_000, name="new")
            fake.collection("tasks").append(new)
        return response

    fake.request = inserting  # type: ignore[method-assign]
    ids = [t.id for t in tasks(fake).iterator(chunk_size=7)]
    assert ids == TASK_IDS  # nothing duplicated, nothing skipped
    pages = fake.lists("tasks")
    assert len(pages) == 5  # 7 + 7 + 7 + 7 + 2
    assert all(p["sort"] == "-id" and p["page"] == "1" for p in pages)
    assert filters(pages[0]) is None
    assert filters(pages[1]) == {"<": [{"var": "id"}, TASK_IDS[6]]}
    assert tasks(fake)._result_cache is None


def test_iterator_does_not_fill_the_cache(fake: FakeClient) -> None:
    qs = tasks(fake)
    assert len(list(qs.iterator(chunk_size=100))) == 30
    assert qs._result_cache is None
    with pytest.raises(ValueError):
        qs.iterator(chunk_size=0)


def test_get_first_last(fake: FakeClient) -> None:
    some = load("tasks")[3]
    assert tasks(fake).get(id=some["id"]).name == some["name"]
    with pytest.raises(Task.DoesNotExist, match=r"Task matching query does not exist\."):
        tasks(fake).get(id=-1)
    with pytest.raises(Task.MultipleObjectsReturned, match="returned more than one Task"):
        tasks(fake).get(id__gt=0)
    first, last = tasks(fake).first(), tasks(fake).last()
    assert first is not None and last is not None
    assert (first.id, last.id) == (TASK_IDS[0], TASK_IDS[-1])
    assert tasks(fake).order_by("id").first().id == TASK_IDS[-1]  # type: ignore[union-attr]
    assert tasks(fake).filter(id=-1).first() is None
    assert [t.id for t in tasks(fake).reverse()[:2]] == TASK_IDS[::-1][:2]


def test_values_values_list_and_in_bulk(fake: FakeClient) -> None:
    row = tasks(fake).values("id", "name", "owner", "project__name")[0]
    raw = load("tasks")
    first = max(raw, key=lambda t: t["id"])
    assert row == {
        "id": first["id"],
        "name": first["name"],
        "owner": first["owner"]["id"],
        "project__name": first["project_name"],
    }
    assert list(tasks(fake).values_list("id", flat=True)[:3]) == TASK_IDS[:3]
    assert tasks(fake).values_list("id", "name")[0] == (first["id"], first["name"])
    with pytest.raises(TypeError):
        tasks(fake).values_list("id", "name", flat=True)
    bulk = tasks(fake).in_bulk(TASK_IDS[:3])
    assert sorted(bulk) == sorted(TASK_IDS[:3]) and bulk[TASK_IDS[0]].id == TASK_IDS[0]
    assert tasks(fake).in_bulk([]) == {}


def test_filter_errors_come_before_any_request(fake: FakeClient) -> None:
    with pytest.raises(FieldError):
        tasks(fake).filter(nope=1)
    with pytest.raises(FieldError):
        tasks(fake).order_by("nope")
    with pytest.raises(FieldError):
        tasks(fake).filter(Q(name="a") | Q(project__nope=1))
    assert fake.log == []


def test_prefetch_is_one_list_request_per_relation(fake: FakeClient) -> None:
    jobs = list(Job.objects.using(fake).prefetch_related("task"))
    assert len(fake.lists("jobs")) == 1 and len(fake.lists("tasks")) == 1
    assert filters(fake.lists("tasks")[0])["in"][0] == {"var": "id"}
    for job in jobs:
        assert job._prefetched["task"].id == job._raw["task_id"]
    before = len(fake.log)
    assert jobs[0].task.id == jobs[0]._raw["task_id"]  # no request: prefetched
    assert len(fake.log) == before


def test_reverse_prefetch_groups_related_objects(fake: FakeClient) -> None:
    found = list(tasks(fake).prefetch_related("jobs")[:5])
    assert len(fake.lists("jobs")) == 1
    for task in found:
        expected = sorted(j["id"] for j in load("jobs") if j["task_id"] == task.id)
        assert sorted(j.id for j in task._prefetched["jobs"]) == expected
    with pytest.raises(FieldError):
        tasks(fake).prefetch_related("name")


def test_local_condition_on_a_related_field_loads_related_objects_in_one_batch(
    fake: FakeClient,
) -> None:
    jobs = list(Job.objects.using(fake).filter(task__owner__username="admin1"))
    owners = {t["id"]: (t["owner"] or {}).get("username") for t in load("tasks")}
    expected = sorted(j["id"] for j in load("jobs") if owners.get(j["task_id"]) == "admin1")
    assert sorted(j.id for j in jobs) == expected
    assert len(fake.lists("tasks")) == 1


def test_local_ordering_fetches_everything_then_sorts(fake: FakeClient) -> None:
    qs = tasks(fake).order_by("created_date")
    expected = [t["id"] for t in sorted(load("tasks"), key=lambda t: (t["created_date"], -t["id"]))]
    assert [t.id for t in qs[:5]] == expected[:5]
    assert "local ordering: created_date, -id" in qs.explain()


def test_explain_shows_requests_and_local_parts(fake: FakeClient) -> None:
    text = tasks(fake).filter(name="a", owner__first_name="Admin")[40:60].explain()
    assert "GET /api/tasks?" in text
    assert "local filter: owner__first_name='Admin'" in text
    assert fake.lists() == []
    single = tasks(fake)[40:60].explain()
    assert "page=3" in single and "page_size=20" in single


def test_none_sends_nothing(fake: FakeClient) -> None:
    qs = tasks(fake).none()
    assert list(qs) == [] and qs.count() == 0 and not qs.exists()
    assert fake.lists() == []


class WriteClient(FakeClient):
    def __init__(self, fail_ids: set[int]) -> None:
        super().__init__()
        self.fail_ids = fail_ids

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method in ("PATCH", "DELETE"):
            self.log.append((method, path, kwargs.get("json") or {}))
            pk = int(path.rstrip("/").split("/")[-1])
            if pk in self.fail_ids:
                raise ServerError(500, "boom")
            body = dict(next(t for t in self.collection("tasks") if t["id"] == pk))
            body.update(kwargs.get("json") or {})

            class Response:
                status_code = 200

                def json(self) -> Any:
                    return body

            return Response()
        return super().request(method, path, **kwargs)


def test_bulk_update_reports_partial_failures() -> None:
    client = WriteClient(fail_ids={TASK_IDS[1]})
    qs = Task.objects.using(client).filter(id__in=TASK_IDS[:3])
    with pytest.raises(BulkOperationError) as caught:
        qs.update(subset="Train")
    error = caught.value
    assert sorted(o.id for o in error.succeeded) == sorted([TASK_IDS[0], TASK_IDS[2]])
    assert [o.id for o, _ in error.failed] == [TASK_IDS[1]]
    patches = [p for m, _, p in client.log if m == "PATCH"]
    assert len(patches) == 3 and all(p == {"subset": "Train"} for p in patches)
    with pytest.raises(FieldError):
        qs.update(nope=1)
    with pytest.raises(TypeError):
        qs[:2].update(subset="x")


def test_bulk_delete_is_one_request_per_object() -> None:
    client = WriteClient(fail_ids=set())
    assert Task.objects.using(client).filter(id__in=TASK_IDS[:2]).delete() == (2, {"Task": 2})
    assert [m for m, _, _ in client.log if m == "DELETE"] == ["DELETE", "DELETE"]
    with pytest.raises(TypeError):
        Task.objects.using(client)[:1].delete()


def test_owner_filter_accepts_a_user_or_an_id(fake: FakeClient) -> None:
    admin = User._from_wire({"id": 1, "username": "admin1"}, client=fake)
    by_user = sorted(t.id for t in tasks(fake).filter(owner=admin))
    by_id = sorted(t.id for t in tasks(fake).filter(owner=1))
    assert (
        by_user
        == by_id
        == sorted(t["id"] for t in load("tasks") if (t["owner"] or {}).get("id") == 1)
    )


def test_a_slice_no_page_size_fits_takes_two_pages(fake: FakeClient) -> None:
    qs = tasks(fake)
    qs.default_page_size = qs.max_page_size = 2  # [9:11] needs a page of 3: two of 2 instead
    assert [t.id for t in qs[9:11]] == TASK_IDS[9:11]
    assert [(p["page"], p["page_size"]) for p in fake.lists()] == [("5", "2"), ("6", "2")]


def test_a_slice_reaching_past_the_end_is_still_one_request(fake: FakeClient) -> None:
    assert [t.id for t in tasks(fake)[25:35]] == TASK_IDS[25:]
    assert len(fake.lists()) == 1


def test_organization_is_passed_to_every_request(fake: FakeClient) -> None:
    from cvatorm._sentinels import INHERIT
    from cvatorm.models import Organization

    list(tasks(fake).in_org("org1"))
    list(tasks(fake).in_org(""))
    list(tasks(fake))
    list(Organization.objects.using(fake))
    list(Organization.objects.using(fake).in_org("org2"))
    orgs = [
        o
        for (m, path, _), o in zip(fake.log, fake.organizations, strict=True)
        if path in ("/api/tasks", "/api/organizations")
    ]
    assert orgs == ["org1", "", INHERIT, None, "org2"]
    with pytest.raises(TypeError):
        tasks(fake).in_org(None)  # type: ignore[arg-type]


class CappingClient(FakeClient):
    """A server (or proxy) that never returns more than 4 objects per page."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        params = dict(kwargs.pop("params", None) or {})
        if "page_size" in params:
            params["page_size"] = str(min(int(params["page_size"]), 4))
        return super().request(method, path, params=params, **kwargs)


def test_walks_do_not_stop_at_pages_shorter_than_asked() -> None:
    client = CappingClient()
    assert [t.id for t in Task.objects.using(client)] == TASK_IDS  # keyset walk
    by_name = [t.id for t in Task.objects.using(client).order_by("name")]
    assert sorted(by_name) == sorted(TASK_IDS)  # numbered pages, following ``next``


def test_prefetch_chains_take_one_request_per_level(fake: FakeClient) -> None:
    jobs = list(Job.objects.using(fake).prefetch_related("task__project", "task"))
    assert [len(fake.lists(r)) for r in ("jobs", "tasks", "projects")] == [1, 1, 1]
    projects = {p["id"]: p for p in load("projects")}
    for job in jobs:
        task = job._prefetched["task"]
        project = task._prefetched["project"]
        if task._raw["project_id"] is None:
            assert project is None
        elif task._raw["project_id"] in projects:
            assert project.id == task._raw["project_id"]
    with pytest.raises(FieldError):
        Job.objects.using(fake).prefetch_related("task__nope")
    with pytest.raises(FieldError):
        Job.objects.using(fake).prefetch_related("task__name")


def test_querysets_combine_with_and_or(fake: FakeClient) -> None:
    low, high = tasks(fake).filter(id__lt=10), tasks(fake).filter(id__gt=30)
    assert sorted(t.id for t in low | high) == sorted(i for i in TASK_IDS if i < 10 or i > 30)
    assert list(low & high) == []
    assert sorted(t.id for t in low | tasks(fake)) == sorted(TASK_IDS)
    assert sorted(t.id for t in low | tasks(fake).none()) == sorted(i for i in TASK_IDS if i < 10)
    assert list(low & tasks(fake).none()) == []
    with pytest.raises(TypeError):
        low | Job.objects.using(fake)  # type: ignore[operator]
    with pytest.raises(TypeError):
        low[:2] | high


def test_earliest_and_latest(fake: FakeClient) -> None:
    assert tasks(fake).earliest().id == min(TASK_IDS)
    assert tasks(fake).latest().id == max(TASK_IDS)
    newest = max(load("tasks"), key=lambda t: (t["updated_date"], t["id"]))
    assert tasks(fake).latest("updated_date").id == newest["id"]
    with pytest.raises(Task.DoesNotExist):
        tasks(fake).filter(id=-1).latest()


def test_long_slices_walk_by_keyset_asking_only_for_what_is_left(fake: FakeClient) -> None:
    qs = tasks(fake)
    qs.default_page_size = qs.max_page_size = 8
    assert [t.id for t in qs[3:20]] == TASK_IDS[3:20]
    sizes = [(p["page"], p["page_size"]) for p in fake.lists()]
    assert sizes == [("1", "8"), ("1", "8"), ("1", "4")]  # 5 + 8 + 4 objects


def test_local_ordering_alone_keeps_count_and_exists_cheap(fake: FakeClient) -> None:
    qs = tasks(fake).order_by("created_date")
    assert qs.count() == 30 and qs[5:].count() == 25 and qs[29:].exists()
    assert all(p["page_size"] == "1" for p in fake.lists())
    assert "slicing sorts every object first" in qs[:3].explain()


def test_generators_in_lookups_are_read_once(fake: FakeClient) -> None:
    qs = tasks(fake).filter(id__in=(i for i in TASK_IDS[:3]))
    assert qs.count() == 3
    assert sorted(t.id for t in qs) == sorted(TASK_IDS[:3])


def test_a_thousand_jobs_and_their_tasks_are_two_list_requests(fake: FakeClient) -> None:
    task_ids = [t["id"] for t in load("tasks")]
    template = load("jobs")[0]
    fake.data["jobs"] = [
        dict(template, id=100_000 + i, task_id=task_ids[i % len(task_ids)]) for i in range(1000)
    ]
    jobs = list(Job.objects.using(fake).prefetch_related("task").iterator(chunk_size=1000))
    assert len(jobs) == 1000
    assert (len(fake.lists("jobs")), len(fake.lists("tasks"))) == (1, 1)
    assert all(job.task.id == job.task_id for job in jobs)
    assert len(fake.log) == 2 + sum(1 for m, p, _ in fake.log if p == "/api/schema/")


def test_related_ids_are_batched_by_url_length_not_by_count(fake: FakeClient) -> None:
    """600 tasks with six-digit ids fit in one ``id in [...]`` request (a count of 500 would
    have split them)."""
    task_template = load("tasks")[0]
    job_template = load("jobs")[0]
    task_ids = [200_000 + i for i in range(600)]
    fake.data["tasks"] = [dict(task_template, id=i) for i in task_ids]
    fake.data["jobs"] = [
        dict(job_template, id=300_000 + i, task_id=task_ids[i % 600]) for i in range(1000)
    ]
    jobs = list(Job.objects.using(fake).prefetch_related("task").iterator(chunk_size=1000))
    assert {job.task.id for job in jobs} == set(task_ids)
    assert (len(fake.lists("jobs")), len(fake.lists("tasks"))) == (1, 1)


class _Recorder:
    """A ``cvatorm.progress.ProgressReporter`` that writes down every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.calls.append(("start", total, desc, unit))

    def advance(self, delta: float) -> None:
        self.calls.append(("advance", delta))

    def update(self, done: float) -> None:
        self.calls.append(("update", done))

    def finish(self) -> None:
        self.calls.append(("finish",))


def test_bulk_update_and_delete_report_progress_per_object() -> None:
    client = WriteClient(fail_ids={TASK_IDS[1]})
    recorder = _Recorder()
    with pytest.raises(BulkOperationError):
        Task.objects.using(client).filter(id__in=TASK_IDS[:3]).update(
            subset="Train", progress=recorder
        )
    assert recorder.calls == [
        ("start", 3, "Updating Task objects", "object"),
        ("advance", 1),
        ("advance", 1),
        ("advance", 1),
        ("finish",),
    ]
    patches = [p for m, _, p in client.log if m == "PATCH"]
    assert len(patches) == 3 and all(p == {"subset": "Train"} for p in patches)

    deleting = _Recorder()
    qs = Task.objects.using(WriteClient(fail_ids=set())).filter(id__in=TASK_IDS[:2])
    assert qs.delete(progress=deleting) == (2, {"Task": 2})
    assert deleting.calls == [
        ("start", 2, "Deleting Task objects", "object"),
        ("advance", 1),
        ("advance", 1),
        ("finish",),
    ]


def test_bulk_progress_is_checked_before_any_request() -> None:
    client = WriteClient(fail_ids=set())
    qs = Task.objects.using(client).filter(id__in=TASK_IDS[:2])
    with pytest.raises(TypeError, match="progress must be"):
        qs.update(subset="Train", progress="loud")
    with pytest.raises(TypeError, match="progress must be"):
        qs.delete(progress=42)
    assert client.log == []


def test_objects_deleted_during_a_snapshot_walk_are_not_returned(fake: FakeClient) -> None:
    """Ordered by name (not the primary key), the walk reads the ids first, then the objects
    by batches: those deleted meanwhile are left out, the others come once each."""
    walk = Task.objects.using(fake).order_by("name").iterator(chunk_size=10)
    first_page = [next(walk) for _ in range(10)]
    assert len(first_page) == 10
    del fake.collection("tasks")[5:]  # 25 tasks deleted by someone else meanwhile
    remaining = {t["id"] for t in fake.collection("tasks")}
    rest = [t.id for t in walk]
    assert set(rest) <= remaining and not set(rest) & {t.id for t in first_page}
    assert set(rest) | ({t.id for t in first_page} & remaining) == remaining


def test_a_listing_that_keeps_changing_while_its_ids_are_read_says_so(
    fake: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pass (the ids in order) checks itself against the first page's count; when
    someone keeps deleting during it, it is read again, then ``ListingChangedError``."""
    original = fake.request

    def shrinking(method: str, path: str, **kwargs: Any) -> Any:
        if (kwargs.get("params") or {}).get("page") == "2":
            del fake.collection("tasks")[:1]  # one task gone before every second page
        return original(method, path, **kwargs)

    monkeypatch.setattr(fake, "request", shrinking)
    with pytest.raises(ListingChangedError, match="kept changing"):
        list(Task.objects.using(fake).order_by("name").iterator(chunk_size=10))


def test_a_slice_past_the_end_is_empty_not_an_error(fake: FakeClient) -> None:
    assert list(Task.objects.using(fake).order_by("name")[500:520]) == []
