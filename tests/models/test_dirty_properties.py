"""Property: whatever in-place edits are made, save() sends the final value iff it changed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cvatorm.models import Issue, Organization

from .fakes import FakeClient, asset_object

coordinates = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
list_edits = st.lists(
    st.one_of(
        st.tuples(st.just("append"), coordinates),
        st.tuples(st.just("pop"), st.none()),
        st.tuples(st.just("set0"), coordinates),
        st.tuples(st.just("reverse"), st.none()),
    ),
    max_size=8,
)


def apply_edit(values: list[float], edit: tuple[str, Any]) -> None:
    op, arg = edit
    if op == "append":
        values.append(arg)
    elif op == "pop" and values:
        values.pop()
    elif op == "set0" and values:
        values[0] = arg
    elif op == "reverse":
        values.reverse()


@given(list_edits)
def test_list_edits_are_sent_exactly_when_the_value_changed(edits: list[tuple[str, Any]]) -> None:
    data = asset_object("issues", id=5)
    original = list(data["position"])
    client = FakeClient()
    client.on("PATCH", "/api/issues/5", lambda call: {**data, **call.json})
    issue = Issue._from_wire(data, client=client)
    expected = list(original)
    for edit in edits:
        apply_edit(issue.position, edit)
        apply_edit(expected, edit)
    issue.save()
    if expected == original:
        assert client.calls == []
    else:
        assert [c.json for c in client.calls] == [{"position": expected}]
        assert issue.dirty_fields == ()


@given(
    st.dictionaries(st.sampled_from(["email", "phone", "site"]), st.text(max_size=5), max_size=3)
)
def test_dict_replacement_in_place_is_sent_when_different(new_contact: dict[str, str]) -> None:
    data = asset_object("organizations", id=3)
    original = dict(data["contact"])
    client = FakeClient()
    client.on("PATCH", "/api/organizations/3", lambda call: {**data, **call.json})
    org = Organization._from_wire(data, client=client)
    org.contact.clear()
    org.contact.update(new_contact)
    org.save()
    if new_contact == original:
        assert client.calls == []
    else:
        assert [c.json for c in client.calls] == [{"contact": new_contact}]
