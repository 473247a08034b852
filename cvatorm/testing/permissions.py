"""Who may see and do what on LocalCVAT: the CVAT 2.64 IAM rules, restated in Python.

The real server asks Open Policy Agent. Its inputs are built in ``cvat/apps/iam/permissions.py``
(``get_iam_context``: the *object's* organization and the user's *active* membership in it, or,
for lists and creations, the organization of the request) and in the ``*Permission`` classes of
``cvat/apps/engine/permissions.py`` and ``cvat/apps/organizations/permissions.py`` (which scopes a
request needs, e.g. a PATCH of a task's ``assignee_id`` needs ``view`` and ``update:assignee``);
its rules are the ``.rego`` files (``tasks.rego``, ``jobs.rego``, ...), whose ``allow`` rules
answer object checks and whose ``filter`` rules restrict lists. Every rule below names the rego
rule it mirrors. The organization context comes from ``cvat/apps/iam/middleware.py`` and lists are
further restricted by ``cvat/apps/iam/filters.py`` (``OrganizationFilterBackend``).

Denials are ``403 {"detail": "You do not have permission to perform this action."}`` (DRF's
default message: CVAT's ``PolicyEnforcer`` returns False); objects the real server looks up
through a permission-filtered queryset (organizations, invitations) are a 404 instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import label_parent, server_error
from cvatorm.testing.listing_fields import Obj, Related, StoreLike

__all__ = [
    "DENIED",
    "Actor",
    "OrgScope",
    "check",
    "check_create",
    "check_list",
    "resolve_org_scope",
    "update_scopes",
    "visible_items",
]

#: DRF's ``PermissionDenied`` default detail, what a False from ``PolicyEnforcer`` becomes.
DENIED = "You do not have permission to perform this action."

#: ``settings.IAM_ROLES``: groups by priority, the first a user has is their privilege.
IAM_ROLES = ("admin", "user", "worker")

_PRIVILEGE_PRIORITY: dict[str | None, int] = {"admin": 0, "user": 75, "worker": 100, None: 1000}
_ROLE_PRIORITY = {"owner": 0, "maintainer": 50, "supervisor": 75, "worker": 100}

#: ``ORGANIZATIONS_MIN_ROLE_TO_CREATE`` default (organizations/default_settings.py).
ORGANIZATIONS_MIN_ROLE_TO_CREATE = "user"


def _denied() -> HttpError:
    return HttpError(403, {"detail": DENIED})


def _not_found(model: str) -> HttpError:
    """Django's ``get_object_or_404`` message, kept by DRF 3.15's NotFound."""
    return HttpError(404, {"detail": f"No {model} matches the given query."})


def _validation(message: str) -> HttpError:
    return HttpError(400, [message])


def _id(value: Any) -> Any:
    """An id from a served reference: nested ``{"id": ...}`` objects or a plain id."""
    if isinstance(value, dict):
        return value.get("id")
    return value


# --------------------------------------------------------------------------------------------
# who is asking, and in which organization
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The authenticated user as the IAM sees them.

    ``privilege`` is the first of ``IAM_ROLES`` among the user's groups (the ``admin`` group
    also for superusers, as CVAT adds superusers to it), ``None`` for users in no group.
    """

    user: Obj
    privilege: str | None

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def username(self) -> str:
        return str(self.user.get("username", ""))

    @property
    def is_admin(self) -> bool:
        return self.privilege == "admin"

    @classmethod
    def from_user(cls, store: StoreLike, user: Obj) -> Actor:
        """The actor for a user object as stored (``groups``, ``is_superuser``)."""
        groups = set(user.get("groups") or [])
        if user.get("is_superuser"):
            groups.add("admin")
        privilege = next((role for role in IAM_ROLES if role in groups), None)
        return cls(user=user, privilege=privilege)


@dataclass(frozen=True)
class OrgScope:
    """An organization context given with the request.

    ``organization`` is the organization object, or None for the personal workspace (an empty
    slug). A request without any organization parameter has no OrgScope at all (``None``).
    """

    organization: Obj | None

    @property
    def org_id(self) -> int | None:
        return None if self.organization is None else int(self.organization["id"])

    @property
    def is_personal(self) -> bool:
        return self.organization is None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def resolve_org_scope(
    store: StoreLike, actor: Actor, headers: Mapping[str, str], query: Mapping[str, str]
) -> OrgScope | None:
    """The organization context of a request, as ``cvat/apps/iam/middleware.py`` resolves it.

    ``org_id`` together with ``org`` or ``X-Organization`` is a 400, as are ``org`` and
    ``X-Organization`` with different values; an unknown organization is a 404; a non-numeric
    ``org_id`` makes the real server's ``int()`` raise (500). Membership is not checked here:
    that is the permission check of the action (see :func:`check_list`).
    """
    org_slug = query.get("org")
    org_id = query.get("org_id")
    org_header = _header(headers, "X-Organization")
    if org_id is not None and (org_slug is not None or org_header is not None):
        raise _validation(
            'You cannot specify "org_id" query parameter with "org" query parameter or '
            '"X-Organization" HTTP header at the same time.'
        )
    if org_slug is not None and org_header is not None and org_slug != org_header:
        raise _validation(
            'You cannot specify "org" query parameter and "X-Organization" HTTP header with '
            "different values."
        )
    slug = org_slug if org_slug is not None else org_header
    if slug is None and org_id is None:
        return None
    organization: Obj | None = None
    if slug:
        organization = next(
            (org for org in store.all("organizations") if org.get("slug") == slug), None
        )
        if organization is None:
            raise HttpError(404, {"detail": f"{slug} organization does not exist."})
    elif org_id:
        try:
            number = int(org_id)
        except ValueError:
            raise server_error() from None
        organization = store.get("organizations", number)
        if organization is None:
            raise HttpError(404, {"detail": f"{slug or org_id} organization does not exist."})
    return OrgScope(organization)


