"""Parts of datetimes in filters: ``__date``, ``__year``, ``__month``, ``__day``, ``__week_day``,
``__hour``, alone or followed by a comparison (``updated_date__year__gte=2024``).

The year and the date grow with the datetime, so their comparisons are datetime ranges the
server evaluates (when it has a filter variable for the field: ``updated_date`` yes,
``created_date`` no); the other parts repeat and are checked in Python. Parts are taken in UTC.
Every shape is compared with plain Python over the listed objects, fixed and random
(hypothesis).
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

from cvatorm.exceptions import FieldError, InvalidArgumentError
from cvatorm.models import Task
from cvatorm.query.lookups import get_lookup, get_transform

UTC = dt.timezone.utc


def part(name: str, value: dt.datetime | None) -> Any:
    """Django's value of a part, in UTC, written out independently of cvatorm."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return {
        "date": value.date(),
        "year": value.year,
        "month": value.month,
        "day": value.day,
        "week_day": (value.weekday() + 1) % 7 + 1,  # Sunday 1 ... Saturday 7
        "hour": value.hour,
    }[name]


def compare(lookup: str, lhs: Any, rhs: Any) -> bool:
    if lookup == "isnull":
        return (lhs is None) is rhs
    if lhs is None:
        return False
    if lookup == "exact":
        return bool(lhs == rhs)
    if lookup == "in":
        return lhs in rhs
    if lookup == "range":
        return bool(rhs[0] <= lhs <= rhs[1])
    return bool({"gt": lhs > rhs, "gte": lhs >= rhs, "lt": lhs < rhs, "lte": lhs <= rhs}[lookup])


#: The seed tasks' ids: on a real server other clients create and delete tasks meanwhile, so
#: results are compared on the tasks created over a day ago.
STABLE: set[int] = set()
REAL_SERVER = bool(os.environ.get("CVAT_URL"))


@pytest.fixture
def tasks(orm_connection: Any, traffic: Any) -> Iterator[list[dict[str, Any]]]:
    cutoff = dt.datetime.now(UTC) - dt.timedelta(days=1)
    found = [
        t
        for t in Task.objects.values("id", "created_date", "updated_date")
        if t["created_date"] < cutoff
    ]
    STABLE.update(t["id"] for t in found)
    traffic.clear()
    yield found
    STABLE.clear()


def ids(qs: Any) -> set[int]:
    return {pk for pk in qs.values_list("id", flat=True) if not STABLE or pk in STABLE}


def sent_filter(traffic: Any) -> Any:
    (request,) = traffic.select("GET", "/api/tasks")
    raw = request.query.get("filter")
    return json.loads(raw[0]) if raw else None


def test_a_year_of_the_updated_date_is_a_range_on_the_server(
    tasks: list[dict[str, Any]], traffic: Any
) -> None:
    year = tasks[0]["updated_date"].astimezone(UTC).year
    expected = {t["id"] for t in tasks if part("year", t["updated_date"]) == year}
    assert ids(Task.objects.filter(updated_date__year=year)) == expected
    assert sent_filter(traffic) == {
        "and": [
            {">=": [{"var": "updated_date"}, f"{year}-01-01T00:00:00+00:00"]},
            {"<": [{"var": "updated_date"}, f"{year + 1}-01-01T00:00:00+00:00"]},
        ]
    }


