"""The ``cvatorm`` pytest plugin as a user's test suite meets it (run with ``pytester``).

Each test writes a user's test module and runs pytest on it: ``cvat_client`` is connected and
is the default connection, background operations poll fast, and state does not leak from one
test to the next, on LocalCVAT (reset) and on a server named by ``CVAT_URL`` (what the test
created is deleted). The "real server" runs point ``CVAT_URL`` at the suite's own target: the
real server when the suite runs against one, else the session's LocalCVAT, which then plays a
real server (nobody resets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cvatorm.connection import AccessTokenCredentials, Client, make_client
from cvatorm.exceptions import NotFoundError
from cvatorm.pytest_plugin import CreatedObjects

pytest_plugins = ["pytester"]

if TYPE_CHECKING:  # the root conftest's class; its module name is ambiguous at run time
    from conftest import CvatTarget

_SERVER_VARIABLES = ("CVAT_URL", "CVAT_USERNAME", "CVAT_PASSWORD", "CVAT_ACCESS_TOKEN", "CVAT_ORG")


@pytest.fixture
def on_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's run has no server variables: cvat_client uses the plugin's LocalCVAT."""
    for name in _SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def on_server(monkeypatch: pytest.MonkeyPatch, cvat_target: CvatTarget) -> CvatTarget:
    """The user's run names the suite's target in ``CVAT_URL`` & co., as a real server."""
    for name in _SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CVAT_URL", cvat_target.url)
    credentials = cvat_target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        monkeypatch.setenv("CVAT_ACCESS_TOKEN", credentials.token)
    else:
        monkeypatch.setenv("CVAT_USERNAME", credentials.user)
        monkeypatch.setenv("CVAT_PASSWORD", credentials.password)
    return cvat_target


@pytest.fixture
def checker(cvat_target: CvatTarget) -> Iterator[Client]:
    """The administrator's client for checking the server from outside the user's run.

    Not ``admin_client``: pytester restores ``sys.modules`` after each test, and the schema
    validation of ``traffic`` must not load its modules inside that window.
    """
    with make_client(cvat_target.url, credentials=cvat_target.credentials) as client:
        yield client


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user_suite=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-ra", *args)


# --------------------------------------------------------------------------- LocalCVAT

LOCAL_SUITE = """
import time
from cvatorm import Project, Task, connections


def test_creates_a_project(cvat_client):
    assert connections["default"] is cvat_client
    project = Project.objects.create(name="made by test 1", labels=[{"name": "car"}])
    assert cvat_client.projects.filter(name="made by test 1").count() == 1
    Task.objects.retrieve(2).delete()


def test_starts_from_the_seed_again(cvat_client, cvat_server):
    assert cvat_client.api_map.host == cvat_server.url
    assert Project.objects.filter(name="made by test 1").count() == 0
    assert Task.objects.filter(id=2).count() == 1
    assert Task.objects.count() == 30


def test_background_operations_are_fast(cvat_client, tmp_path):
    task = Task.objects.retrieve(2)
    start = time.monotonic()
    path = task.download_backup(tmp_path)
    assert path.stat().st_size > 0
    assert time.monotonic() - start < 1.0, "a backup polled every 5 s would take 5 s"
    assert cvat_client.config.status_check_period == 0.05


def test_sees_the_faults_it_adds(cvat_client, cvat_server):
    cvat_server.faults.add(method="GET", path="/api/projects", status=503, times=1)
    assert Project.objects.count() == 17  # retried once
    assert [r.status for r in cvat_server.requests if r.path == "/api/projects"][-2:] == [503, 200]
"""


@pytest.mark.local_only
def test_cvat_client_on_local_cvat_is_connected_fast_and_reset(
    pytester: pytest.Pytester, on_local: None
) -> None:
    result = _run(pytester, LOCAL_SUITE)
    result.assert_outcomes(passed=4)


@pytest.mark.local_only
def test_the_poll_period_is_an_option(pytester: pytest.Pytester, on_local: None) -> None:
    source = (
        "def test_poll(cvat_client):\n"
        "    assert cvat_client.config.status_check_period == 0.5\n"
    )
    _run(pytester, source, "--cvat-poll=0.5").assert_outcomes(passed=1)
    bad = _run(pytester, source, "--cvat-poll=0")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--cvat-poll must be a number of seconds > 0, not 0.0*"])


@pytest.mark.local_only
def test_a_failing_user_test_fails_and_the_next_one_is_clean(
    pytester: pytest.Pytester, on_local: None
) -> None:
    source = """
from cvatorm import Project

def test_fails_half_way(cvat_client):
    Project.objects.create(name="left by a failure")
    assert False, "the user's assertion"

def test_next(cvat_client):
    assert not Project.objects.filter(name="left by a failure").exists()
"""
    result = _run(pytester, source)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*the user's assertion*"])


# --------------------------------------------------------------------------- a real server

SERVER_SUITE = """
import uuid
from cvatorm import Project, Task, Webhook, connections

MARK = "cvatorm-plugin-" + uuid.uuid4().hex[:8]


def test_creates_objects(cvat_client):
    project = Project.objects.create(name=MARK, labels=[{"name": "car"}])
    Task.objects.create(name=MARK, project_id=project.id)
    Task.objects.create(name=MARK, labels=[{"name": "dog"}])
    deleted = Task.objects.create(name=MARK, labels=[{"name": "cat"}])
    deleted.delete()
    Webhook.objects.create(target_url="http://127.0.0.1:9/hook", type="project",
                           project_id=project.id, events=["create:task"])
    print("MARK=" + MARK)


def test_finds_none_of_them(cvat_client):
    assert Task.objects.filter(name=MARK).count() == 0
    assert Project.objects.filter(name=MARK).count() == 0


def test_with_the_local_server_is_skipped(cvat_client, cvat_server):
    raise AssertionError("must not run against a real server")
"""


