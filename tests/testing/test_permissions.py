"""LocalCVAT's IAM rules on the seed data, case by case from CVAT 2.64's rego files.

Who is who in the seed: admin1 is a superuser; user1..user10 are in the "user" group, worker1..4 in
"worker", dummy1..4 in none. org1 (owner user1): user7 and user8 maintainers, user4 and user5
supervisors, worker1 and worker2 workers. org2 (owner user7): user4 and user8 maintainers, user2
and user3 supervisors, worker2, worker3 and user5 workers. org3: only its owner user1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cvatorm.testing.errors import HttpError
from cvatorm.testing.permissions import (
    DENIED,
    Actor,
    OrgScope,
    check,
    check_create,
    check_list,
    resolve_org_scope,
    update_scopes,
    visible_items,
)
from cvatorm.testing.seed import populate
from cvatorm.testing.store import Store

BASE = "http://testserver"
Obj = dict[str, Any]

FORBIDDEN = (403, {"detail": DENIED})
SERVER_ERROR = (500, "Server Error (500)")


@pytest.fixture(scope="module")
def store() -> Store:
    """The test server's own store, seeded with the assets (never changed by these tests)."""
    seeded = Store(BASE)
    populate(seeded, "assets")
    return seeded


def actor(store: Store, username: str) -> Actor:
    user = next(u for u in store.all("users") if u["username"] == username)
    return Actor.from_user(store, user)


def scope_of(store: Store, slug: str | None) -> OrgScope | None:
    if slug is None:
        return None
    return resolve_org_scope(store, actor(store, "admin1"), {"X-Organization": slug}, {})


def visible(
    store: Store,
    username: str,
    resource: str,
    org: str | None = None,
    query: Mapping[str, str] | None = None,
) -> list[Any]:
    key = "key" if resource == "invitations" else "id"
    rows = visible_items(
        store,
        actor(store, username),
        resource,
        store.all(resource),
        scope_of(store, org),
        query=query,
    )
    return sorted(row[key] for row in rows)


def failure(call: Any, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    with pytest.raises(HttpError) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.body


def may(
    store: Store,
    username: str,
    action: str,
    resource: str,
    key: int | str,
    org: str | None = None,
    body: Mapping[str, Any] | None = None,
) -> bool:
    obj = store.get(resource, key)
    assert obj is not None
    try:
        check(store, actor(store, username), action, resource, obj, scope_of(store, org), body=body)
    except HttpError as error:
        assert (error.status, error.body) == FORBIDDEN
        return False
    return True


def may_create(
    store: Store, username: str, resource: str, body: Mapping[str, Any], org: str | None = None
) -> bool:
    try:
        check_create(store, actor(store, username), resource, body, scope_of(store, org))
    except HttpError as error:
        assert (error.status, error.body) == FORBIDDEN
        return False
    return True


# --------------------------------------------------------------------------------------------
# actors and organization context
# --------------------------------------------------------------------------------------------


def test_privileges(store: Store) -> None:
    assert actor(store, "admin1").privilege == "admin" and actor(store, "admin1").is_admin
    assert actor(store, "user1").privilege == "user"
    assert actor(store, "worker1").privilege == "worker"
    assert actor(store, "dummy1").privilege is None
    superuser = {"id": 99, "username": "root", "groups": [], "is_superuser": True}
    assert Actor.from_user(store, superuser).is_admin


def test_org_scope_from_header_query_or_id(store: Store) -> None:
    user = actor(store, "user1")
    assert resolve_org_scope(store, user, {}, {}) is None
    by_header = resolve_org_scope(store, user, {"x-organization": "org2"}, {})
    assert by_header is not None and by_header.org_id == 2
    by_query = resolve_org_scope(store, user, {}, {"org": "org1"})
    assert by_query is not None and by_query.org_id == 1
    by_id = resolve_org_scope(store, user, {}, {"org_id": "3"})
    assert by_id is not None and by_id.org_id == 3
    same = resolve_org_scope(store, user, {"X-Organization": "org2"}, {"org": "org2"})
    assert same is not None and same.org_id == 2


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"X-Organization": ""}, {}), ({}, {"org": ""}), ({}, {"org_id": ""})],
)
def test_empty_organization_is_the_personal_workspace(
    store: Store, headers: dict[str, str], query: dict[str, str]
) -> None:
    scope = resolve_org_scope(store, actor(store, "user1"), headers, query)
    assert scope is not None and scope.is_personal and scope.org_id is None


