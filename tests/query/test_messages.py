"""Messages people read: ``get()``'s count in Django's words, an HTML error page summarized
(the page kept on ``.body``), and DEBUG log lines showing filters as they were written."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cvatorm import Task
from cvatorm.exceptions import ApiException, NotFoundError, ServerError

from .fakeclient import FakeClient

PAGE = (
    "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n"
    + "  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n" * 40
    + "</body>\n</html>\n"
)


def test_get_says_more_than_20_as_django(fake: FakeClient) -> None:
    with pytest.raises(Task.MultipleObjectsReturned) as caught:
        Task.objects.using(fake).get(id__gt=0)  # 30 match; 21 are read
    assert str(caught.value) == "get() returned more than one Task -- it returned more than 20!"
    two = sorted(t["id"] for t in fake.collection("tasks"))[:2]
    with pytest.raises(Task.MultipleObjectsReturned, match=r"it returned 2!$"):
        Task.objects.using(fake).get(id__in=two)


def test_an_html_error_page_is_summarized_and_kept() -> None:
    error = ApiException.for_status(404)(404, "Not Found", PAGE, method="GET", url="/api/x")
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        f"404 Not Found for GET /api/x: an HTML page 'Not Found' ({len(PAGE)} characters, "
        "in .body)"
    )
    assert error.body == PAGE
    untitled = ServerError(500, "Internal Server Error", "<html><body>boom</body></html>")
    assert str(untitled).endswith(": an HTML page (30 characters, in .body)")
    plain = ServerError(500, "Internal Server Error", "upstream timed out")
    assert str(plain).endswith(": upstream timed out")


def test_debug_lines_show_filters_decoded(
    orm_connection: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="cvatorm"):
        list(Task.objects.filter(name__contains="a b&c")[:3])
    lines = [r.getMessage() for r in caplog.records if "/api/tasks?" in r.getMessage()]
    assert lines, caplog.text
    assert all("%7B" not in line and "%22" not in line for line in lines)
    assert any('filter={"in":["a b%26c",{"var":"name"}]}' in line for line in lines), lines