# --------------------------------------------------------------------------------------------
# the OPA input's "auth" part
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Auth:
    """``input.auth``: the user's privilege, an organization and their active role in it."""

    user_id: int
    privilege: str | None
    org_id: int | None
    org_owner_id: int | None
    role: str | None

    @property
    def is_admin(self) -> bool:
        return self.privilege == "admin"

    @property
    def is_sandbox(self) -> bool:
        return self.org_id is None

    def has_perm(self, group: str) -> bool:
        """utils.rego ``has_perm``: privilege at least ``group``."""
        return _PRIVILEGE_PRIORITY.get(self.privilege, 1000) <= _PRIVILEGE_PRIORITY[group]

    def org_has_perm(self, role: str) -> bool:
        """organizations.rego ``has_perm``: an active role at least ``role``."""
        return self.role is not None and _ROLE_PRIORITY[self.role] <= _ROLE_PRIORITY[role]

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_owner(self) -> bool:
        return self.org_owner_id == self.user_id and self.role == "owner"

    @property
    def is_maintainer(self) -> bool:
        return self.role == "maintainer"

    @property
    def is_staff(self) -> bool:
        return self.is_owner or self.is_maintainer

    def same_org(self, org_id: Any) -> bool:
        """``input.auth.organization.id == input.resource.organization.id``."""
        return self.org_id is not None and org_id == self.org_id


def _membership(store: StoreLike, org_id: int, user_id: int, active_only: bool) -> Obj | None:
    for membership in store.all("memberships"):
        if _id(membership.get("organization")) != org_id:
            continue
        if _id(membership.get("user")) != user_id:
            continue
        if active_only and not membership.get("is_active"):
            continue
        return membership
    return None


def _auth(store: StoreLike, actor: Actor, org_id: int | None) -> _Auth:
    """``get_iam_context`` for an organization (None: no organization)."""
    if org_id is None:
        return _Auth(actor.id, actor.privilege, None, None, None)
    organization = store.get("organizations", org_id)
    if organization is None:
        return _Auth(actor.id, actor.privilege, None, None, None)
    membership = _membership(store, org_id, actor.id, active_only=True)
    return _Auth(
        actor.id,
        actor.privilege,
        org_id,
        _id(organization.get("owner")),
        membership.get("role") if membership else None,
    )


def _request_auth(store: StoreLike, actor: Actor, scope: OrgScope | None) -> _Auth:
    return _auth(store, actor, scope.org_id if scope is not None else None)


# --------------------------------------------------------------------------------------------
# the OPA input's "resource" part: related people and the organization of each object
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Res:
    """The fields of ``input.resource`` the rules read (ids; None where absent)."""

    org_id: Any = None
    owner: Any = None
    assignee: Any = None
    task_owner: Any = None
    task_assignee: Any = None
    project_owner: Any = None
    project_assignee: Any = None
    job_assignee: Any = None
    issue_owner: Any = None
    issue_assignee: Any = None
    role: Any = None
    is_active: Any = None
    user: Any = None
    invitee: Any = None
    id: Any = None
    user_role: Any = None


def _task_res(rel: Related, task: Obj) -> _Res:
    project = rel.get("projects", task.get("project_id"))
    return _Res(
        org_id=_id(task.get("organization")),
        owner=_id(task.get("owner")),
        assignee=_id(task.get("assignee")),
        task_owner=_id(task.get("owner")),
        task_assignee=_id(task.get("assignee")),
        project_owner=_id(project.get("owner")) if project else None,
        project_assignee=_id(project.get("assignee")) if project else None,
        id=task.get("id"),
    )


def _job_res(rel: Related, job: Obj) -> _Res:
    """JobPermission.get_resource: organization of the task's project, else of the task."""
    task = rel.get("tasks", job.get("task_id")) or {}
    project = rel.get("projects", task.get("project_id"))
    org = _id(project.get("organization")) if project else _id(task.get("organization"))
    return _Res(
        org_id=org,
        assignee=_id(job.get("assignee")),
        job_assignee=_id(job.get("assignee")),
        task_owner=_id(task.get("owner")),
        task_assignee=_id(task.get("assignee")),
        project_owner=_id(project.get("owner")) if project else None,
        project_assignee=_id(project.get("assignee")) if project else None,
        id=job.get("id"),
    )


def _issue_res(rel: Related, issue: Obj) -> _Res:
    job = rel.get("jobs", _id(issue.get("job"))) or {}
    base = _job_res(rel, job)
    return _Res(
        org_id=base.org_id,
        owner=_id(issue.get("owner")),
        assignee=_id(issue.get("assignee")),
        task_owner=base.task_owner,
        task_assignee=base.task_assignee,
        project_owner=base.project_owner,
        project_assignee=base.project_assignee,
        job_assignee=base.job_assignee,
        issue_owner=_id(issue.get("owner")),
        issue_assignee=_id(issue.get("assignee")),
        id=issue.get("id"),
    )


def _comment_res(rel: Related, comment: Obj) -> _Res:
    issue = rel.get("issues", _id(comment.get("issue"))) or {}
    base = _issue_res(rel, issue)
    return _Res(
        org_id=base.org_id,
        owner=_id(comment.get("owner")),
        task_owner=base.task_owner,
        task_assignee=base.task_assignee,
        project_owner=base.project_owner,
        project_assignee=base.project_assignee,
        job_assignee=base.job_assignee,
        issue_owner=base.issue_owner,
        issue_assignee=base.issue_assignee,
        id=comment.get("id"),
    )