def test_conflicting_organization_parameters(store: Store) -> None:
    user = actor(store, "user1")
    assert failure(resolve_org_scope, store, user, {"X-Organization": "org1"}, {"org": "org2"}) == (
        400,
        [
            'You cannot specify "org" query parameter and "X-Organization" HTTP header with '
            "different values."
        ],
    )
    message = [
        'You cannot specify "org_id" query parameter with "org" query parameter or '
        '"X-Organization" HTTP header at the same time.'
    ]
    assert failure(resolve_org_scope, store, user, {}, {"org": "org1", "org_id": "1"}) == (
        400,
        message,
    )
    assert failure(resolve_org_scope, store, user, {"X-Organization": ""}, {"org_id": "1"}) == (
        400,
        message,
    )


def test_unknown_organizations(store: Store) -> None:
    user = actor(store, "user1")
    assert failure(resolve_org_scope, store, user, {}, {"org": "nope"}) == (
        404,
        {"detail": "nope organization does not exist."},
    )
    assert failure(resolve_org_scope, store, user, {}, {"org_id": "0"}) == (
        404,
        {"detail": "0 organization does not exist."},
    )
    assert failure(resolve_org_scope, store, user, {}, {"org_id": "x"}) == SERVER_ERROR


# --------------------------------------------------------------------------------------------
# lists
# --------------------------------------------------------------------------------------------


def test_who_sees_which_tasks(store: Store) -> None:
    all_tasks = sorted(t["id"] for t in store.all("tasks"))
    org2 = sorted(t["id"] for t in store.all("tasks") if t["organization"] == 2)
    personal = sorted(t["id"] for t in store.all("tasks") if t["organization"] is None)
    assert visible(store, "admin1", "tasks") == all_tasks
    assert visible(store, "admin1", "tasks", "org2") == org2
    assert visible(store, "admin1", "tasks", "") == personal
    # own and assigned tasks, and tasks of own or assigned projects, in every organization
    assert visible(store, "user1", "tasks") == [2, 5, 6, 8, 31]
    assert visible(store, "user1", "tasks", "") == [5, 6, 8, 31]
    assert visible(store, "user2", "tasks") == [11, 17, 22, 30, 32, 33, 34]
    # a supervisor sees only their own tasks of the organization, a maintainer all of them
    assert visible(store, "user2", "tasks", "org2") == [11, 17, 22, 30, 32, 33, 34]
    assert visible(store, "user4", "tasks", "org2") == org2
    assert visible(store, "user7", "tasks", "org2") == org2
    # a worker sees the tasks assigned to them
    assert visible(store, "worker2", "tasks") == [2, 7]
    assert visible(store, "worker2", "tasks", "org2") == [7]
    assert visible(store, "worker2", "tasks", "org1") == [2]
    assert visible(store, "lonely_user", "tasks") == []
    assert visible(store, "dummy1", "tasks") == []


@pytest.mark.parametrize("username", ["user1", "lonely_user", "worker1", "dummy1"])
def test_listing_in_an_organization_one_is_not_a_member_of_is_forbidden(
    store: Store, username: str
) -> None:
    assert failure(visible, store, username, "tasks", "org2") == FORBIDDEN
    assert failure(check_list, store, actor(store, username), "jobs", scope_of(store, "org2")) == (
        FORBIDDEN
    )


def test_organizations_can_always_be_listed(store: Store) -> None:
    assert visible(store, "user1", "organizations", "org2") == [1, 3]
    assert visible(store, "worker2", "organizations") == [1, 2]
    assert visible(store, "lonely_user", "organizations") == []
    assert visible(store, "admin1", "organizations") == [1, 2, 3]


def test_who_sees_which_projects(store: Store) -> None:
    assert visible(store, "user1", "projects") == [6]
    assert visible(store, "user2", "projects") == [2, 3, 17]
    assert visible(store, "user2", "projects", "org2") == [2, 3, 17]
    assert visible(store, "worker3", "projects", "org2") == [10]
    org2 = sorted(p["id"] for p in store.all("projects") if p["organization"] == 2)
    assert visible(store, "user8", "projects", "org2") == org2
    assert visible(store, "user7", "projects", "") == [1]


def test_who_sees_which_jobs(store: Store) -> None:
    assert visible(store, "worker2", "jobs") == [2, 9, 16]
    assert visible(store, "worker2", "jobs", "org2") == [9, 16]
    # assigned jobs 7 and 11, and the job of task 8 which worker4 is assigned to
    assert visible(store, "worker4", "jobs") == [7, 10, 11]
    assert visible(store, "user1", "jobs") == [2, 7, 8, 10, 51, 52, 53]


