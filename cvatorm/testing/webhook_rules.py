"""Who may see and change webhooks: ``cvat/apps/webhooks/rules/webhooks.rego`` and
``cvat/apps/webhooks/permissions.py`` (``WebhookPermission``), restated in Python.

The OPA input's ``resource`` of a webhook is its owner, its organization and, for project
webhooks, the project's owner. Object checks (view, update, delete; ``ping`` and
``redelivery`` are ``update``, the deliveries ``view``) see the webhook's own organization;
lists and creations the request's. A creation's scope is ``create@project`` or
``create@organization`` after the body's ``type`` (just ``create``, admins only, for any other
value), and a body naming ``project_id`` (any request, PATCH included) or ``owner_id``/``owner``
also needs ``view`` on that project or user, in the same organization context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cvatorm.testing.errors import HttpError
from cvatorm.testing.listing import server_error
from cvatorm.testing.listing_fields import Related, StoreLike
from cvatorm.testing.permissions import (
    DENIED,
    Actor,
    OrgScope,
    _Auth,
    _auth,
    _project_res,
    _projects_allow,
    _user_view_allowed,
)
from cvatorm.testing.store import Obj

_VIEW = "view"
_CHANGE = ("update", "delete")


@dataclass(frozen=True)
class WebhookRes:
    """``input.resource``: owner, organization and the project's owner (ids or None)."""

    owner: Any = None
    org_id: Any = None
    project_owner: Any = None


def _denied() -> HttpError:
    return HttpError(403, {"detail": DENIED})


def _owner_id(row: Obj | None) -> Any:
    owner = (row or {}).get("owner")
    return owner.get("id") if isinstance(owner, dict) else owner


def resource_of(rel: Related, webhook: Obj) -> WebhookRes:
    """``WebhookPermission.get_resource`` for a stored webhook."""
    project_owner = None
    if webhook.get("type") == "project" and webhook.get("project_id"):
        project_owner = _owner_id(rel.get("projects", webhook["project_id"]))
    return WebhookRes(_owner_id(webhook), webhook.get("organization"), project_owner)


def allow(scope: str, a: _Auth, r: WebhookRes) -> bool:
    """webhooks.rego ``allow``, rule by rule."""
    if a.is_admin:
        return True
    owner = r.owner is not None and r.owner == a.user_id
    project_owner = r.project_owner is not None and r.project_owner == a.user_id
    same_org = a.same_org(r.org_id)
    if a.is_sandbox:
        if scope == "create@project":
            return a.has_perm("user") and project_owner
        if scope == "list":
            return True
        if scope == _VIEW:
            return owner or project_owner
        if scope in _CHANGE:
            return a.has_perm("worker") and (owner or project_owner)
        return False
    if scope == "list":
        return a.is_member
    if not same_org:
        return False
    maintainer = a.has_perm("worker") and a.org_has_perm("maintainer")
    if scope == _VIEW:
        return maintainer or (a.org_has_perm("worker") and (owner or project_owner))
    if scope in _CHANGE:
        return maintainer or (
            a.has_perm("worker") and a.org_has_perm("worker") and (owner or project_owner)
        )
    if scope == "create@organization":
        return maintainer
    if scope == "create@project":
        return maintainer or (a.has_perm("worker") and a.org_has_perm("worker") and project_owner)
    return False


def list_filter(store: StoreLike, actor: Actor, scope: OrgScope | None) -> Callable[[Obj], bool]:
    """The ``list`` check (403 for a non-member in an organization) and the rego ``filter``
    with ``add_organization_filter(["organization"])`` as a predicate over stored webhooks."""
    org_id = scope.org_id if scope is not None else None
    a = _auth(store, actor, org_id)
    if not allow("list", a, WebhookRes()):
        raise _denied()
    rel = Related(store)

    def mine(row: Obj) -> bool:
        r = resource_of(rel, row)
        return a.user_id in (r.owner, r.project_owner)

    base: Callable[[Obj], bool]
    if a.is_admin:
        base = _everything
    elif a.is_sandbox:
        base = mine
    elif a.has_perm("worker") and a.org_has_perm("maintainer"):
        base = _everything
    elif a.has_perm("worker") and a.org_has_perm("worker"):
        base = mine
    else:
        base = _nothing
    if a.is_sandbox and scope is None:
        return base
    if a.is_sandbox:
        return lambda row: row.get("organization") is None and base(row)
    return lambda row: row.get("organization") == org_id and base(row)


def _everything(row: Obj) -> bool:
    return True


def _nothing(row: Obj) -> bool:
    return False


def _extra_checks(
    store: StoreLike, rel: Related, a: _Auth, body: Mapping[str, Any]
) -> tuple[list[Callable[[], bool]], Obj | None]:
    """The permissions a body adds: ``view`` on ``owner_id``/``owner`` and on
    ``project_id`` (built first: a missing project is a 400 before anything is checked)."""
    checks: list[Callable[[], bool]] = []
    owner = body.get("owner_id") or body.get("owner")
    if owner:
        allowed = _user_view_allowed(a, owner)
        checks.append(lambda: allowed)
    project_id = body.get("project_id")
    project: Obj | None = None
    if project_id:
        if isinstance(project_id, int):
            project = store.get("projects", project_id)
            if project is None:
                raise HttpError(400, ["Project matching query does not exist."])
            res = _project_res(rel, project)
            checks.append(lambda: _projects_allow("view", a, res))
        else:  # ProjectPermission keeps the raw value and fails reading it later
            checks.append(_server_error)
    return checks, project


def _server_error() -> bool:
    raise server_error()


def check_object(
    store: StoreLike, actor: Actor, action: str, webhook: Obj, body: Mapping[str, Any] | None
) -> None:
    """``view``/``update``/``delete`` of a stored webhook, in its own organization."""
    a = _auth(store, actor, webhook.get("organization"))
    rel = Related(store)
    extra, _project = _extra_checks(store, rel, a, body or {})
    if not allow(action, a, resource_of(rel, webhook)):
        raise _denied()
    for check in extra:
        if not check():
            raise _denied()


def check_create(
    store: StoreLike, actor: Actor, scope: OrgScope | None, body: Mapping[str, Any]
) -> None:
    """``POST /api/webhooks``: in the request's organization context."""
    kind = body.get("type")
    action = f"create@{kind}" if kind in ("project", "organization") else "create"
    org_id = scope.org_id if scope is not None else None
    a = _auth(store, actor, org_id)
    rel = Related(store)
    extra, project = _extra_checks(store, rel, a, body)
    project_id = body.get("project_id")
    if project_id and project is None:  # get_resource: Project.objects.get(id=project_id)
        text = str(project_id)
        if not text.isdigit():
            raise server_error()
        project = store.get("projects", int(text))
        if project is None:
            raise HttpError(400, [f"Could not find project with provided id: {project_id}"])
    project_owner = _owner_id(project) if project is not None else None
    res = WebhookRes(owner=None, org_id=org_id, project_owner=project_owner)
    if not allow(action, a, res):
        raise _denied()
    for check in extra:
        if not check():
            raise _denied()