def _label_owner(rel: Related, label: Obj) -> tuple[str, Obj | None]:
    """A label's owning object: its project, else its task (sublabels: their parent's)."""
    if label.get("project_id") is not None:
        return "projects", rel.get("projects", label["project_id"])
    if label.get("task_id") is not None:
        return "tasks", rel.get("tasks", label["task_id"])
    parent = rel.get("labels", label.get("parent_id"))
    if parent is not None and parent is not label:
        return _label_owner(rel, parent)
    return "tasks", None


def _object_org(rel: Related, resource: str, obj: Obj) -> int | None:
    """``get_organization(request, obj)``: the organization an object belongs to."""
    if resource == "organizations":
        return _optional_int(_id(obj.get("id")))
    if resource in ("projects", "tasks", "memberships", "invitations"):
        value = _id(obj.get("organization"))
        return int(value) if value is not None else None
    if resource == "jobs":
        return _optional_int(_job_res(rel, obj).org_id)
    if resource == "issues":
        return _optional_int(_issue_res(rel, obj).org_id)
    if resource == "comments":
        return _optional_int(_comment_res(rel, obj).org_id)
    if resource == "labels":
        _, owner = _label_owner(rel, obj)
        return _optional_int(_id(owner.get("organization"))) if owner else None
    raise KeyError(resource)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


# --------------------------------------------------------------------------------------------
# the rego "allow" rules
# --------------------------------------------------------------------------------------------


def _project_staff(a: _Auth, r: _Res) -> bool:
    return bool(r.project_owner == a.user_id or r.project_assignee == a.user_id)


def _task_staff(a: _Auth, r: _Res) -> bool:
    return (
        _project_staff(a, r) or r.task_owner == a.user_id or r.task_assignee == a.user_id
    )


def _job_staff(a: _Auth, r: _Res) -> bool:
    return _task_staff(a, r) or r.job_assignee == a.user_id


def _issue_admin(a: _Auth, r: _Res) -> bool:
    return _task_staff(a, r) or r.issue_owner == a.user_id


def _issue_staff(a: _Auth, r: _Res) -> bool:
    return _job_staff(a, r) or _issue_admin(a, r) or r.issue_assignee == a.user_id


def _comment_staff(a: _Auth, r: _Res) -> bool:
    return (
        _job_staff(a, r)
        or r.issue_owner == a.user_id
        or r.issue_assignee == a.user_id
        or r.owner == a.user_id
    )


_TASK_VIEW = {
    "view", "view:annotations", "export:dataset", "view:metadata", "view:data",
    "export:annotations", "export:backup", "view:validation_layout",
}
_TASK_EDIT = {
    "update:desc", "update:annotations", "delete:annotations", "upload:data",
    "update:metadata", "import:annotations", "update:validation_layout",
}
_TASK_OWNERSHIP = {
    "update:owner", "update:assignee", "update:project", "delete", "update:organization",
}


def _tasks_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """tasks.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    staff = _task_staff(a, r)
    if scope in ("create", "import:backup"):
        return (a.is_sandbox and a.has_perm("user")) or (
            same and a.has_perm("user") and a.org_has_perm("supervisor")
        )
    if scope == "create@project":
        return (
            (a.is_sandbox and a.has_perm("user") and _project_staff(a, r))
            or (same and a.has_perm("user") and a.org_has_perm("supervisor"))
            or (same and a.has_perm("user") and a.org_has_perm("worker") and _project_staff(a, r))
        )
    if scope in _TASK_VIEW:
        return (
            (a.is_sandbox and staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.org_has_perm("worker") and staff)
        )
    if scope in _TASK_EDIT:
        return (
            (a.is_sandbox and staff and a.has_perm("worker"))
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (staff and same and a.has_perm("worker") and a.org_has_perm("worker"))
        )
    if scope in _TASK_OWNERSHIP or scope == "update:associated_storage":
        storage = scope == "update:associated_storage"
        task_owner = r.task_owner == a.user_id
        project_owner = r.project_owner == a.user_id
        sandbox_staff = project_owner if storage else _project_staff(a, r)
        org_staff = project_owner if storage else _project_staff(a, r)
        return (
            (a.is_sandbox and sandbox_staff and a.has_perm("worker"))
            or (a.is_sandbox and task_owner and a.has_perm("worker"))
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.has_perm("worker") and a.org_has_perm("worker") and task_owner)
            or (same and a.has_perm("worker") and a.org_has_perm("worker") and org_staff)
        )
    return False


def _projects_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """projects.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    owner = r.owner == a.user_id
    staff = owner or r.assignee == a.user_id
    if scope in ("create", "import:backup"):
        return (a.is_sandbox and a.has_perm("user")) or (
            same and a.has_perm("user") and a.org_has_perm("supervisor")
        )
    if scope == "view":
        return (
            (a.is_sandbox and staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.org_has_perm("worker") and staff)
        )
    if scope in ("delete", "update:organization", "update:associated_storage"):
        return (
            (a.is_sandbox and a.has_perm("worker") and owner)
            or (same and a.has_perm("worker") and a.is_member and owner)
            or (same and a.has_perm("user") and a.is_staff)
        )
    if scope in ("update:desc", "import:dataset"):
        return (
            (a.is_sandbox and staff and a.has_perm("worker"))
            or (same and a.has_perm("user") and a.is_staff)
            or (staff and same and a.has_perm("worker") and a.is_member)
        )
    if scope == "update:assignee":
        return (
            (a.is_sandbox and owner and a.has_perm("worker"))
            or (same and owner and a.has_perm("worker") and a.is_member)
            or (same and a.has_perm("user") and a.is_staff)
        )
    if scope == "update:owner":
        return (same and owner and a.has_perm("worker") and a.is_staff) or (
            same and a.has_perm("user") and a.is_staff
        )
    if scope in ("export:annotations", "export:dataset", "export:backup"):
        return (
            (a.is_sandbox and staff)
            or (same and a.is_member and staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
        )
    return False


_JOB_VIEW = {
    "view", "export:dataset", "export:annotations", "view:annotations", "view:data",
    "view:metadata",
}
_JOB_EDIT = {
    "update:state", "update:annotations", "delete:annotations", "import:annotations",
    "update:metadata",
}


def _jobs_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """jobs.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    task_staff = _task_staff(a, r)
    job_staff = _job_staff(a, r)
    crowd = (
        same and a.privilege == "worker" and a.role is None and r.job_assignee == a.user_id
    )
    if scope in ("create", "delete"):
        return (
            (a.has_perm("user") and a.is_sandbox and task_staff)
            or (same and a.org_has_perm("supervisor") and a.has_perm("user") and task_staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
        )
    if scope in _JOB_VIEW:
        return (
            (a.is_sandbox and job_staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.org_has_perm("worker") and job_staff)
            or (crowd and scope in {"view", "view:annotations", "view:data", "view:metadata"})
        )
    if scope in _JOB_EDIT:
        return (
            (a.is_sandbox and a.has_perm("worker") and job_staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.has_perm("worker") and a.org_has_perm("worker") and job_staff)
            or crowd
        )
    if scope in ("update:stage", "update:assignee"):
        return (
            (a.is_sandbox and a.has_perm("worker") and task_staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.has_perm("worker") and a.org_has_perm("worker") and task_staff)
        )
    if scope in ("view:validation_layout", "update:validation_layout"):
        return (
            (a.is_sandbox and task_staff)
            or (same and a.org_has_perm("worker") and task_staff)
            or (same and a.org_has_perm("maintainer") and a.has_perm("user"))
        )
    return False


def _issues_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """issues.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    if scope == "create@job":
        return (
            (a.is_sandbox and a.has_perm("worker") and _job_staff(a, r))
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.has_perm("worker") and a.is_member and _job_staff(a, r))
        )
    staff = _issue_staff(a, r)
    if scope == "view":
        return (
            (a.is_sandbox and staff)
            or (same and a.has_perm("user") and a.org_has_perm("maintainer"))
            or (same and a.is_member and staff)
        )
    maintainer = same and a.has_perm("user") and a.org_has_perm("maintainer")
    if scope == "update":
        return (
            (a.is_sandbox and a.has_perm("worker") and staff)
            or (same and a.has_perm("worker") and a.is_member and staff)
            or maintainer
        )
    if scope == "delete":
        admin = _issue_admin(a, r)
        return (
            (a.is_sandbox and a.has_perm("worker") and admin)
            or (same and a.has_perm("worker") and a.is_member and admin)
            or maintainer
        )
    return False