def test_who_sees_which_issues_and_comments(store: Store) -> None:
    assert visible(store, "user1", "issues") == [1, 4]
    assert visible(store, "user1", "comments") == [1, 2, 5]
    assert visible(store, "worker2", "issues") == [2, 3]
    assert visible(store, "worker2", "comments") == [3, 4]
    assert visible(store, "user6", "issues") == [5]
    assert visible(store, "user8", "issues", "org2") == [2, 3]


def test_crowdsourcing_workers_see_job_issues_outside_the_org_filter(store: Store) -> None:
    """OrganizationFilterBackend is skipped for a worker without org asking by ``job_id``."""
    assert visible(store, "worker2", "issues", "") == []
    # (the job_id equality itself is applied by the list engine)
    assert visible(store, "worker2", "issues", "", {"job_id": "16"}) == [2, 3]
    # a "user" is not exempt
    assert visible(store, "user5", "issues", "", {"job_id": "16"}) == []


def test_who_sees_which_memberships(store: Store) -> None:
    assert visible(store, "user1", "memberships") == [1, 16]
    # every active membership of the organization, for any member
    assert visible(store, "worker2", "memberships", "org2") == [5, 6, 7, 8, 9, 10, 11, 12]
    assert visible(store, "user7", "memberships", "org2") == sorted(
        m["id"] for m in store.all("memberships") if m["organization"] == 2
    )


def test_who_sees_which_users(store: Store) -> None:
    assert visible(store, "user1", "users") == [2]
    assert visible(store, "user7", "users", "org2") == [3, 4, 5, 7, 8, 10, 11, 19]
    assert visible(store, "admin1", "users") == list(range(1, 22))
    # in the personal workspace: users without any membership
    assert visible(store, "admin1", "users", "") == [1, 9, 12, 13, 14, 15, 16, 17, 18, 20, 21]
    assert visible(store, "user1", "users", "") == []


def test_who_sees_which_invitations(store: Store) -> None:
    def keys(predicate: Any) -> list[str]:
        return sorted(i["key"] for i in store.all("invitations") if predicate(i))

    assert visible(store, "user1", "invitations") == keys(
        lambda i: i["owner"]["username"] == "user1" or i["user"]["username"] == "user1"
    )
    assert visible(store, "user7", "invitations", "org2") == keys(lambda i: i["organization"] == 2)
    assert visible(store, "worker2", "invitations", "org2") == keys(
        lambda i: i["organization"] == 2 and i["user"]["username"] == "worker2"
    )


def test_who_sees_which_labels(store: Store) -> None:
    def of(**owner: int) -> list[int]:
        ((field, value),) = owner.items()
        return [label["id"] for label in store.all("labels") if label.get(field) == value]

    assert visible(store, "worker2", "labels") == sorted(of(task_id=2) + of(task_id=7))
    assert visible(store, "user6", "labels") == sorted(of(project_id=1))


def test_labels_of_a_parent_need_view_permission_on_it(store: Store) -> None:
    assert failure(visible, store, "worker1", "labels", None, {"task_id": "2"}) == FORBIDDEN
    assert failure(visible, store, "user2", "labels", None, {"job_id": "2"}) == FORBIDDEN
    # allowed: every label is passed on (the list engine picks the parent's)
    assert len(visible(store, "worker2", "labels", None, {"task_id": "2"})) == len(
        store.all("labels")
    )
    assert failure(visible, store, "worker2", "labels", None, {"task_id": "2", "job_id": "2"}) == (
        400,
        ["job_id, task_id and project_id parameters cannot be used together"],
    )


# --------------------------------------------------------------------------------------------
# view / update / delete
# --------------------------------------------------------------------------------------------


def test_task_permissions_in_an_organization(store: Store) -> None:
    assert may(store, "user2", "view", "tasks", 34)  # owner, org2 supervisor
    assert not may(store, "user1", "view", "tasks", 34)  # not in org2
    assert not may(store, "worker3", "view", "tasks", 34)  # org2 worker, not staff
    assert may(store, "user7", "delete", "tasks", 34)  # org2 owner
    assert may(store, "user4", "update", "tasks", 34, body={"name": "x"})  # org2 maintainer
    assert may(store, "worker2", "view", "tasks", 7)  # assignee
    assert may(store, "worker2", "update", "tasks", 7, body={"name": "x"})
    assert not may(store, "worker2", "delete", "tasks", 7)  # assignees may not delete
    assert may(store, "user3", "delete", "tasks", 26)  # owner, org2 supervisor
    assert not may(store, "user2", "delete", "tasks", 26)


