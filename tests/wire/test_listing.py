from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cvatorm.wire.listing import ListRequest, PageResult, parse_page


def test_params_carry_filter_sort_and_page() -> None:
    request = ListRequest(
        "/api/tasks", filter={"==": [{"var": "id"}, 1]}, sort=("name", "-id"), page=3, page_size=20
    )
    params = request.params()
    assert json.loads(params["filter"]) == {"==": [{"var": "id"}, 1]}
    assert params["sort"] == "name,-id"
    assert (params["page"], params["page_size"]) == ("3", "20")
    assert "search" not in params
    assert request.describe().startswith("GET /api/tasks?filter=")


def test_parse_page_reads_count_next_and_results() -> None:
    page = parse_page({"count": 7, "next": "http://x/api/tasks?page=2", "results": [{"id": 1}]})
    assert page == PageResult(count=7, results=[{"id": 1}], has_next=True)
    assert parse_page([{"id": 1}, {"id": 2}]).count == 2
    with pytest.raises(ValueError):
        parse_page({"detail": "nope"})


def test_describe_is_readable() -> None:
    request = ListRequest(
        "/api/labels", filter={"==": [{"var": "name"}, "a car"]}, extra={"task_id": "7"}
    )
    assert request.describe() == (
        'GET /api/labels?task_id=7&filter={"==":[{"var":"name"},"a car"]}&page=1&page_size=100'
    )


@given(st.text(max_size=20), st.text(max_size=10))
def test_describe_is_exact(name: str, search: str) -> None:
    """Whatever the values hold (``&``, ``=``, ``%``, ``+``...), the described URL's query
    decodes back to exactly the parameters sent."""
    request = ListRequest("/api/tasks", filter={"==": [{"var": "name"}, name]}, search=search)
    url = request.describe().removeprefix("GET ")
    decoded = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    assert dict(decoded) == request.params() and len(decoded) == len(request.params())


def test_membership_batches_are_sized_by_encoded_length() -> None:
    from urllib.parse import quote

    from cvatorm.wire.jsonlogic import dumps, member_of
    from cvatorm.wire.listing import MAX_FILTER_URL_CHARS, membership_batches

    six_digits = list(range(100_000, 101_000))
    batches = membership_batches(six_digits)
    assert [v for batch in batches for v in batch] == six_digits  # order kept, nothing lost
    assert len(batches) == 2  # 1,000 six-digit ids do not fit in one URL
    for batch in batches:
        assert len(quote(dumps(member_of("id", batch)))) <= MAX_FILTER_URL_CHARS + 50

    assert len(membership_batches(list(range(100_000, 100_600)))) == 1  # 600 of them do
    assert len(membership_batches(list(range(1, 1001)))) == 1  # 1,000 small ids fit in one
    by_count = membership_batches(list(range(2500)), max_chars=10**6, max_size=1000)
    assert [len(b) for b in by_count] == [1000, 1000, 500]
    assert membership_batches([]) == []
