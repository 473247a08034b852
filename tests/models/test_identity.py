"""Equality, hashing and repr: (model, server, id), no identity map."""

from __future__ import annotations

import pytest

from cvatorm.models import Comment, Invitation, Job, Project, Task, User

from .fakes import FakeClient, asset_object


def test_equal_by_model_server_and_id() -> None:
    here, there = FakeClient(server_id="http://a:8080"), FakeClient(server_id="http://b:8080")
    one = Task._from_wire(asset_object("tasks", id=35), client=here)
    again = Task._from_wire(asset_object("tasks", id=35), client=here)
    other_server = Task._from_wire(asset_object("tasks", id=35), client=there)
    assert one == again and hash(one) == hash(again)
    assert one is not again  # no identity map
    assert one != other_server
    assert one != Project._from_wire({**asset_object("projects", id=18), "id": 35}, client=here)
    assert len({one, again, other_server}) == 2
    assert one != 35


def test_unsaved_objects_are_only_equal_to_themselves_and_unhashable() -> None:
    a, b = Task(name="x"), Task(name="x")
    assert a == a and a != b
    with pytest.raises(TypeError):
        hash(a)


def test_repr_shows_the_id_and_the_name() -> None:
    assert repr(Task._from_wire(asset_object("tasks", id=35), client=None)) == (
        "<Task 35: 'task with tags'>"
    )
    assert repr(Job._from_wire(asset_object("jobs", id=63), client=None)) == "<Job 63>"
    assert repr(User._from_wire({"id": 1, "username": "admin1"}, client=None)) == (
        "<User 1: 'admin1'>"
    )
    assert repr(Comment._from_wire(asset_object("comments", id=6), client=None)) == (
        "<Comment 6: 'Wrong position'>"
    )
    assert repr(Project(name="new")) == "<Project (unsaved): 'new'>"
    key = asset_object("invitations", role="maintainer")["key"]
    assert repr(Invitation._from_wire(asset_object("invitations", key=key), client=None)) == (
        f"<Invitation {key}>"
    )