def test_task_permissions_do_not_depend_on_the_request_organization(store: Store) -> None:
    """Object checks use the object's organization, whatever the request's context is."""
    assert may(store, "user2", "view", "tasks", 34, org="")
    assert may(store, "user2", "view", "tasks", 34, org=None)
    assert not may(store, "worker3", "view", "tasks", 34, org="org2")


def test_task_permissions_in_the_sandbox(store: Store) -> None:
    assert may(store, "user1", "delete", "tasks", 31)
    assert not may(store, "user2", "view", "tasks", 31)
    assert may(store, "worker4", "view", "tasks", 8)  # assignee
    assert may(store, "worker4", "update", "tasks", 8, body={"name": "x"})
    assert not may(store, "worker4", "delete", "tasks", 8)
    assert may(store, "dummy2", "view", "tasks", 5)  # assignee without any group
    assert not may(store, "dummy2", "update", "tasks", 5, body={"name": "x"})
    assert may(store, "user6", "delete", "tasks", 9)  # assignee of the task's project
    assert may(store, "admin2", "delete", "tasks", 31)


def test_task_update_scopes_follow_the_body(store: Store) -> None:
    assert update_scopes("tasks", {"name": "x", "subset": "a"}) == ["view", "update:desc"]
    assert update_scopes("tasks", {"assignee_id": 1}) == ["view", "update:assignee"]
    assert update_scopes("tasks", {}) == ["view"]
    assert update_scopes("jobs", {"stage": "validation"}) == ["view", "update:stage"]
    assert update_scopes("issues", {"resolved": True}) == ["update"]
    obj = store.get("tasks", 31)
    assert obj is not None
    assert failure(
        check, store, actor(store, "user1"), "update", "tasks", obj, None, body={"foo": 1}
    ) == (403, {"detail": "Attempted to update an unknown field"})


def test_assigning_needs_permission_to_see_the_assignee(store: Store) -> None:
    # in the sandbox only oneself; in an organization any user (the rule checks membership)
    assert may(store, "user1", "update", "tasks", 31, body={"assignee_id": 2})
    assert not may(store, "user1", "update", "tasks", 31, body={"assignee_id": 3})
    assert may(store, "user3", "update", "tasks", 26, body={"assignee_id": 8})
    assert may(store, "admin1", "update", "tasks", 31, body={"assignee_id": 3})


def test_moving_a_task_between_workspaces(store: Store) -> None:
    """``organization_id``: "delete here, create there" (TaskPermission.create)."""
    sandbox_task = store.get("tasks", 31)  # user1's, in the personal workspace
    assert sandbox_task is not None
    assert may(store, "user1", "update", "tasks", 31, body={"organization_id": 1})
    assert may(store, "user1", "update", "tasks", 31, body={"organization_id": None})
    # user1 may not create in org2 (not a member)
    assert not may(store, "user1", "update", "tasks", 31, body={"organization_id": 2})
    assert failure(
        check,
        store,
        actor(store, "user1"),
        "update",
        "tasks",
        sandbox_task,
        None,
        body={"organization_id": 999},
    ) == (400, ["Invalid org id"])
    # the old field name is not an updatable field any more
    unknown = (403, {"detail": "Attempted to update an unknown field"})
    assert (
        failure(
            check,
            store,
            actor(store, "user1"),
            "update",
            "tasks",
            sandbox_task,
            None,
            body={"organization": 1},
        )
        == unknown
    )


def test_project_permissions(store: Store) -> None:
    assert may(store, "user2", "view", "projects", 17)
    assert may(store, "worker3", "view", "projects", 10)  # assignee
    assert not may(store, "worker3", "delete", "projects", 10)
    assert may(store, "user3", "delete", "projects", 10)  # owner
    assert may(store, "user8", "delete", "projects", 10)  # org2 maintainer
    assert not may(store, "user2", "delete", "projects", 10)  # org2 supervisor
    assert may(store, "user1", "update", "projects", 6, body={"name": "x"})
    assert not may(store, "user10", "update", "projects", 6, body={"assignee_id": 11})
    assert may(store, "user10", "update", "projects", 6, body={"name": "x"})  # assignee