def test_comparisons_of_a_date_are_ranges_on_the_server(
    tasks: list[dict[str, Any]], traffic: Any
) -> None:
    day = tasks[len(tasks) // 2]["updated_date"].astimezone(UTC).date()
    for lookup, value in [("gte", day), ("gt", day), ("lt", day), ("lte", day), ("exact", day)]:
        traffic.clear()
        dates = {t["id"]: part("date", t["updated_date"]) for t in tasks}
        expected = {pk for pk, date in dates.items() if compare(lookup, date, value)}
        got = ids(Task.objects.filter(**{f"updated_date__date__{lookup}": value}))
        assert got == expected, lookup
        assert sent_filter(traffic) is not None, lookup  # nothing left to check locally


def test_created_date_has_no_filter_variable_so_its_year_is_checked_locally(
    tasks: list[dict[str, Any]], traffic: Any
) -> None:
    year = tasks[-1]["created_date"].astimezone(UTC).year
    expected = {t["id"] for t in tasks if part("year", t["created_date"]) >= year}
    assert ids(Task.objects.filter(created_date__year__gte=year)) == expected
    assert sent_filter(traffic) is None
    assert "local filter: created_date__year__gte=" in Task.objects.filter(
        created_date__year__gte=year
    ).explain()


@pytest.mark.parametrize("name", ["month", "day", "week_day", "hour"])
def test_repeating_parts_are_checked_locally(
    name: str, tasks: list[dict[str, Any]], traffic: Any
) -> None:
    value = part(name, tasks[0]["updated_date"])
    expected = {t["id"] for t in tasks if part(name, t["updated_date"]) == value}
    assert ids(Task.objects.filter(**{f"updated_date__{name}": value})) == expected
    assert sent_filter(traffic) is None


def test_parts_are_taken_in_utc() -> None:
    # 01:00 at +03:00 is 22:00 UTC the day before: Sunday, the last day of 2023.
    moment = dt.datetime(2024, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    transforms = {n: get_transform(n) for n in ("year", "date", "week_day", "hour")}
    applied = {n: t.apply(moment) for n, t in transforms.items() if t is not None}
    assert applied == {"year": 2023, "date": dt.date(2023, 12, 31), "week_day": 1, "hour": 22}
    # a datetime compared with a date part is taken as its UTC date
    exact = get_lookup("exact")
    assert exact is not None and exact("date", moment).rhs == dt.date(2023, 12, 31)


def test_values_and_local_ordering_read_the_part(tasks: list[dict[str, Any]]) -> None:
    years = list(Task.objects.order_by("created_date__year", "id").values_list(
        "created_date__year", "id"
    ))
    years = [(year, pk) for year, pk in years if pk in STABLE]
    assert years == sorted((part("year", t["created_date"]), t["id"]) for t in tasks)


def test_wrong_parts_are_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    with pytest.raises(FieldError, match="not one"):
        Task.objects.filter(name__year=2024)
    with pytest.raises(FieldError, match="after 'year' comes a lookup"):
        Task.objects.filter(updated_date__year__month=1)
    with pytest.raises(FieldError, match="does not apply"):
        Task.objects.filter(updated_date__year__contains="20")
    with pytest.raises(InvalidArgumentError):
        Task.objects.filter(updated_date__date="2024-13-01")
    with pytest.raises(InvalidArgumentError):
        Task.objects.filter(updated_date__year="twenty")
    assert len(traffic) == 0


PARTS = ["date", "year", "month", "day", "week_day", "hour"]
LOOKUPS = ["exact", "gt", "gte", "lt", "lte", "in", "range", "isnull"]


@st.composite
def part_filters(draw: Any, tasks: list[dict[str, Any]]) -> tuple[str, Any, str, str]:
    field = draw(st.sampled_from(["created_date", "updated_date"]))
    name = draw(st.sampled_from(PARTS))
    lookup = draw(st.sampled_from(LOOKUPS))
    seen = [part(name, t[field]) for t in tasks]

    def near() -> Any:
        value = draw(st.sampled_from(seen))
        shift = draw(st.integers(-1, 1))
        return value + dt.timedelta(days=shift) if name == "date" else value + shift

    if lookup == "isnull":
        value: Any = draw(st.booleans())
    elif lookup == "in":
        value = [near() for _ in range(draw(st.integers(0, 3)))]
    elif lookup == "range":
        value = sorted([near(), near()])
    else:
        value = near()
    return field, value, f"{field}__{name}__{lookup}", draw(st.sampled_from(["filter", "exclude"]))


@settings(
    max_examples=12 if REAL_SERVER else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_part_filters_agree_with_python(tasks: list[dict[str, Any]], data: Any) -> None:
    field, value, key, method = data.draw(part_filters(tasks))
    lookup = key.rsplit("__", 1)[1]
    name = key.split("__")[1]
    matched = {t["id"] for t in tasks if compare(lookup, part(name, t[field]), value)}
    # Django's exclude(): NOT the condition (a null datetime never matches a comparison)
    expected = {t["id"] for t in tasks} - matched if method == "exclude" else matched
    got = ids(getattr(Task.objects, method)(**{key: value}))
    assert got == expected, (method, key, value)