def _comments_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """comments.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    maintainer = same and a.has_perm("user") and a.org_has_perm("maintainer")
    if scope == "create@issue":
        issue_staff = (
            _job_staff(a, r) or r.issue_owner == a.user_id or r.issue_assignee == a.user_id
        )
        return (
            (a.is_sandbox and a.has_perm("worker") and issue_staff)
            or maintainer
            or (same and a.has_perm("worker") and a.is_member and issue_staff)
        )
    staff = _comment_staff(a, r)
    if scope == "view":
        return (a.is_sandbox and staff) or maintainer or (same and a.is_member and staff)
    if scope in ("update", "delete"):
        return (
            (a.is_sandbox and a.has_perm("worker") and staff)
            or maintainer
            or (same and staff and a.has_perm("worker") and a.is_member)
        )
    return False


def _users_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """users.rego (``resource.membership.role``: the user's role in the request's org)."""
    if a.is_admin:
        return True
    if scope == "view":
        return r.id == a.user_id or r.role is not None
    if scope in ("update", "delete"):
        return bool(r.id == a.user_id)
    return False


def _organizations_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """organizations.rego (``resource.user.role``: any membership of the user in it)."""
    if a.is_admin:
        return True
    owner = r.owner == a.user_id
    if scope == "create":
        return a.has_perm(ORGANIZATIONS_MIN_ROLE_TO_CREATE)
    if scope == "view":
        return owner or r.user_role is not None
    if scope == "update":
        return a.has_perm("worker") and (owner or r.user_role == "maintainer")
    if scope == "delete":
        return a.has_perm("worker") and owner
    return False


def _memberships_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """memberships.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    if scope == "view":
        return (
            (bool(r.is_active) and a.is_sandbox and r.user == a.user_id)
            or (a.is_staff and same)
            or (bool(r.is_active) and a.is_member and same)
        )
    if scope in ("change:role", "delete"):
        if (
            same and a.has_perm("user") and a.is_maintainer
            and r.role not in ("owner", "maintainer") and r.user != a.user_id
        ):
            return True
        if (
            same and a.has_perm("user") and a.is_owner
            and r.user != a.user_id and r.role != "owner"
        ):
            return True
        return bool(
            scope == "delete" and r.is_active and a.is_member and same
            and r.user == a.user_id and r.role != "owner" and a.has_perm("worker")
        )
    return False


def _invitations_allow(scope: str, a: _Auth, r: _Res) -> bool:
    """invitations.rego"""
    if a.is_admin:
        return True
    same = a.same_org(r.org_id)
    owner = r.owner == a.user_id
    invitee = r.invitee == a.user_id
    if scope == "create":
        return (
            same and a.has_perm("user") and a.role == "maintainer"
            and r.role not in ("owner", "maintainer")
        ) or (same and a.has_perm("user") and a.is_owner and r.role != "owner")
    if scope == "view":
        return (
            (a.is_sandbox and (owner or invitee))
            or (same and a.has_perm("user") and a.is_staff)
            or (same and (owner or invitee))
        )
    if scope in ("resend", "delete"):
        return (
            (a.has_perm("worker") and a.is_sandbox and owner)
            or (same and a.has_perm("user") and a.is_staff)
            or (same and a.has_perm("worker") and owner)
        )
    if scope in ("accept", "decline"):
        return invitee and (a.is_sandbox or same)
    return False


