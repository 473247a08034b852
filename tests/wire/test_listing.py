from __future__ import annotations

import json

import pytest

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