def test_cvat_client_on_a_real_server_deletes_what_the_test_created(
    pytester: pytest.Pytester, on_server: CvatTarget, checker: Client
) -> None:
    result = _run(pytester, SERVER_SUITE, "-s")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["*uses cvat_server (LocalCVAT) with cvat_client, and CVAT_URL names a real server*"]
    )
    mark = next(line for line in result.outlines if "MARK=" in line).split("MARK=")[1].strip()
    assert mark.startswith("cvatorm-plugin-")
    # Checked from outside too: nothing of the run is left.
    for resource in ("tasks", "projects"):
        listed = checker.request("GET", f"/api/{resource}", params={"search": mark}).json()
        assert listed["count"] == 0, listed


def test_cvat_client_on_a_real_server_reports_what_it_could_not_delete(
    pytester: pytest.Pytester, on_server: CvatTarget, checker: Client
) -> None:
    """A user who makes an object undeletable by the test's client is told, not left silent."""
    source = """
from cvatorm import Project, connections

def test_hands_its_project_away(cvat_client):
    project = Project.objects.create(name="cvatorm-plugin-undeletable")
    print("PROJECT=%d" % project.id)
    cvat_client.logout()  # the client can no longer delete anything
"""
    result = _run(pytester, source, "-s")
    try:
        result.assert_outcomes(passed=1, errors=1)
        result.stdout.fnmatch_lines(["*cvat_client could not delete what the test created on*"])
    finally:
        line = next(line for line in result.outlines if "PROJECT=" in line)
        project_id = int(line.split("PROJECT=")[1].split()[0])
        checker.request("DELETE", f"/api/projects/{project_id}")


# --------------------------------------------------------------------------- CreatedObjects


def test_created_objects_are_recorded_with_their_organization_and_deleted(
    admin_client: Client,
) -> None:
    created = CreatedObjects(admin_client)
    orgs = admin_client.request("GET", "/api/organizations", params={"page_size": 1}).json()
    slug = orgs["results"][0]["slug"]
    project = admin_client.request("POST", "/api/projects", json={"name": "cvatorm-rec"}).json()
    with admin_client.organization_context(slug):
        in_org = admin_client.request("POST", "/api/projects", json={"name": "cvatorm-rec"}).json()
    outsider = next(
        u for u in admin_client.request("GET", "/api/users", params={"page_size": "all"}).json()[
            "results"
        ]
        if u["username"] == "lonely_user"
    )
    invitation = admin_client.request(
        "POST", "/api/invitations", json={"email": outsider["email"], "role": "worker"},
        organization=slug,
    ).json()
    made = admin_client.request(
        "GET", "/api/memberships", params={"user": "lonely_user"}, organization=slug
    ).json()["results"]
    assert [m["invitation"] for m in made] == [invitation["key"]]
    admin_client.request("GET", f"/api/projects/{project['id']}")  # reads record nothing
    assert [(c.path, c.organization, c.invitation) for c in created.created] == [
        (f"/api/projects/{project['id']}", None, None),
        (f"/api/projects/{in_org['id']}", slug, None),
        (f"/api/invitations/{invitation['key']}", slug, (invitation["key"], "lonely_user")),
    ]
    assert created.delete_all() == []
    assert created.created == []
    for path in (f"/api/projects/{project['id']}", f"/api/projects/{in_org['id']}"):
        with pytest.raises(NotFoundError):
            admin_client.request("GET", path)
    left = admin_client.request(
        "GET", "/api/memberships", params={"user": "lonely_user"}, organization=slug
    ).json()
    assert left["count"] == 0, "the membership the invitation made is gone too"


def test_an_object_restored_from_a_backup_is_recorded(
    admin_client: Client, tmp_path: Path
) -> None:
    project = admin_client.projects.create(name="cvatorm-backup-source")
    try:
        backup = project.download_backup(tmp_path, status_check_period=0.05)
        created = CreatedObjects(admin_client)
        restored = admin_client.projects.create_from_backup(backup, status_check_period=0.05)
        assert restored.id != project.id
        assert [c.path for c in created.created] == [f"/api/projects/{restored.id}"]
        assert created.delete_all() == []
        assert not admin_client.projects.filter(id=restored.id).exists()
    finally:
        project.delete()


@pytest.mark.local_only
def test_the_plugin_is_installed_for_a_user_run_in_a_subprocess(tmp_path: Path) -> None:
    """Installed cvatorm registers the plugin: a plain ``pytest`` run has the fixtures."""
    (tmp_path / "test_user.py").write_text(
        "def test_it(cvat_client):\n    assert cvat_client.tasks.count() == 30\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in _SERVER_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout



def test_the_test_server_half_stays_independent_of_the_client() -> None:
    """``cvatorm.testing`` (the server and its fixtures) imports nothing else of cvatorm, so the
    client half of the plugin lives above the models, in ``cvatorm.pytest_plugin``."""
    import ast

    package = Path(__file__).resolve().parents[1] / "cvatorm" / "testing"
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.name}: {name}"
                for name in names
                if (name == "cvatorm" or name.startswith("cvatorm."))
                and not name.startswith("cvatorm.testing")
            ]
    assert found == []