_ALLOW: dict[str, Callable[[str, _Auth, _Res], bool]] = {
    "tasks": _tasks_allow,
    "projects": _projects_allow,
    "jobs": _jobs_allow,
    "issues": _issues_allow,
    "comments": _comments_allow,
    "users": _users_allow,
    "organizations": _organizations_allow,
    "memberships": _memberships_allow,
    "invitations": _invitations_allow,
}


# --------------------------------------------------------------------------------------------
# the rego "filter" rules and OrganizationFilterBackend: what a list shows
# --------------------------------------------------------------------------------------------


def check_list(store: StoreLike, actor: Actor, resource: str, scope: OrgScope | None) -> None:
    """The ``list`` scope: allowed to admins, in the sandbox, and to members of the
    organization; organizations may always be listed. Else 403."""
    if resource == "organizations":
        return
    auth = _request_auth(store, actor, scope)
    if auth.is_admin or auth.is_sandbox or auth.is_member:
        return
    raise _denied()


def _list_filter(resource: str, a: _Auth, rel: Related) -> Callable[[Obj], bool]:
    """The rego ``filter`` of a resource, as a predicate over served objects."""
    uid = a.user_id
    org = a.org_id
    if resource == "organizations":
        if a.is_admin:
            return lambda obj: True
        members = {
            _id(m.get("organization"))
            for m in rel.index("memberships").values()
            if _id(m.get("user")) == uid and m.get("is_active")
        }
        return lambda obj: obj.get("id") in members or _id(obj.get("owner")) == uid
    if resource == "users":
        if a.is_admin and a.is_sandbox:
            return lambda obj: True
        if a.is_sandbox:
            return lambda obj: obj.get("id") == uid
        user_ids = {
            _id(m.get("user"))
            for m in rel.index("memberships").values()
            if _id(m.get("organization")) == org
        }
        return lambda obj: obj.get("id") in user_ids
    if resource == "memberships":
        if a.is_admin and a.is_sandbox:
            return lambda obj: True
        if a.is_sandbox:
            return lambda obj: _id(obj.get("user")) == uid and bool(obj.get("is_active"))
        if a.is_admin or a.is_staff:
            return lambda obj: _id(obj.get("organization")) == org
        return lambda obj: _id(obj.get("organization")) == org and bool(obj.get("is_active"))
    if resource == "invitations":
        if a.is_sandbox and a.is_admin:
            return lambda obj: True

        def mine(obj: Obj) -> bool:
            return bool(_id(obj.get("owner")) == uid or _id(obj.get("user")) == uid)

        if a.is_sandbox:
            return mine
        if a.is_admin or (a.is_staff and a.has_perm("user")):
            return lambda obj: _id(obj.get("organization")) == org
        return lambda obj: mine(obj) and _id(obj.get("organization")) == org

    res_of = _RES_OF[resource]
    staff_of = _STAFF_OF[resource]

    def in_org(obj: Obj) -> bool:
        """``organization`` or ``project__organization`` (through the task) is the org."""
        return _org_pair_match(rel, resource, obj, org)

    if a.is_admin and a.is_sandbox:
        return lambda obj: True
    if a.is_admin and not a.is_sandbox:
        return in_org
    if a.is_sandbox:
        return lambda obj: staff_of(a, res_of(rel, obj))
    if a.has_perm("user") and a.org_has_perm("maintainer"):
        return in_org
    if a.org_has_perm("worker"):
        if resource == "labels":
            return lambda obj: staff_of(a, res_of(rel, obj))
        return lambda obj: staff_of(a, res_of(rel, obj)) and in_org(obj)
    return lambda obj: False


def _org_pair_match(rel: Related, resource: str, obj: Obj, org: int | None) -> bool:
    """Whether an object's own (task's) organization or its project's is ``org``."""
    if resource == "projects":
        return bool(_id(obj.get("organization")) == org)
    task: Obj | None
    if resource == "tasks":
        task = obj
    elif resource == "jobs":
        task = rel.get("tasks", obj.get("task_id"))
    elif resource == "issues":
        job = rel.get("jobs", _id(obj.get("job")))
        task = rel.get("tasks", job.get("task_id")) if job else None
    elif resource == "comments":
        issue = rel.get("issues", _id(obj.get("issue")))
        job = rel.get("jobs", _id(issue.get("job"))) if issue else None
        task = rel.get("tasks", job.get("task_id")) if job else None
    else:  # labels: task__organization | project__organization
        _kind, owner = _label_owner(rel, obj)
        return owner is not None and _id(owner.get("organization")) == org
    if task is None:
        return False
    project = rel.get("projects", task.get("project_id"))
    return _id(task.get("organization")) == org or (
        project is not None and _id(project.get("organization")) == org
    )


def _label_res(rel: Related, label: Obj) -> _Res:
    kind, owner = _label_owner(rel, label)
    if owner is None:
        return _Res()
    if kind == "projects":
        return _Res(
            org_id=_id(owner.get("organization")),
            project_owner=_id(owner.get("owner")),
            project_assignee=_id(owner.get("assignee")),
        )
    return _Res(
        org_id=_id(owner.get("organization")),
        task_owner=_id(owner.get("owner")),
        task_assignee=_id(owner.get("assignee")),
    )


def _project_res(rel: Related, project: Obj) -> _Res:
    return _Res(
        org_id=_id(project.get("organization")),
        owner=_id(project.get("owner")),
        assignee=_id(project.get("assignee")),
        id=project.get("id"),
    )