def test_job_permissions(store: Store) -> None:
    assert may(store, "worker2", "view", "jobs", 16)
    assert may(store, "worker2", "update", "jobs", 16, body={"state": "completed"})
    assert not may(store, "worker2", "update", "jobs", 16, body={"stage": "validation"})
    assert may(store, "user5", "update", "jobs", 16, body={"stage": "validation"})  # task staff
    assert not may(store, "worker3", "view", "jobs", 16)
    assert may(store, "user4", "view", "jobs", 16)  # org2 maintainer
    assert may(store, "user1", "delete", "jobs", 53)  # owner of its task, "user" group
    assert not may(store, "worker2", "delete", "jobs", 16)


def test_issue_and_comment_permissions(store: Store) -> None:
    assert may(store, "worker2", "view", "issues", 3)  # assignee of its job
    assert may(store, "worker2", "update", "issues", 3, body={"resolved": True})
    assert not may(store, "worker2", "delete", "issues", 3)
    assert may(store, "user8", "delete", "issues", 3)
    assert not may(store, "worker3", "view", "issues", 3)
    assert may(store, "user6", "delete", "issues", 5)  # its owner
    assert may(store, "worker2", "view", "comments", 4)
    assert may(store, "worker2", "delete", "comments", 4)
    assert not may(store, "worker3", "update", "comments", 4)
    assert may(store, "user1", "update", "comments", 5)
    assert not may(store, "user2", "view", "comments", 5)


def test_label_permissions_are_those_of_the_owning_task_or_project(store: Store) -> None:
    task_label = next(label["id"] for label in store.all("labels") if label.get("task_id") == 2)
    assert may(store, "worker2", "view", "labels", task_label)
    assert may(store, "worker2", "update", "labels", task_label)
    assert not may(store, "worker1", "view", "labels", task_label)
    assert may(store, "user7", "delete", "labels", task_label)  # org1 maintainer
    project_label = next(
        label["id"] for label in store.all("labels") if label.get("project_id") == 6
    )
    assert may(store, "user10", "update", "labels", project_label)  # project assignee
    assert not may(store, "user2", "view", "labels", project_label)


def test_user_permissions(store: Store) -> None:
    assert may(store, "user1", "view", "users", 2)
    assert not may(store, "user1", "view", "users", 3)
    assert may(store, "user1", "view", "users", 3, org="org1")  # members see any user
    assert may(store, "user1", "update", "users", 2)
    assert not may(store, "user1", "delete", "users", 3, org="org1")
    assert may(store, "admin1", "delete", "users", 3)


def test_organization_permissions(store: Store) -> None:
    org = store.get("organizations", 2)
    assert org is not None
    assert failure(check, store, actor(store, "user1"), "view", "organizations", org, None) == (
        404,
        {"detail": "No Organization matches the given query."},
    )
    assert may(store, "worker2", "view", "organizations", 2)
    assert not may(store, "worker2", "update", "organizations", 2)
    assert may(store, "user8", "update", "organizations", 2)  # maintainer
    assert not may(store, "user8", "delete", "organizations", 2)
    assert may(store, "user7", "delete", "organizations", 2)  # owner
    assert may(store, "admin1", "delete", "organizations", 2)


def test_membership_permissions(store: Store) -> None:
    role = {"role": "worker"}
    assert may(store, "user7", "update", "memberships", 6, body=role)  # owner -> maintainer
    assert not may(store, "user8", "update", "memberships", 11, body=role)  # maint. -> maint.
    assert may(store, "user8", "update", "memberships", 7, body=role)  # maintainer -> worker
    assert not may(store, "user7", "update", "memberships", 5, body=role)  # owner -> self
    assert may(store, "worker2", "delete", "memberships", 7)  # leaving
    assert not may(store, "user7", "delete", "memberships", 5)  # the owner cannot leave
    assert may(store, "worker3", "view", "memberships", 7)
    assert not may(store, "user1", "view", "memberships", 7)


def test_invitation_permissions(store: Store) -> None:
    invitation = next(
        i
        for i in store.all("invitations")
        if i["owner"]["username"] == "user1" and i["user"]["username"] == "user8"
    )
    key = invitation["key"]
    assert may(store, "user1", "view", "invitations", key)
    assert may(store, "user8", "view", "invitations", key)
    assert may(store, "user1", "delete", "invitations", key)
    assert failure(
        check, store, actor(store, "worker3"), "view", "invitations", invitation, None
    ) == (404, {"detail": "No Invitation matches the given query."})
    # hidden in another organization's context
    assert failure(
        check,
        store,
        actor(store, "user8"),
        "view",
        "invitations",
        invitation,
        scope_of(store, "org2"),
    ) == (
        404,
        {"detail": "No Invitation matches the given query."},
    )


