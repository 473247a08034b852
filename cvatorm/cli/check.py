"""``python -m cvatorm check``: what a connection reaches, gathered once and printed.

It answers the questions asked when a script cannot talk to CVAT: which server, which version
(and whether this cvatorm supports it), who am I there, which organizations do I see (and my
role in each), and which of cvatorm's models the server offers, read from its own schema (a
newer or smaller server may lack some, e.g. without the webhooks app).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from cvatorm._version import __version__
from cvatorm.connection import Client
from cvatorm.connection.versions import is_supported, supported_range
from cvatorm.models import Membership, Organization
from cvatorm.wire.capabilities import bundled_table, read_schema_capabilities
from cvatorm.wire.endpoints import SELF_USER
from cvatorm.wire.resource import resources

__all__ = ["Report", "gather", "render"]


@dataclass
class Report:
    """Everything ``check`` prints (``--json`` prints it as is)."""

    server: str
    connected_from: str
    version: str
    supported: bool
    supported_versions: str
    cvatorm_version: str
    user: str
    superuser: bool
    organization_context: str | None
    #: ``{"slug", "name", "role"}`` of each organization the user sees.
    organizations: list[dict[str, Any]] = field(default_factory=list)
    #: Resource names of cvatorm's models the server offers / does not offer; ``None`` when the
    #: server's schema could not be read.
    offered: list[str] | None = None
    missing: list[str] | None = None
    #: List endpoints the server has that no model of this cvatorm covers.
    other_lists: list[str] | None = None


def gather(client: Client, connected_from: str) -> Report:
    version = client.get_server_version()
    me = client.request("GET", SELF_USER, organization=None).json()
    username = str(me.get("username", ""))
    roles = {
        m.organization_id: str(m.role)
        for m in Membership.objects.db_manager(client, None).filter(user__username=username)
    }
    organizations = [
        {"slug": org.slug, "name": org.name, "role": roles.get(org.id)}
        for org in Organization.objects.db_manager(client, None).order_by("slug")
    ]
    report = Report(
        server=client.api_map.host,
        connected_from=connected_from,
        version=str(version),
        supported=is_supported(version),
        supported_versions=supported_range(),
        cvatorm_version=__version__,
        user=username,
        superuser=bool(me.get("is_superuser")),
        organization_context=client.organization_slug,
        organizations=organizations,
    )
    table = read_schema_capabilities(client)
    if table is not None:
        known = {r.collection_path(): r.name for r in resources}
        # Only a filterable list tells from the schema whether the server has a resource: a
        # model without one in CVAT 2.64 either (guides, assets, lambda) is not "missing".
        lists_in_2_64 = set(bundled_table("2.64") or {})
        report.offered = sorted(name for path, name in known.items() if path in table)
        report.missing = sorted(
            name for path, name in known.items() if path not in table and path in lists_in_2_64
        )
        report.other_lists = sorted(path for path in table if path not in known)
    return report


def render(report: Report, *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(asdict(report), indent=2)
    support = "supported" if report.supported else "NOT supported"
    lines = [
        f"Server:        {report.server}  (connected from {report.connected_from})",
        f"Version:       CVAT {report.version}: {support} by cvatorm {report.cvatorm_version} "
        f"({report.supported_versions})",
        f"User:          {report.user}{' (superuser)' if report.superuser else ''}",
        f"Context:       {_context(report.organization_context)}",
        f"Organizations: {_organizations(report.organizations)}",
    ]
    if report.offered is None:
        lines.append("Models:        unknown (the server's schema could not be read)")
    else:
        lines.append(f"Models:        {', '.join(report.offered) or 'none'}")
        if report.missing:
            lines.append(f"Not offered:   {', '.join(report.missing)}")
        if report.other_lists:
            lines.append(f"Other lists:   {len(report.other_lists)} without a cvatorm model "
                         f"({', '.join(report.other_lists)})")
    return "\n".join(lines)


def _context(slug: str | None) -> str:
    if slug is None:
        return "none (everything the user may see)"
    if slug == "":
        return "the personal workspace"
    return f"organization {slug}"


def _organizations(organizations: list[dict[str, Any]]) -> str:
    if not organizations:
        return "none"
    return ", ".join(
        f"{o['slug']} ({o['role']})" if o["role"] else str(o["slug"]) for o in organizations
    )