def _project_list_staff(a: _Auth, r: _Res) -> bool:
    return a.user_id in (r.owner, r.assignee)


_RES_OF: dict[str, Callable[[Related, Obj], _Res]] = {
    "projects": _project_res,
    "tasks": _task_res,
    "jobs": _job_res,
    "labels": _label_res,
    "issues": _issue_res,
    "comments": _comment_res,
}

_STAFF_OF: dict[str, Callable[[_Auth, _Res], bool]] = {
    "projects": _project_list_staff,
    "tasks": _task_staff,
    "jobs": _job_staff,
    "labels": _task_staff,
    "issues": lambda a, r: _job_staff(a, r) or a.user_id in (r.issue_owner, r.issue_assignee),
    "comments": _comment_staff,
}


def _org_backend(
    rel: Related, resource: str, scope: OrgScope | None
) -> Callable[[Obj], bool] | None:
    """``OrganizationFilterBackend``: only the organization's objects, or only non-org objects
    in the personal workspace (organizations are not filtered)."""
    if scope is None or resource == "organizations":
        return None
    org = scope.org_id
    if resource == "users":
        members: dict[Any, set[Any]] = {}
        for membership in rel.index("memberships").values():
            members.setdefault(_id(membership.get("user")), set()).add(
                _id(membership.get("organization"))
            )
        if org is None:
            return lambda obj: not members.get(obj.get("id"))
        return lambda obj: org in members.get(obj.get("id"), set())
    if resource == "labels":
        def label_org(obj: Obj) -> bool:
            _kind, owner = _label_owner(rel, obj)
            value = _id(owner.get("organization")) if owner else None
            return value == org

        return label_org
    if resource in ("projects", "tasks", "memberships", "invitations"):
        return lambda obj: _id(obj.get("organization")) == org

    def task_org(obj: Obj) -> bool:
        """``segment__task__organization`` (through the issue/job for issues and comments)."""
        if resource == "jobs":
            task = rel.get("tasks", obj.get("task_id"))
        elif resource == "issues":
            job = rel.get("jobs", _id(obj.get("job")))
            task = rel.get("tasks", job.get("task_id")) if job else None
        else:
            issue = rel.get("issues", _id(obj.get("issue")))
            job = rel.get("jobs", _id(issue.get("job"))) if issue else None
            task = rel.get("tasks", job.get("task_id")) if job else None
        return (_id(task.get("organization")) if task else None) == org

    return task_org


def visible_items(
    store: StoreLike,
    actor: Actor,
    resource: str,
    items: Iterable[Obj],
    scope: OrgScope | None,
    *,
    query: Mapping[str, str] | None = None,
) -> list[Obj]:
    """The objects of a list request the user may see, in the given organization context.

    Runs what the real server runs before its filter backends: the ``list`` permission (403 for
    a non-member in an organization), then the viewset's queryset (the rego ``filter``; for
    ``/api/labels?job_id=|task_id=|project_id=`` the parent's labels after a ``view`` check of
    the parent), then ``OrganizationFilterBackend``. Pass the request's ``query`` for labels,
    issues and comments (their ``job_id`` parameter changes what is visible).
    """
    query = query or {}
    check_list(store, actor, resource, scope)
    rel = Related(store)
    rows = list(items)
    auth = _request_auth(store, actor, scope)
    parent = label_parent(store, query) if resource == "labels" else None
    if parent is not None:
        parent_resource, parent_obj = parent
        check(store, actor, "view", parent_resource, parent_obj, scope)
    else:
        keep = _list_filter(resource, auth, rel)
        rows = [obj for obj in rows if keep(obj)]
    crowdsourcing = (
        resource in ("labels", "issues", "comments")
        and bool(query.get("job_id"))
        and auth.is_sandbox
        and actor.privilege == "worker"
    )
    org_filter = None if crowdsourcing else _org_backend(rel, resource, scope)
    if org_filter is not None:
        rows = [obj for obj in rows if org_filter(obj)]
    return rows


# --------------------------------------------------------------------------------------------
# object checks: view / update / delete
# --------------------------------------------------------------------------------------------

_UPDATE_FIELDS: dict[str, dict[str, str]] = {
    "tasks": {
        "owner_id": "update:owner",
        "assignee_id": "update:assignee",
        "project_id": "update:project",
        "name": "update:desc",
        "labels": "update:desc",
        "bug_tracker": "update:desc",
        "subset": "update:desc",
        "organization_id": "update:organization",
        "source_storage": "update:associated_storage",
        "target_storage": "update:associated_storage",
    },
    "projects": {
        "owner_id": "update:owner",
        "assignee_id": "update:assignee",
        "name": "update:desc",
        "labels": "update:desc",
        "bug_tracker": "update:desc",
        "organization_id": "update:organization",
        "source_storage": "update:associated_storage",
        "target_storage": "update:associated_storage",
    },
    "jobs": {"assignee": "update:assignee", "stage": "update:stage", "state": "update:state"},
    "memberships": {"role": "change:role"},
}


def update_scopes(
    resource: str, body: Mapping[str, Any] | None, query: Mapping[str, str] | None = None
) -> list[str]:
    """The scopes a PATCH needs (``get_per_field_update_scopes``: ``view`` plus one scope per
    body field; an unknown field is a 403)."""
    fields = _UPDATE_FIELDS.get(resource)
    if fields is None:
        if resource == "invitations":
            return ["accept" if query and "accepted" in query else "resend"]
        return ["update"]
    scopes = ["view"]
    for name in body or {}:
        if name not in fields:
            raise HttpError(403, {"detail": "Attempted to update an unknown field"})
        if fields[name] not in scopes:
            scopes.append(fields[name])
    return scopes