# --------------------------------------------------------------------------------------------
# creation
# --------------------------------------------------------------------------------------------


def test_who_may_create_tasks_and_projects(store: Store) -> None:
    for resource in ("tasks", "projects"):
        assert may_create(store, "user1", resource, {"name": "x"})
        assert not may_create(store, "worker1", resource, {"name": "x"})
        assert not may_create(store, "dummy1", resource, {"name": "x"})
        assert may_create(store, "user2", resource, {"name": "x"}, org="org2")  # supervisor
        assert not may_create(store, "worker2", resource, {"name": "x"}, org="org2")
        assert not may_create(store, "user5", resource, {"name": "x"}, org="org2")  # worker role
        assert not may_create(store, "user1", resource, {"name": "x"}, org="org2")
        assert may_create(store, "admin1", resource, {"name": "x"}, org="org2")


def test_creating_a_task_in_a_project(store: Store) -> None:
    assert may_create(store, "user2", "tasks", {"name": "x", "project_id": 17})
    assert not may_create(store, "user3", "tasks", {"name": "x", "project_id": 17})
    assert may_create(store, "user2", "tasks", {"name": "x", "project_id": 17}, org="org2")
    assert failure(
        check_create, store, actor(store, "user2"), "tasks", {"name": "x", "project_id": 999}, None
    ) == (
        400,
        ["Project matching query does not exist."],
    )


def test_creating_with_an_assignee(store: Store) -> None:
    assert not may_create(store, "user1", "tasks", {"name": "x", "assignee_id": 3})
    assert may_create(store, "user1", "tasks", {"name": "x", "assignee_id": 2})
    assert may_create(store, "user2", "tasks", {"name": "x", "assignee_id": 8}, org="org2")


def test_who_may_create_jobs_issues_and_comments(store: Store) -> None:
    assert may_create(store, "user1", "jobs", {"task_id": 31, "type": "ground_truth"})
    assert not may_create(store, "worker4", "jobs", {"task_id": 8, "type": "ground_truth"})
    assert failure(check_create, store, actor(store, "user1"), "jobs", {"type": "x"}, None) == (
        400,
        ["task_id is not specified"],
    )
    assert failure(check_create, store, actor(store, "user1"), "jobs", {"task_id": 999}, None) == (
        400,
        ["Task matching query does not exist."],
    )
    assert may_create(store, "worker2", "issues", {"job": 16, "frame": 0})
    assert not may_create(store, "worker3", "issues", {"job": 16, "frame": 0})
    assert may_create(store, "user8", "issues", {"job": 16, "frame": 0}, org="org2")
    assert not may_create(store, "user8", "issues", {"job": 16, "frame": 0})
    assert failure(check_create, store, actor(store, "user1"), "issues", {"job": 999}, None) == (
        400,
        ["Job matching query does not exist."],
    )
    assert may_create(store, "worker2", "comments", {"issue": 3, "message": "m"})
    assert not may_create(store, "worker3", "comments", {"issue": 3, "message": "m"})
    assert failure(
        check_create, store, actor(store, "user1"), "comments", {"issue": 999}, None
    ) == (400, ["Issue matching query does not exist."])


def test_who_may_create_organizations_and_invitations(store: Store) -> None:
    assert may_create(store, "user1", "organizations", {"slug": "x"})
    assert not may_create(store, "worker1", "organizations", {"slug": "x"})
    assert not may_create(store, "dummy1", "organizations", {"slug": "x"})
    invite = {"email": "a@b.c", "role": "maintainer"}
    assert may_create(store, "user7", "invitations", invite, org="org2")  # owner
    assert not may_create(store, "user7", "invitations", {**invite, "role": "owner"}, org="org2")
    assert not may_create(store, "user8", "invitations", invite, org="org2")  # maintainer
    assert may_create(store, "user8", "invitations", {**invite, "role": "worker"}, org="org2")
    assert not may_create(store, "user2", "invitations", {**invite, "role": "worker"}, org="org2")
    assert not may_create(store, "user1", "invitations", invite)  # no organization
    assert may_create(store, "admin1", "invitations", invite)


@pytest.mark.parametrize("resource", ["labels", "memberships", "users"])
def test_resources_without_creation(store: Store, resource: str) -> None:
    assert failure(check_create, store, actor(store, "admin1"), resource, {}, None) == (
        405,
        {"detail": 'Method "POST" not allowed.'},
    )
