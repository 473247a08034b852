"""Bad inputs to querysets: ``filter``/``exclude``/``get`` (names, lookups, values, enumeration
values), ``order_by``, slicing, ``iterator``, ``in_bulk``, ``values``, ``prefetch_related``,
``in_org``/``organization``, ``get_or_create``, ``update``, ``create``, ``earliest``/``latest``,
``using`` and combining.

Every one is knowable locally: building or evaluating the queryset sends nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import Job, Project, Q, Task, Webhook
from cvatorm.exceptions import (
    ConfigurationError,
    FieldError,
    InvalidArgumentError,
    ValidationError,
)

from .conftest import Case, case

T = Task.objects
J = Job.objects

#: ``Model.objects.filter(**{lookup: value})``, evaluated: (model, lookup, value, error, word).
FILTERS = [
    (Task, "nmae", "x", FieldError, "nmae"),
    (Task, "name__nope", "x", FieldError, "nope"),
    (Task, "name__contains__exact", "x", FieldError, "contains"),
    (Task, "project__nmae", "x", FieldError, "nmae"),
    (Task, "assignee__nope", "x", FieldError, "nope"),
    (Task, "id", "abc", InvalidArgumentError, "abc"),
    (Task, "id__gt", "x", InvalidArgumentError, "x"),
    (Task, "id__in", 5, InvalidArgumentError, "5"),
    (Task, "id__in", "12", InvalidArgumentError, "12"),
    (Task, "id__in", [1, "x"], InvalidArgumentError, "x"),
    (Task, "id__range", (1,), InvalidArgumentError, "range"),
    (Task, "size__gte", None, InvalidArgumentError, "None"),
    (Task, "created_date__gt", "yesterday", InvalidArgumentError, "yesterday"),
    (Task, "name__year", 2020, FieldError, "year"),
    (Task, "status", "finished", InvalidArgumentError, "finished"),
    (Task, "mode", "video", InvalidArgumentError, "video"),
    (Task, "dimension", "4d", InvalidArgumentError, "4d"),
    (Task, "name__isnull", "yes", InvalidArgumentError, "yes"),
    (Task, "name__regex", "(", InvalidArgumentError, "("),
    (Job, "state", "finished", InvalidArgumentError, "finished"),
    (Job, "state", 5, InvalidArgumentError, "5"),
    (Job, "state__in", ["new", "finished"], InvalidArgumentError, "finished"),
    (Job, "stage", "nope", InvalidArgumentError, "nope"),
    (Job, "type", "gt", InvalidArgumentError, "gt"),
    (Job, "task_id", "two", InvalidArgumentError, "two"),
    (Job, "task__nmae", "x", FieldError, "nmae"),
    (Project, "dimension", 3, InvalidArgumentError, "3"),
    (Webhook, "type", "team", InvalidArgumentError, "team"),
    (Webhook, "is_active", "yes", InvalidArgumentError, "yes"),
]

CASES = [
    *[
        case(
            f"{m.__name__}.filter({lk}={v!r})",
            lambda s, m=m, lk=lk, v=v: list(m.objects.filter(**{lk: v})),
            err,
            w,
        )
        for m, lk, v, err, w in FILTERS
    ],
    case("exclude-unknown", lambda s: list(T.exclude(nmae="x")), FieldError, "nmae"),
    case(
        "filter-Q-unknown", lambda s: list(T.filter(Q(nmae="x") | Q(name="y"))), FieldError, "nmae"
    ),
    case("filter-positional-str", lambda s: T.filter("name"), InvalidArgumentError, "name"),
    case("filter-positional-dict", lambda s: T.filter({"name": "x"}), InvalidArgumentError, "name"),
    case("get-unknown", lambda s: T.get(nmae="x"), FieldError, "nmae"),
    case("get-enum", lambda s: J.get(state="finished"), InvalidArgumentError, "finished"),
    case(
        "count-bad-filter", lambda s: J.filter(stage="nope").count(), InvalidArgumentError, "nope"
    ),
    case("exists-bad-filter", lambda s: J.filter(state=5).exists(), InvalidArgumentError, "5"),
    # order_by
    case("order_by-int", lambda s: T.order_by(5), InvalidArgumentError, "5"),
    case("order_by-None", lambda s: T.order_by(None), InvalidArgumentError, "None"),
    case("order_by-double-minus", lambda s: T.order_by("--id"), InvalidArgumentError, "--id"),
    case("order_by-empty", lambda s: T.order_by(""), InvalidArgumentError, "''"),
    case("order_by-minus", lambda s: T.order_by("-"), InvalidArgumentError, "-"),
    case("order_by-unknown", lambda s: list(T.order_by("nmae")), FieldError, "nmae"),
    case("order_by-list", lambda s: T.order_by(["id"]), InvalidArgumentError, "id"),
    case("earliest-unknown", lambda s: T.earliest("nmae"), FieldError, "nmae"),
    case("latest-int", lambda s: T.latest(5), InvalidArgumentError, "5"),
    # slicing
    case("index-negative", lambda s: T.all()[-1], InvalidArgumentError, "-1"),
    case("slice-negative-start", lambda s: T.all()[-2:], InvalidArgumentError, "-2"),
    case("slice-negative-stop", lambda s: T.all()[1:-1], InvalidArgumentError, "-1"),
    case("index-str", lambda s: T.all()["a"], InvalidArgumentError, "a"),
    case("index-float", lambda s: T.all()[1.5], InvalidArgumentError, "1.5"),
    case("index-None", lambda s: T.all()[None], InvalidArgumentError, "None"),
    case("slice-str-bound", lambda s: T.all()["1":], InvalidArgumentError, "1"),
    case(
        "filter-after-slice", lambda s: T.all()[:5].filter(name="x"), InvalidArgumentError, "slice"
    ),
    case(
        "order_by-after-slice", lambda s: T.all()[:5].order_by("id"), InvalidArgumentError, "slice"
    ),
    # iterator
    case(
        "iterator-chunk_size-str",
        lambda s: next(T.iterator(chunk_size="10")),
        InvalidArgumentError,
        "chunk_size",
    ),
    case(
        "iterator-chunk_size-0",
        lambda s: next(T.iterator(chunk_size=0)),
        InvalidArgumentError,
        "chunk_size",
    ),
    case(
        "iterator-chunk_size-negative",
        lambda s: next(T.iterator(chunk_size=-5)),
        InvalidArgumentError,
        "chunk_size",
    ),
    case(
        "iterator-chunk_size-bool",
        lambda s: next(T.iterator(chunk_size=True)),
        InvalidArgumentError,
        "chunk_size",
    ),
    case(
        "iterator-concurrency-0",
        lambda s: next(T.iterator(concurrency=0)),
        InvalidArgumentError,
        "concurrency",
    ),
    case(
        "iterator-concurrency-str",
        lambda s: next(T.iterator(concurrency="2")),
        InvalidArgumentError,
        "concurrency",
    ),
    # in_bulk
    case("in_bulk-str", lambda s: T.in_bulk("12"), InvalidArgumentError, "12"),
    case("in_bulk-int", lambda s: T.in_bulk(5), InvalidArgumentError, "5"),
    case("in_bulk-mixed", lambda s: T.in_bulk([1, "x"]), InvalidArgumentError, "x"),
    case("in_bulk-field-unknown", lambda s: T.in_bulk([1], field_name="nmae"), FieldError, "nmae"),
    # values / values_list
    case("values-unknown", lambda s: T.values("nmae"), FieldError, "nmae"),
    case("values-int", lambda s: T.values(5), InvalidArgumentError, "5"),
    case("values_list-unknown", lambda s: T.values_list("id", "nmae"), FieldError, "nmae"),
    case(
        "values_list-flat-two",
        lambda s: T.values_list("id", "name", flat=True),
        InvalidArgumentError,
        "flat",
    ),
    # prefetch_related
    case("prefetch-unknown", lambda s: T.prefetch_related("nope"), FieldError, "nope"),
    case("prefetch-int", lambda s: T.prefetch_related(5), InvalidArgumentError, "5"),
    case("prefetch-plain-field", lambda s: T.prefetch_related("name"), FieldError, "name"),
    # organizations
    case("in_org-int", lambda s: T.in_org(123), InvalidArgumentError, "organization"),
    case("in_org-list", lambda s: T.in_org(["org1"]), InvalidArgumentError, "organization"),
    case("organization-int", lambda s: T.organization(5), InvalidArgumentError, "organization"),
    case(
        "organization-dict",
        lambda s: T.organization({"slug": "org1"}),
        InvalidArgumentError,
        "organization",
    ),
    case("using-int", lambda s: list(T.using(5)), InvalidArgumentError, "using"),
    case("using-unknown-alias", lambda s: list(T.using("nowhere")), ConfigurationError, "nowhere"),
    # writing through querysets
    case("get_or_create-unknown", lambda s: T.get_or_create(nmae="x"), FieldError, "nmae"),
    case(
        "get_or_create-defaults-not-dict",
        lambda s: T.get_or_create(name="x", defaults=5),
        InvalidArgumentError,
        "defaults",
    ),
    case(
        "get_or_create-defaults-unknown",
        lambda s: T.get_or_create(name="x", defaults={"nmae": 1}),
        FieldError,
        "nmae",
    ),
    case(
        "update_or_create-unknown",
        lambda s: T.update_or_create(name="x", defaults={"nmae": 1}),
        FieldError,
        "nmae",
    ),
    case("update-unknown", lambda s: T.filter(id=2).update(nmae="x"), FieldError, "nmae"),
    case("update-blank-name", lambda s: T.filter(id=2).update(name=""), ValidationError, "name"),
    case("update-read-only", lambda s: T.filter(id=2).update(size=5), ValidationError, "size"),
    case(
        "update-create-only", lambda s: T.filter(id=2).update(overlap=3), ValidationError, "overlap"
    ),
    case(
        "update-job-state",
        lambda s: J.filter(id=2).update(state="finished"),
        ValidationError,
        "state",
    ),
    case(
        "update-bad-filter",
        lambda s: J.filter(state="finished").update(stage="validation"),
        InvalidArgumentError,
        "finished",
    ),
    case("create-unknown", lambda s: T.create(nmae="x"), FieldError, "nmae"),
    case(
        "create-blank-name",
        lambda s: T.create(name="", labels=[{"name": "a"}]),
        ValidationError,
        "name",
    ),
    case(
        "create-name-None",
        lambda s: T.create(name=None, labels=[{"name": "a"}]),
        ValidationError,
        "name",
    ),
    case("create-read-only", lambda s: T.create(name="x", id=5), ValidationError, "id"),
    case("create-spec-not-mapping", lambda s: T.create("name"), InvalidArgumentError, "spec"),
    case("create-spec-unknown", lambda s: T.create({"name": "x", "nmae": 1}), FieldError, "nmae"),
    case(
        "create-webhook-bad-type",
        lambda s: Webhook.objects.create(
            target_url="http://127.0.0.1:1", type="team", events=["create:task"]
        ),
        ValidationError,
        "type",
    ),
    case("create-job-no-type", lambda s: J.create(task_id=2), ValidationError, "type"),
    case("delete-bad-filter", lambda s: J.filter(state=5).delete(), InvalidArgumentError, "5"),
    # combining
    case("or-two-models", lambda s: T.all() | J.all(), InvalidArgumentError, "Job"),
    case("and-two-models", lambda s: T.all() & J.all(), InvalidArgumentError, "Job"),
    case("or-not-a-queryset", lambda s: T.all() | 5, InvalidArgumentError, "5"),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_queryset_input(bad: Case, check_case: Any) -> None:
    check_case(bad)