def _scopes_for(
    resource: str, action: str, body: Mapping[str, Any] | None, query: Mapping[str, str] | None
) -> list[str]:
    """``update`` is the PATCH's per-field scopes; any other action is itself a rego scope
    (``view``, ``delete``, or a named one such as ``update:desc`` or ``export:dataset``)."""
    if action == "update":
        return update_scopes(resource, body, query)
    return [action]


def _user_view_allowed(auth: _Auth, user_id: Any) -> bool:
    """``UserPermission.create_scope_view``: may this user see user ``user_id``?"""
    try:
        target = int(user_id)
    except (TypeError, ValueError):
        raise server_error() from None
    return _users_allow("view", auth, _Res(id=target, role=auth.role))


def _hidden_unless_listed(
    store: StoreLike, actor: Actor, resource: str, obj: Obj, scope: OrgScope | None
) -> None:
    """Organizations and invitations are looked up through their permission-filtered
    queryset (in the request's organization context), so others' are a 404."""
    if resource not in ("organizations", "invitations"):
        return
    rel = Related(store)
    keep = _list_filter(resource, _request_auth(store, actor, scope), rel)
    if not keep(obj):
        raise _not_found("Organization" if resource == "organizations" else "Invitation")


def _resource(rel: Related, resource: str, obj: Obj, auth: _Auth, store: StoreLike) -> _Res:
    if resource == "users":
        return _Res(id=obj.get("id"), role=auth.role)
    if resource == "organizations":
        membership = _membership(store, int(obj["id"]), auth.user_id, active_only=False)
        return _Res(
            id=obj.get("id"),
            owner=_id(obj.get("owner")),
            user_role=membership.get("role") if membership else None,
        )
    if resource == "memberships":
        return _Res(
            org_id=_id(obj.get("organization")),
            role=obj.get("role"),
            is_active=obj.get("is_active"),
            user=_id(obj.get("user")),
        )
    if resource == "invitations":
        return _Res(
            org_id=_id(obj.get("organization")),
            owner=_id(obj.get("owner")),
            invitee=_id(obj.get("user")),
            role=obj.get("role"),
        )
    if resource == "projects":
        return _project_res(rel, obj)
    return _RES_OF[resource](rel, obj)


def check(
    store: StoreLike,
    actor: Actor,
    action: str,
    resource: str,
    obj: Obj,
    scope: OrgScope | None,
    *,
    body: Mapping[str, Any] | None = None,
    query: Mapping[str, str] | None = None,
) -> None:
    """Raise unless ``actor`` may ``action`` (``view``, ``update``, ``delete`` or a rego scope
    name such as ``update:desc``) the object ``obj`` of ``resource``.

    The organization the rules see is the object's own (``get_iam_context(request, obj)``), not
    the request's, except for users, which belong to no organization. For ``update`` pass the
    PATCH ``body``: the scopes depend on its fields, and a task/project/issue/job body that sets
    an owner or assignee also needs ``view`` permission on that user (and a task's new project
    ``view`` on it). Invitations' PATCH depends on the ``accepted`` query parameter.
    """
    _hidden_unless_listed(store, actor, resource, obj, scope)
    rel = Related(store)
    if resource == "labels":
        kind, owner = _label_owner(rel, obj)
        if owner is None:
            raise server_error()
        owner_scope = "view" if action == "view" else "update:desc"
        check(store, actor, owner_scope, kind, owner, scope)
        return
    scopes = _scopes_for(resource, action, body, query)
    if resource == "users":
        auth = _request_auth(store, actor, scope)
    else:
        auth = _auth(store, actor, _object_org(rel, resource, obj))
    extra: list[Callable[[], bool]] = []
    res = _resource(rel, resource, obj, auth, store)
    allow = _ALLOW[resource]
    if "update:organization" in scopes and body is not None:
        scopes = [name for name in scopes if name != "update:organization"]
        extra = _transfer_checks(store, actor, allow, auth, res, body.get("organization_id"))
    if action == "update" and body:
        extra += _update_side_checks(store, rel, resource, obj, auth, body)
    for name in scopes:
        if not allow(name, auth, res):
            raise _denied()
    for side_check in extra:
        if not side_check():
            raise _denied()


def _transfer_checks(
    store: StoreLike,
    actor: Actor,
    allow: Callable[[str, _Auth, _Res], bool],
    auth: _Auth,
    res: _Res,
    dst: Any,
) -> list[Callable[[], bool]]:
    """``update:organization`` is "delete here, create there" (``TaskPermission.create``): the
    ``delete`` rule in the object's organization and ``create`` in the destination, whose
    context is the target organization's (or the personal workspace for ``null``)."""
    if dst is None:
        dst_auth = _auth(store, actor, None)
    else:
        try:
            dst_id = int(dst)
        except (TypeError, ValueError):
            raise server_error() from None  # Organization.objects.get(pk="abc") raises
        if store.get("organizations", dst_id) is None:
            raise _validation("Invalid org id")
        dst_auth = _auth(store, actor, dst_id)
    created = _Res(org_id=dst_auth.org_id, owner=actor.id, task_owner=actor.id)
    return [lambda: allow("delete", auth, res), lambda: allow("create", dst_auth, created)]


