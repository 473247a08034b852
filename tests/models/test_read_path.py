"""The read path of listed objects: built around the page's dicts without copies, plain
fields read straight from the raw data, conversions kept once made, and dirty tracking as
exact as before (a read never makes an object dirty; an in-place edit always does)."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cvatorm.models import Issue, Organization, Task
from cvatorm.models.enums import JobStatus
from cvatorm.models.fields import json_copy

from .fakes import FakeClient, asset_object


def _task(**changes: Any) -> Task:
    data = asset_object("tasks", id=35)
    data.update(changes)
    return Task._from_wire(data, client=FakeClient())


def test_an_object_is_its_dict_and_three_references() -> None:
    data = asset_object("tasks", id=35)
    task = Task._from_wire(data, client=None)
    assert task._raw is data
    assert set(vars(task)) == {"_raw", "_client", "_organization"}
    assert task._assigned == set() and task._prefetched == {} and task._related == {}
    assert set(vars(task)) >= {"_assigned", "_prefetched", "_related"}  # made on first use


def test_a_plain_field_reads_the_raw_value_and_keeps_nothing() -> None:
    task = _task(name="cars")
    assert task.name == "cars"
    assert "_values" not in vars(task)
    task._raw["name"] = "trucks"  # a server answer merged later is what the next read sees
    assert task.name == "trucks"


def test_an_assigned_value_wins_until_saved() -> None:
    task = _task(name="cars")
    task.name = "bikes"
    assert task.name == "bikes"
    assert task.dirty_fields == ("name",)


def test_null_reads_as_none_for_every_kind_of_field() -> None:
    task = _task(status=None, created_date=None, owner=None, source_storage=None, segment_size=None)
    assert (task.status, task.created_date, task.owner, task.source_storage) == (None,) * 4
    assert task.segment_size is None
    assert not task.is_dirty


def test_enumerations_read_as_members_and_unknown_values_as_strings() -> None:
    assert _task(status="annotation").status is JobStatus.ANNOTATION
    assert _task(status="a status of CVAT 9").status == "a status of CVAT 9"


def test_converted_values_are_converted_once_and_kept() -> None:
    task = _task(created_date="2025-11-13T11:32:48.132000Z")
    first = task.created_date
    assert first == dt.datetime(2025, 11, 13, 11, 32, 48, 132000, tzinfo=dt.timezone.utc)
    assert task.created_date is first
    owner = task.owner
    assert owner is not None and task.owner is owner
    assert owner._raw is not task._raw["owner"]  # the user does not share the task's snapshot


def test_reading_every_field_of_every_kind_leaves_the_object_clean() -> None:
    for resource, model in (("tasks", Task), ("issues", Issue), ("organizations", Organization)):
        for data in [asset_object(resource, id=obj_id) for obj_id in _ids(resource)]:
            obj = model._from_wire(data, client=FakeClient())
            for name in model._meta.fields:
                if name not in model._meta.relations:
                    getattr(obj, name)
            assert obj.dirty_fields == (), (resource, data["id"])


def _ids(resource: str) -> list[Any]:
    from .fakes import asset

    return [obj["id"] for obj in asset(resource)][:10]


def test_an_in_place_edit_of_a_read_value_is_dirty_and_the_raw_data_untouched() -> None:
    data = asset_object("issues", id=5)
    issue = Issue._from_wire(data, client=FakeClient())
    before = copy.deepcopy(data["position"])
    issue.position.append(1.5)
    assert issue.dirty_fields == ("position",)
    assert data["position"] == before
    org = Organization._from_wire(asset_object("organizations", id=1), client=FakeClient())
    org.contact["email"] = "new@example.com"
    assert org.dirty_fields == ("contact",)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


@given(json_values)
def test_json_copy_is_a_deep_copy(value: Any) -> None:
    copied = json_copy(value)
    assert copied == copy.deepcopy(value)
    if isinstance(value, dict | list) and value:
        assert copied is not value


def test_json_copy_shares_no_container() -> None:
    value = {"a": [{"b": [1, 2]}], "c": {"d": {}}}
    copied = json_copy(value)
    copied["a"][0]["b"].append(3)
    copied["c"]["d"]["e"] = 1
    assert value == {"a": [{"b": [1, 2]}], "c": {"d": {}}}


def test_threads_reading_a_new_object_share_one_state() -> None:
    task = _task()
    seen: list[int] = []
    barrier = threading.Barrier(4)

    def read() -> None:
        barrier.wait()
        seen.append(id(task._values))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1


def test_a_listed_page_keeps_the_servers_dicts() -> None:
    from cvatorm.wire.listing import parse_page

    body = {"count": 2, "next": None, "previous": None, "results": [{"id": 1}, {"id": 2}]}
    page = parse_page(body)
    assert all(a is b for a, b in zip(page.results, body["results"], strict=True))
    assert parse_page({"count": 1, "results": [MappingProxyType({"id": 3})]}).results == [{"id": 3}]
