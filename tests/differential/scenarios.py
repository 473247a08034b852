
"""The request sequences sent to both servers, by group (one recorded file per group).

Seed users (CVAT 2.64's REST-test database; it has no "business" group any more, so the
"user"-group accounts play the paying customer): ``admin1`` (superuser), ``user1`` ("user" group,
owner of org1 and org3), ``worker1`` ("worker" group, a worker in org1), ``lonely_user`` ("user"
group, in no organization), ``dummy1`` (no group at all).

Every scenario deletes what it creates (its cleanup), so it can run any number of times against
a real server without a reset and leaves the seed data as it found it.
"""

from __future__ import annotations

import struct
import zlib

from differential.engine import Scenario, Step

USERS = ("admin1", "user1", "worker1", "lonely_user", "dummy1")
LONG_NAME = "n" * 257


def png(width: int = 8, height: int = 6, seed: int = 0) -> bytes:
    """A tiny RGB PNG, with zlib only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(
        b"\x00" + bytes((x * 7 + seed) % 256 for x in range(width) for _ in range(3))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def images(count: int) -> dict[str, tuple[str, bytes, str]]:
    return {
        f"client_files[{n}]": (f"image_{n}.png", png(8, 6, n), "image/png") for n in range(count)
    }


def _task(name: str, **extra: object) -> Step:
    return Step(
        "POST",
        "/api/tasks",
        json={"name": name, "labels": [{"name": "car"}], **extra},
        capture={"task": "id"},
        compare="shape",
        note="make a task",
    )


DELETE_TASK = Step("DELETE", "/api/tasks/{task}")
DELETE_PROJECT = Step("DELETE", "/api/projects/{project}")


# --------------------------------------------------------------------------- server and auth

SERVER = (
    Scenario(
        "about",
        (
            Step("GET", "/api/server/about", user=None),
            Step("GET", "/api/server/plugins", compare="shape"),
            Step("GET", "/api/schema/", user=None, params={"scheme": "json"}, compare="status"),
        ),
    ),
    Scenario(
        "unknown paths and methods",
        (
            Step("GET", "/api/nothing-here", compare="status"),
            Step("PUT", "/api/tasks/1", json={}),
            Step("POST", "/api/users", json={}),
            Step("GET", "/api/tasks/", compare="status", note="trailing slash"),
        ),
    ),
    Scenario(
        "authentication",
        (
            Step("GET", "/api/tasks", user=None, note="anonymous"),
            Step(
                "POST",
                "/api/auth/login",
                user=None,
                json={"username": "admin1", "password": "wrong"},
                note="bad password",
            ),
            Step(
                "POST",
                "/api/auth/login",
                user=None,
                json={"username": "admin1"},
                note="no password",
            ),
            Step(
                "POST",
                "/api/auth/login",
                user=None,
                json={"username": "admin1", "password": "!Q@W#E$R"},
                compare="shape",
            ),
            Step("GET", "/api/users/self", compare="exact"),
            Step("GET", "/api/users/self", user="worker1"),
        ),
    ),
    Scenario(
        "access tokens",
        (
            Step("GET", "/api/auth/access_tokens", user="user1"),
            Step(
                "POST",
                "/api/auth/access_tokens",
                user="user1",
                json={"name": ""},
                note="blank name",
            ),
            Step(
                "POST",
                "/api/auth/access_tokens",
                user="user1",
                json={"name": LONG_NAME},
                note="over-long name",
            ),
            Step(
                "POST",
                "/api/auth/access_tokens",
                user="user1",
                json={"name": "differential", "expiry_date": "2001-01-01T00:00:00Z"},
                capture={"past_token": "id"},
                note="expiry in the past",
            ),
            Step(
                "POST",
                "/api/auth/access_tokens",
                user="user1",
                json={"name": "differential"},
                capture={"token": "id"},
                compare="shape",
            ),
            Step("GET", "/api/auth/access_tokens/{token}", user="user1", compare="shape"),
            Step("GET", "/api/auth/access_tokens/{token}", user="user2", note="someone else's"),
            Step("PATCH", "/api/auth/access_tokens/{token}", user="user1", json={"name": "  "}),
            Step(
                "GET",
                "/api/auth/access_tokens",
                user="user1",
                params={"sort": "nonsense"},
                note="bad sort key",
            ),
            Step("DELETE", "/api/auth/access_tokens/{token}", user="user1"),
            Step("GET", "/api/auth/access_tokens/{token}", user="user1"),
        ),
        cleanup=(
            Step("DELETE", "/api/auth/access_tokens/{token}", user="user1"),
            Step("DELETE", "/api/auth/access_tokens/{past_token}", user="user1"),
        ),
    ),
)


# --------------------------------------------------------------------------- lists

_LISTED = (
    "users",
    "organizations",
    "memberships",
    "invitations",
    "projects",
    "tasks",
    "jobs",
    "labels",
    "issues",
    "comments",
)


def _list_steps(resource: str) -> tuple[Step, ...]:
    path = f"/api/{resource}"
    return (
        Step("GET", path, params={"page_size": 3}, note="first page"),
        Step("GET", path, params={"page_size": 3, "page": 2}, compare="shape", note="second page"),
        Step("GET", path, params={"page": 1000}, note="page past the end"),
        Step("GET", path, params={"page": "x"}, note="page not a number"),
        Step("GET", path, params={"page_size": 0}, compare="shape", note="page_size 0"),
        Step("GET", path, params={"page_size": "abc"}, compare="shape", note="page_size text"),
        Step("GET", path, params={"sort": "-id", "page_size": 5}, compare="shape"),
        Step("GET", path, params={"sort": "nonsense"}, note="bad sort key"),
        Step("GET", path, params={"filter": "{not json"}, note="filter not JSON"),
        Step(
            "GET",
            path,
            params={"filter": '{"==": [{"var": "nonsense"}, 1]}'},
            note="filter on an unknown field",
        ),
        Step(
            "GET",
            path,
            params={"filter": '{"nope": [{"var": "id"}, 1]}'},
            note="unknown filter operator",
        ),
        Step(
            "GET",
            path,
            params={"filter": '{"<": [{"var": "id"}, 5]}', "sort": "id"},
            compare="shape",
        ),
        Step("GET", path, params={"search": "a", "sort": "id", "page_size": 100}, compare="shape"),
    )


BY_OWNER = '{"and": [{"==": [{"var": "owner"}, "user1"]}]}'
IN_STATUSES = '{"in": [{"var": "status"}, ["annotation", "completed"]]}'

LISTS = (
    *(Scenario(f"list {resource}", _list_steps(resource)) for resource in _LISTED),
    Scenario(
        "list filters by field",
        (
            Step("GET", "/api/tasks", params={"project_id": 1, "sort": "id"}, compare="shape"),
            Step("GET", "/api/tasks", params={"project_id": "x"}),
            Step("GET", "/api/tasks", params={"name": "task1", "sort": "id"}, compare="shape"),
            Step(
                "GET", "/api/tasks", params={"sort": "name,-id", "page_size": 100}, compare="shape"
            ),
            Step("GET", "/api/tasks", params={"sort": "-updated_date,id"}, compare="status"),
            Step("GET", "/api/jobs", params={"task_id": 2, "sort": "id"}, compare="shape"),
            Step(
                "GET",
                "/api/jobs",
                params={"state": "new", "sort": "id", "page_size": 100},
                compare="shape",
            ),
            Step("GET", "/api/jobs", params={"stage": "nonsense"}),
            Step("GET", "/api/labels", params={"task_id": 2, "sort": "id"}, compare="shape"),
            Step("GET", "/api/labels", params={"job_id": 2}, compare="shape"),
            Step("GET", "/api/users", params={"username": "user1"}, compare="shape"),
            Step(
                "GET", "/api/projects", params={"filter": BY_OWNER, "sort": "id"}, compare="shape"
            ),
            Step(
                "GET",
                "/api/tasks",
                params={"filter": IN_STATUSES, "sort": "id", "page_size": 100},
                compare="shape",
            ),
            Step(
                "GET",
                "/api/tasks",
                params={"filter": '{"==": [{"var": "id"}, "abc"]}'},
                note="filter value of the wrong type",
                compare="status",
            ),
            Step("GET", "/api/tasks", params={"filter": "[]"}, note="filter not an object"),
        ),
    ),
)


# --------------------------------------------------------------------------- retrieve

RETRIEVE = (
    Scenario(
        "retrieve seed objects",
        (
            Step("GET", "/api/tasks/2"),
            Step("GET", "/api/projects/1"),
            Step("GET", "/api/jobs/2"),
            Step("GET", "/api/issues/1"),
            Step("GET", "/api/comments/1"),
            Step("GET", "/api/organizations/1"),
            Step("GET", "/api/memberships/1"),
            Step("GET", "/api/users/2"),
            Step(
                "GET",
                "/api/labels",
                params={"task_id": 2, "sort": "id", "page_size": 1},
                capture={"label": "results.0.id"},
            ),
            Step("GET", "/api/labels/{label}"),
        ),
    ),
    Scenario(
        "retrieve what is not there",
        (
            Step("GET", "/api/tasks/100000"),
            Step("GET", "/api/tasks/abc", compare="status"),
            Step("GET", "/api/projects/100000"),
            Step("GET", "/api/jobs/100000"),
            Step("GET", "/api/labels/100000"),
            Step("GET", "/api/issues/100000"),
            Step("GET", "/api/comments/100000"),
            Step("GET", "/api/users/100000"),
            Step("GET", "/api/organizations/100000"),
            Step("GET", "/api/memberships/100000"),
            Step("GET", "/api/invitations/nonexistent"),
            Step("GET", "/api/requests/nonexistent"),
            Step("GET", "/api/tasks/2", params={"owner": "nobody"}, note="filters apply"),
        ),
    ),
)


# --------------------------------------------------------------------------- permissions


def _seen_by(user: str) -> tuple[Step, ...]:
    return (
        Step(
            "GET", "/api/tasks", user=user, params={"sort": "id", "page_size": 100}, compare="shape"
        ),
        Step(
            "GET",
            "/api/projects",
            user=user,
            params={"sort": "id", "page_size": 100},
            compare="shape",
        ),
        Step(
            "GET", "/api/jobs", user=user, params={"sort": "id", "page_size": 100}, compare="shape"
        ),
        Step(
            "GET", "/api/users", user=user, params={"sort": "id", "page_size": 100}, compare="shape"
        ),
        Step("GET", "/api/organizations", user=user, params={"sort": "id"}, compare="shape"),
        Step(
            "GET",
            "/api/memberships",
            user=user,
            params={"sort": "id", "page_size": 100},
            compare="shape",
        ),
        Step(
            "GET",
            "/api/tasks",
            user=user,
            headers={"X-Organization": "org1"},
            params={"sort": "id", "page_size": 100},
            compare="shape",
            note="in org1",
        ),
        Step("GET", "/api/tasks/1", user=user),
        Step("GET", "/api/tasks/14", user=user),
        Step("GET", "/api/projects/1", user=user),
        Step("GET", "/api/jobs/2", user=user),
        Step("GET", "/api/users/1", user=user),
        Step("GET", "/api/organizations/2", user=user),
        Step(
            "PATCH",
            "/api/tasks/2",
            user=user,
            json={"name": ""},
            note="permission before validation; nothing changes",
        ),
        Step("DELETE", "/api/tasks/100000", user=user),
        Step(
            "PATCH",
            "/api/projects/1",
            user=user,
            params={"org": "org3"},
            json={"name": ""},
            note="in an organization that does not hold it",
        ),
    )


def _create_as(user: str) -> Scenario:
    return Scenario(
        f"{user} creates and deletes",
        (
            Step(
                "POST",
                "/api/projects",
                user=user,
                json={"name": "differential"},
                capture={"project": "id"},
                compare="shape",
            ),
            Step("GET", "/api/projects/{project}", user="worker1", note="another user"),
            Step("PATCH", "/api/projects/{project}", user="dummy1", json={"name": "x"}),
            Step("DELETE", "/api/projects/{project}", user="lonely_user"),
            Step(
                "POST",
                "/api/projects",
                user=user,
                headers={"X-Organization": "org1"},
                json={"name": "differential"},
                capture={"org_project": "id"},
                compare="shape",
                note="in org1",
            ),
            Step("DELETE", "/api/projects/{project}", user=user),
            Step("DELETE", "/api/projects/{org_project}", user=user),
        ),
        cleanup=(
            Step("DELETE", "/api/projects/{project}"),
            Step("DELETE", "/api/projects/{org_project}"),
        ),
    )


PERMISSIONS = tuple(Scenario(f"seen by {user}", _seen_by(user)) for user in USERS) + tuple(
    _create_as(user) for user in USERS
)


# --------------------------------------------------------------------------- organizations

ORGANIZATIONS = (
    Scenario(
        "organization header conflicts",
        (
            Step(
                "GET",
                "/api/tasks",
                user="user1",
                headers={"X-Organization": "org1"},
                params={"org": "org2"},
                note="header and org disagree",
            ),
            Step(
                "GET",
                "/api/tasks",
                user="user1",
                headers={"X-Organization": "org1"},
                params={"org_id": 2},
                note="header and org_id disagree",
            ),
            Step(
                "GET",
                "/api/tasks",
                user="user1",
                params={"org": "org1", "org_id": 2},
                note="org and org_id disagree",
            ),
            Step(
                "GET",
                "/api/tasks",
                user="user1",
                params={"org": "org1", "org_id": 1},
                compare="shape",
                note="org and org_id agree",
            ),
            Step("GET", "/api/tasks", user="user1", headers={"X-Organization": "nonexistent"}),
            Step("GET", "/api/tasks", user="user1", params={"org_id": 100000}),
            Step("GET", "/api/tasks", user="user1", params={"org_id": "x"}),
            Step(
                "GET",
                "/api/tasks",
                user="lonely_user",
                headers={"X-Organization": "org1"},
                note="not a member",
            ),
            Step(
                "GET",
                "/api/tasks",
                user="user1",
                headers={"X-Organization": ""},
                params={"sort": "id"},
                compare="shape",
                note="personal workspace",
            ),
            Step(
                "POST",
                "/api/projects",
                user="worker1",
                headers={"X-Organization": "org1"},
                json={"name": "differential"},
                note="a worker cannot create",
            ),
            Step(
                "POST",
                "/api/projects",
                user="lonely_user",
                headers={"X-Organization": "org2"},
                json={"name": "differential"},
                note="not a member",
            ),
        ),
    ),
    Scenario(
        "organization lifecycle",
        (
            Step(
                "POST",
                "/api/organizations",
                user="user2",
                json={"slug": "", "name": "x"},
                note="blank slug",
            ),
            Step(
                "POST",
                "/api/organizations",
                user="user2",
                json={"slug": "bad slug!"},
                note="invalid slug",
            ),
            Step(
                "POST", "/api/organizations", user="user2", json={"slug": "org1"}, note="slug taken"
            ),
            Step(
                "POST",
                "/api/organizations",
                user="user2",
                json={"slug": "differential", "name": "Differential"},
                capture={"org": "id"},
                compare="shape",
            ),
            Step(
                "GET",
                "/api/memberships",
                user="user2",
                params={"org": "differential"},
                compare="fresh",
            ),
            Step(
                "POST",
                "/api/invitations",
                user="user2",
                params={"org": "differential"},
                json={"role": "owner", "email": "user3@cvat.org"},
                note="owner role",
            ),
            Step(
                "POST",
                "/api/invitations",
                user="user2",
                params={"org": "differential"},
                json={"role": "worker", "email": "user3@cvat.org"},
                capture={"invitation": "key"},
                compare="shape",
            ),
            Step(
                "POST",
                "/api/invitations/{invitation}/accept",
                user="user4",
                note="someone else's invitation",
            ),
            Step("POST", "/api/invitations/{invitation}/accept", user="user3", compare="shape"),
            Step(
                "GET", "/api/tasks", user="user3", params={"org": "differential"}, compare="shape"
            ),
            Step(
                "PATCH",
                "/api/organizations/{org}",
                user="user3",
                json={"name": "y"},
                note="a worker cannot rename",
            ),
            Step("DELETE", "/api/organizations/{org}", user="user2"),
            Step("GET", "/api/organizations/{org}", user="user2"),
        ),
        cleanup=(Step("DELETE", "/api/organizations/{org}"),),
    ),
)


# --------------------------------------------------------------------------- validation

VALIDATION = (
    Scenario(
        "task and project fields",
        (
            Step(
                "POST",
                "/api/tasks",
                capture={"made1": "id"},
                json={"name": "   ", "labels": [{"name": "car"}]},
                note="blank name",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made2": "id"},
                json={"name": "", "labels": [{"name": "car"}]},
                note="empty name",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made3": "id"},
                json={"name": LONG_NAME, "labels": [{"name": "car"}]},
                note="over-long name",
            ),
            Step(
                "POST", "/api/tasks", capture={"made4": "id"}, json={"name": "x"}, note="no labels"
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made5": "id"},
                json={"name": "x", "labels": [{"name": ""}]},
                note="blank label name",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made6": "id"},
                json={"name": "x", "labels": [{"name": "a"}, {"name": "a"}]},
                note="duplicate label names",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made7": "id"},
                json={"name": "x", "labels": [{"name": "a"}], "project_id": 1},
                note="labels and project",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made8": "id"},
                json={"name": "x", "project_id": 100000},
                note="unknown project",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made9": "id"},
                json={"name": "x", "labels": [{"name": "a"}], "segment_size": -1},
                note="negative segment size",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made10": "id"},
                json={"name": "x", "labels": [{"name": "a"}], "overlap": "lots"},
                note="overlap not a number",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made11": "id"},
                json={"name": "x", "labels": [{"name": "a"}], "assignee_id": 100000},
                note="unknown assignee",
            ),
            Step(
                "POST",
                "/api/tasks",
                capture={"made12": "id"},
                json=[],
                note="a list, not an object",
            ),
            Step(
                "POST",
                "/api/projects",
                capture={"made13": "id"},
                json={"name": "   "},
                note="blank name",
            ),
            Step(
                "POST",
                "/api/projects",
                capture={"made14": "id"},
                json={"name": LONG_NAME},
                note="over-long name",
            ),
            Step("POST", "/api/projects", capture={"made15": "id"}, json={}, note="no name"),
            Step(
                "POST",
                "/api/projects",
                capture={"made16": "id"},
                json={"name": "x", "labels": [{"name": "a", "type": "nope"}]},
                note="unknown label type",
            ),
            Step("PATCH", "/api/tasks/2", json={"name": "   "}, note="blank rename"),
            Step("PATCH", "/api/tasks/2", json={"name": LONG_NAME}, note="over-long rename"),
            Step("PATCH", "/api/jobs/2", json={"stage": "nonsense"}),
            Step("PATCH", "/api/jobs/2", json={"state": "nonsense"}),
            Step("PATCH", "/api/jobs/2", json={"assignee": 100000}),
            Step(
                "POST",
                "/api/issues",
                json={"frame": 0, "position": [1, 2], "job": 2},
                note="issue without a message",
            ),
            Step(
                "POST",
                "/api/issues",
                json={"frame": 0, "position": [], "job": 2, "message": "x"},
                note="empty position",
            ),
            Step("POST", "/api/comments", json={"issue": 1, "message": ""}, note="empty comment"),
            Step(
                "POST",
                "/api/comments",
                json={"issue": 100000, "message": "x"},
                note="unknown issue",
            ),
        ),
        cleanup=(  # what the real server accepts after all (a task without labels)
            Step("DELETE", "/api/tasks/{made1}"),
            Step("DELETE", "/api/tasks/{made2}"),
            Step("DELETE", "/api/tasks/{made3}"),
            Step("DELETE", "/api/tasks/{made4}"),
            Step("DELETE", "/api/tasks/{made5}"),
            Step("DELETE", "/api/tasks/{made6}"),
            Step("DELETE", "/api/tasks/{made7}"),
            Step("DELETE", "/api/tasks/{made8}"),
            Step("DELETE", "/api/tasks/{made9}"),
            Step("DELETE", "/api/tasks/{made10}"),
            Step("DELETE", "/api/tasks/{made11}"),
            Step("DELETE", "/api/tasks/{made12}"),
            Step("DELETE", "/api/projects/{made13}"),
            Step("DELETE", "/api/projects/{made14}"),
            Step("DELETE", "/api/projects/{made15}"),
            Step("DELETE", "/api/projects/{made16}"),
        ),
    ),
    Scenario(
        "task data parameters",
        (
            _task("differential data"),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "frame_filter": "step=0"},
                files=images(1),
                note="frame step 0",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "frame_filter": ""},
                files=images(1),
                note="blank frame filter",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 101},
                files=images(1),
                note="image quality 101",
            ),
            Step(
                "POST", "/api/tasks/{task}/data/", data={}, files=images(1), note="no image quality"
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "chunk_size": 0},
                files=images(1),
                note="chunk size 0",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "chunk_size": "x"},
                files=images(1),
                note="chunk size not a number",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "sorting_method": "x"},
                files=images(1),
                note="unknown sorting method",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70, "start_frame": 2, "stop_frame": 1},
                files=images(1),
                note="stop before start",
            ),
            Step("GET", "/api/tasks/{task}/data/meta", note="before any data"),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 0, "frame_filter": "step= 1"},
                files=images(1),
                capture={"rq_id": "rq_id"},
                compare="shape",
                note="image quality 0",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70},
                files=images(1),
                note="more data while the first is created",
            ),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                json={"image_quality": 70},
                note="more data, with no files",
            ),
        ),
        cleanup=(Step("DELETE", "/api/tasks/{task}", after="rq_id"), DELETE_TASK),
    ),
)


# --------------------------------------------------------------------------- task life and data

DATA = (
    Scenario(
        "task with data",
        (
            _task("differential images", segment_size=2),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70},
                files=images(3),
                capture={"rq_id": "rq_id"},
                wait=True,
                compare="shape",
            ),
            Step("GET", "/api/tasks/{task}", compare="shape"),
            Step("GET", "/api/tasks/{task}/data/meta", compare="shape"),
            Step(
                "GET",
                "/api/jobs",
                params={"task_id": "{task}", "sort": "id"},
                compare="fresh",
                capture={"job": "results.0.id"},
            ),
            Step(
                "GET",
                "/api/tasks/{task}/data/",
                params={"type": "frame", "number": 0, "quality": "original"},
                compare="status",
            ),
            Step(
                "GET",
                "/api/tasks/{task}/data/",
                params={"type": "frame", "number": -1, "quality": "original"},
            ),
            Step(
                "GET",
                "/api/tasks/{task}/data/",
                params={"type": "frame", "number": 3, "quality": "original"},
            ),
            Step("GET", "/api/tasks/{task}/data/", params={"type": "frame", "number": "x"}),
            Step("GET", "/api/tasks/{task}/data/", params={"type": "nonsense", "number": 0}),
            Step(
                "GET",
                "/api/tasks/{task}/data/",
                params={"type": "chunk", "number": 0, "quality": "compressed"},
                compare="status",
            ),
            Step("GET", "/api/tasks/{task}/data/", params={"type": "chunk", "number": 100}),
            Step("GET", "/api/tasks/{task}/preview", compare="status"),
            Step("GET", "/api/jobs/{job}/data/meta", compare="shape"),
            Step(
                "GET",
                "/api/jobs/{job}/data",
                params={"type": "frame", "number": 2, "quality": "original"},
                note="a frame outside the job",
            ),
            Step("GET", "/api/tasks/{task}/annotations/", compare="exact"),
            Step(
                "PUT",
                "/api/tasks/{task}/annotations/",
                json={
                    "shapes": [
                        {
                            "frame": 0,
                            "label_id": 100000,
                            "type": "rectangle",
                            "points": [1, 2, 3, 4],
                        }
                    ]
                },
                compare="status",
                note="unknown label",
            ),
            Step(
                "GET",
                "/api/labels",
                params={"task_id": "{task}"},
                capture={"label": "results.0.id"},
                compare="fresh",
            ),
            Step(
                "PUT",
                "/api/tasks/{task}/annotations/",
                json={
                    "version": 0,
                    "tags": [],
                    "tracks": [],
                    "shapes": [
                        {
                            "frame": 0,
                            "label_id": "{label}",
                            "type": "rectangle",
                            "points": [1, 2, 3, 4],
                        }
                    ],
                },
                compare="shape",
            ),
            Step("GET", "/api/jobs/{job}/annotations/", compare="shape"),
            Step(
                "PATCH",
                "/api/tasks/{task}/annotations/",
                params={"action": "nonsense"},
                json={"shapes": []},
            ),
            Step("POST", "/api/tasks/{task}/dataset/export", params={"format": "nonsense"}),
            Step(
                "POST",
                "/api/tasks/{task}/dataset/export",
                params={"format": "CVAT for images 1.1", "save_images": False},
                capture={"rq_id": "rq_id"},
                wait=True,
                compare="shape",
            ),
            Step("GET", "/api/requests/{rq_id}", compare="shape"),
            Step(
                "POST",
                "/api/tasks/{task}/backup/export",
                capture={"rq_id": "rq_id"},
                wait=True,
                compare="shape",
            ),
            Step("GET", "/api/requests/{rq_id}", compare="shape"),
            Step("GET", "/api/requests/{rq_id}", user="user2", note="another user's request"),
            Step("POST", "/api/requests/{rq_id}/cancel", note="cancel a finished request"),
            Step("DELETE", "/api/tasks/{task}/annotations/"),
            Step("DELETE", "/api/tasks/{task}"),
            Step("GET", "/api/tasks/{task}"),
            Step("GET", "/api/jobs/{job}"),
        ),
        cleanup=(DELETE_TASK,),
    ),
    Scenario(
        "task in a project",
        (
            Step(
                "POST",
                "/api/projects",
                json={
                    "name": "differential",
                    "labels": [
                        {
                            "name": "car",
                            "attributes": [
                                {
                                    "name": "color",
                                    "mutable": False,
                                    "input_type": "select",
                                    "values": ["red", "blue"],
                                    "default_value": "red",
                                }
                            ],
                        }
                    ],
                },
                capture={"project": "id"},
                compare="shape",
            ),
            Step(
                "POST",
                "/api/tasks",
                json={"name": "in project", "project_id": "{project}"},
                capture={"task": "id"},
                compare="shape",
            ),
            Step("GET", "/api/tasks", params={"project_id": "{project}"}, compare="fresh"),
            Step("GET", "/api/labels", params={"project_id": "{project}"}, compare="fresh"),
            Step("PATCH", "/api/tasks/{task}", json={"project_id": 100000}),
            Step(
                "PATCH",
                "/api/projects/{project}",
                json={"labels": [{"name": "car"}]},
                note="a label name taken",
            ),
            Step("PATCH", "/api/projects/{project}", json={"name": "   "}),
            Step("DELETE", "/api/projects/{project}"),
            Step("GET", "/api/tasks/{task}"),
        ),
        cleanup=(DELETE_TASK, DELETE_PROJECT),
    ),
)


# --------------------------------------------------------------------------- background work

BACKGROUND = (
    Scenario(
        "delete during data creation",
        (
            _task("differential delete during data"),
            Step(
                "POST",
                "/api/tasks/{task}/data/",
                data={"image_quality": 70},
                files=images(40),
                capture={"rq_id": "rq_id"},
                compare="shape",
            ),
            Step(
                "DELETE",
                "/api/tasks/{task}",
                compare="status",
                note="while the data is being created",
            ),
            Step("GET", "/api/requests/{rq_id}", compare="status"),
        ),
        cleanup=(Step("DELETE", "/api/tasks/{task}", after="rq_id"), DELETE_TASK),
    ),
    Scenario(
        "requests list",
        (
            Step(
                "GET",
                "/api/requests",
                params={"sort": "nonsense"},
                compare="status",
                note="the list holds earlier runs' requests too",
            ),
            Step("GET", "/api/requests", params={"filter": "{bad"}),
            Step("GET", "/api/requests", params={"status": "nonsense"}, compare="status"),
            Step("GET", "/api/requests", params={"page_size": 1}, compare="status"),
            Step("POST", "/api/requests/nonexistent/cancel"),
            Step("POST", "/api/tasks/100000/backup/export"),
            Step("POST", "/api/tasks/2/backup/export", user="worker1", note="no permission"),
            Step(
                "POST",
                "/api/projects/100000/dataset/export",
                params={"format": "CVAT for images 1.1"},
            ),
        ),
    ),
)


# --------------------------------------------------------------------------- the other endpoints

MORE = (
    Scenario(
        "users and tokens",
        (
            Step("GET", "/api/auth/access_tokens/self", user="user1", note="not a token login"),
            Step(
                "PATCH",
                "/api/users/2",
                user="user1",
                json={"first_name": "User"},
                note="self, same value",
            ),
            Step(
                "PATCH", "/api/users/3", user="user1", json={"first_name": "x"}, note="someone else"
            ),
            Step(
                "PATCH", "/api/users/2", user="user1", json={"username": ""}, note="blank username"
            ),
            Step("PATCH", "/api/users/2", user="user1", json={"email": "not an e-mail"}),
            Step("DELETE", "/api/users/3", user="user1", note="someone else"),
            Step("DELETE", "/api/users/100000"),
        ),
    ),
    Scenario(
        "labels",
        (
            Step(
                "GET",
                "/api/labels",
                params={"task_id": 2, "sort": "id", "page_size": 1},
                capture={"label": "results.0.id"},
            ),
            Step("PATCH", "/api/labels/{label}", user="worker1", json={"name": ""}),
            Step("PATCH", "/api/labels/{label}", json={"name": ""}, note="blank name"),
            Step("DELETE", "/api/labels/{label}", user="worker1"),
            Step("DELETE", "/api/labels/100000"),
        ),
    ),
    Scenario(
        "issues and comments",
        (
            Step(
                "POST",
                "/api/issues",
                json={
                    "frame": 0,
                    "position": [1.0, 2.0, 3.0, 4.0],
                    "job": 2,
                    "message": "differential",
                },
                capture={"issue": "id"},
                compare="shape",
            ),
            Step("GET", "/api/issues/{issue}", user="worker1", compare="shape"),
            Step("GET", "/api/issues/{issue}", user="lonely_user"),
            Step("PATCH", "/api/issues/{issue}", json={"resolved": True}, compare="shape"),
            Step("PATCH", "/api/issues/{issue}", json={"resolved": "maybe"}),
            Step("PATCH", "/api/issues/{issue}", user="dummy1", json={"resolved": False}),
            Step("GET", "/api/comments", params={"issue_id": "{issue}"}, compare="fresh"),
            Step(
                "POST",
                "/api/comments",
                json={"issue": "{issue}", "message": "more"},
                capture={"comment": "id"},
                compare="shape",
            ),
            Step("PATCH", "/api/comments/{comment}", json={"message": "   "}, note="blank message"),
            Step("PATCH", "/api/comments/{comment}", user="worker1", json={"message": "x"}),
            Step("DELETE", "/api/comments/{comment}", user="lonely_user"),
            Step("DELETE", "/api/comments/{comment}"),
            Step("GET", "/api/comments/{comment}"),
            Step("DELETE", "/api/issues/{issue}", user="worker1"),
            Step("DELETE", "/api/issues/{issue}"),
            Step("GET", "/api/comments", params={"issue_id": "{issue}"}, compare="fresh"),
        ),
        cleanup=(Step("DELETE", "/api/issues/{issue}"),),
    ),
    Scenario(
        "memberships and invitations",
        (
            Step(
                "GET",
                "/api/invitations",
                user="user1",
                params={"org": "org1", "sort": "created_date"},
                compare="shape",
            ),
            Step(
                "PATCH",
                "/api/memberships/2",
                user="worker1",
                json={"role": "owner"},
                note="a worker promotes itself",
            ),
            Step(
                "PATCH",
                "/api/memberships/1",
                user="user1",
                json={"role": "worker"},
                note="the owner's membership",
            ),
            Step("PATCH", "/api/memberships/2", user="user1", json={"role": "nonsense"}),
            Step("DELETE", "/api/memberships/1", user="user1", note="the owner's membership"),
            Step("DELETE", "/api/memberships/100000"),
            Step("POST", "/api/invitations/nonexistent/decline", user="user1"),
            Step("POST", "/api/invitations/nonexistent/resend", user="user1"),
            Step("PATCH", "/api/invitations/nonexistent", user="user1", json={"role": "worker"}),
            Step("DELETE", "/api/invitations/nonexistent", user="user1"),
            Step(
                "POST",
                "/api/invitations",
                user="worker1",
                headers={"X-Organization": "org1"},
                json={"role": "worker", "email": "user6@cvat.org"},
                note="a worker invites",
            ),
            Step(
                "POST",
                "/api/invitations",
                user="user1",
                headers={"X-Organization": "org1"},
                json={"role": "worker", "email": "user2@cvat.org"},
                note="user2 is not in org1 yet",
                capture={"invitation": "key"},
                compare="shape",
            ),
            Step(
                "POST",
                "/api/invitations",
                user="user1",
                headers={"X-Organization": "org1"},
                json={"role": "worker", "email": "worker1@cvat.org"},
                note="already a member",
            ),
            Step(
                "GET",
                "/api/memberships",
                user="user1",
                params={"org": "org1", "user": "user2"},
                compare="fresh",
                capture={"membership": "results.0.id"},
            ),
            Step("DELETE", "/api/invitations/{invitation}", user="user1"),
            Step(
                "GET",
                "/api/memberships",
                user="user1",
                params={"org": "org1", "user": "user2"},
                compare="fresh",
            ),
        ),
        cleanup=(
            Step("DELETE", "/api/invitations/{invitation}"),
            Step("DELETE", "/api/memberships/{membership}"),
        ),
    ),
    Scenario(
        "jobs, exports and imports",
        (
            Step(
                "POST",
                "/api/jobs",
                json={"type": "ground_truth", "task_id": 2},
                note="no frame selection",
                capture={"gt": "id"},
            ),
            Step(
                "POST",
                "/api/jobs",
                json={"type": "annotation", "task_id": 2},
                capture={"job": "id"},
            ),
            Step(
                "POST",
                "/api/jobs",
                json={
                    "type": "ground_truth",
                    "task_id": 100000,
                    "frame_selection_method": "random_uniform",
                    "frame_count": 1,
                },
            ),
            Step("DELETE", "/api/jobs/2", note="an annotation job"),
            Step("PATCH", "/api/tasks/2/data/meta", json={"deleted_frames": "x"}),
            Step("POST", "/api/jobs/2/dataset/export", params={"format": "nonsense"}),
            Step(
                "POST",
                "/api/jobs/2/dataset/export",
                user="dummy1",
                params={"format": "CVAT for images 1.1"},
            ),
            Step("POST", "/api/projects/100000/backup/export"),
            Step("POST", "/api/projects/1/backup/export", user="worker1"),
            Step("POST", "/api/tasks/backup/", json={}, compare="status", note="no file"),
            Step("POST", "/api/projects/backup/", json={}, compare="status", note="no file"),
            Step(
                "POST", "/api/tasks/2/annotations/", params={"format": "nonsense"}, compare="status"
            ),
            Step("POST", "/api/requests/nonexistent/cancel", user="user1"),
        ),
        cleanup=(Step("DELETE", "/api/jobs/{gt}"), Step("DELETE", "/api/jobs/{job}")),
    ),
)


GROUPS: dict[str, tuple[Scenario, ...]] = {
    "server": SERVER,
    "lists": LISTS,
    "retrieve": RETRIEVE,
    "permissions": PERMISSIONS,
    "organizations": ORGANIZATIONS,
    "validation": VALIDATION,
    "data": DATA,
    "background": BACKGROUND,
    "more": MORE,
}