def _update_side_checks(
    store: StoreLike, rel: Related, resource: str, obj: Obj, auth: _Auth, body: Mapping[str, Any]
) -> list[Callable[[], bool]]:
    """The extra permissions a PATCH creates (``TaskPermission.create`` & co.), built in the
    real server's order: building may already fail (400/500) before anything is checked."""
    checks: list[Callable[[], bool]] = []
    if resource in ("tasks", "projects"):
        owner = body.get("owner_id") or body.get("owner")
        assignee = body.get("assignee_id") or body.get("assignee")
    elif resource in ("jobs", "issues"):
        owner = None
        assignee = body.get("assignee")
    else:
        return checks
    for user_id in (owner, assignee):
        if user_id:
            allowed = _user_view_allowed(auth, user_id)
            checks.append(_const(allowed))
    if resource == "tasks":
        project_id = body.get("project_id") or body.get("project")
        if project_id:
            project = _get_or_400(store, "projects", project_id, "Project")
            project_res = _project_res(rel, project)
            checks.append(lambda: _projects_allow("view", auth, project_res))
    return checks


def _get_or_400(store: StoreLike, resource: str, raw_id: Any, model: str) -> Obj:
    """``Model.objects.get(id=...)`` wrapped in ``ValidationError(str(DoesNotExist))``."""
    if raw_id is None:
        raise _validation(f"{model} matching query does not exist.")
    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        raise server_error() from None
    found = store.get(resource, pk)
    if found is None:
        raise _validation(f"{model} matching query does not exist.")
    return found


# --------------------------------------------------------------------------------------------
# creation
# --------------------------------------------------------------------------------------------

_NO_CREATE = ("users", "memberships", "labels")


def check_create(
    store: StoreLike, actor: Actor, resource: str, body: Mapping[str, Any], scope: OrgScope | None
) -> None:
    """Raise unless ``actor`` may ``POST /api/<resource>`` with ``body`` in ``scope``.

    The organization the rules see is the request's (new objects go there), except for jobs,
    whose rules see their task's. Referenced objects that do not exist are the real server's
    400 ``<Model> matching query does not exist.``.
    """
    if resource in _NO_CREATE:
        raise HttpError(405, {"detail": 'Method "POST" not allowed.'})
    rel = Related(store)
    auth = _request_auth(store, actor, scope)
    checks: list[Callable[[], bool]] = []
    if resource == "projects":
        res = _Res(org_id=auth.org_id, owner=actor.id)
        checks.append(lambda: _projects_allow("create", auth, res))
        _append_user_views(checks, auth, body, ("owner_id", "owner"), ("assignee_id", "assignee"))
    elif resource == "tasks":
        project_id = body.get("project_id") or body.get("project")
        users: list[Callable[[], bool]] = []
        _append_user_views(users, auth, body, ("owner_id", "owner"), ("assignee_id", "assignee"))
        project_res = _Res()
        if project_id:
            project = _get_or_400(store, "projects", project_id, "Project")
            project_res = _project_res(rel, project)
        res = _Res(
            org_id=auth.org_id,
            owner=actor.id,
            task_owner=actor.id,
            project_owner=project_res.owner,
            project_assignee=project_res.assignee,
        )
        task_scope = "create@project" if project_id else "create"
        checks.append(lambda: _tasks_allow(task_scope, auth, res))
        checks.extend(users)
        if project_id:
            checks.append(lambda: _projects_allow("view", auth, project_res))
    elif resource == "jobs":
        task_id = body.get("task_id")
        if not task_id:
            raise _validation("task_id is not specified")
        task = _get_or_400(store, "tasks", task_id, "Task")
        task_auth = _auth(store, actor, _optional_int(_id(task.get("organization"))))
        task_res = _task_res(rel, task)
        task_project = rel.get("projects", task.get("project_id"))
        job_org = (
            _id(task_project.get("organization"))
            if task_project
            else _id(task.get("organization"))
        )
        job_res = _Res(
            org_id=job_org,
            task_owner=task_res.task_owner,
            task_assignee=task_res.task_assignee,
            project_owner=task_res.project_owner,
            project_assignee=task_res.project_assignee,
        )
        checks.append(lambda: _tasks_allow("view", task_auth, task_res))
        checks.append(lambda: _jobs_allow("create", task_auth, job_res))
        _append_user_views(checks, task_auth, body, ("assignee",))
    elif resource == "issues":
        users = []
        _append_user_views(users, auth, body, ("assignee",))
        job = _get_or_400(store, "jobs", body.get("job"), "Job")
        base = _job_res(rel, job)
        issue_res = _Res(
            org_id=base.org_id,
            owner=actor.id,
            assignee=body.get("assignee"),
            task_owner=base.task_owner,
            task_assignee=base.task_assignee,
            project_owner=base.project_owner,
            project_assignee=base.project_assignee,
            job_assignee=base.job_assignee,
        )
        checks.append(lambda: _issues_allow("create@job", auth, issue_res))
        checks.extend(users)
    elif resource == "comments":
        issue = _get_or_400(store, "issues", body.get("issue"), "Issue")
        comment_res = _issue_res(rel, issue)
        checks.append(lambda: _comments_allow("create@issue", auth, comment_res))
    elif resource == "organizations":
        checks.append(lambda: _organizations_allow("create", auth, _Res(owner=actor.id)))
    elif resource == "invitations":
        invitation_res = _Res(org_id=auth.org_id, owner=actor.id, role=body.get("role"))
        checks.append(lambda: _invitations_allow("create", auth, invitation_res))
    else:
        raise KeyError(resource)
    for allowed in checks:
        if not allowed():
            raise _denied()


def _const(value: bool) -> Callable[[], bool]:
    """A check whose answer is already known (computed while the permissions are built)."""
    return lambda: value


def _append_user_views(
    checks: list[Callable[[], bool]],
    auth: _Auth,
    body: Mapping[str, Any],
    *names: tuple[str, ...],
) -> None:
    """``UserPermission.create_scope_view`` for each referenced user (first non-empty name)."""
    for alternatives in names:
        user_id = next((body.get(name) for name in alternatives if body.get(name)), None)
        if user_id:
            allowed = _user_view_allowed(auth, user_id)
            checks.append(_const(allowed))
