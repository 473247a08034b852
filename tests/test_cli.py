"""``python -m cvatorm``: ``check`` and ``shell``, their connection options and exit codes.

Run in-process (``main([...])`` with ``capsys``) for the output, and as a subprocess for what a
user types. ``--embedded`` starts its own LocalCVAT; the environment runs point ``CVAT_URL`` at
the suite's target (the real server when the suite runs against one).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import types
from typing import TYPE_CHECKING, Any

import pytest

from cvatorm.cli import EXIT_CODES, main
from cvatorm.cli import check as check_module
from cvatorm.cli import shell as shell_module
from cvatorm.connection import AccessTokenCredentials

if TYPE_CHECKING:  # the root conftest's class; its module name is ambiguous at run time
    from conftest import CvatTarget

_SERVER_VARIABLES = ("CVAT_URL", "CVAT_USERNAME", "CVAT_PASSWORD", "CVAT_ACCESS_TOKEN", "CVAT_ORG")


@pytest.fixture(autouse=True)
def _no_server_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _target_environment(target: CvatTarget) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVER_VARIABLES}
    env["CVAT_URL"] = target.url
    credentials = target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        env["CVAT_ACCESS_TOKEN"] = credentials.token
    else:
        env["CVAT_USERNAME"] = credentials.user
        env["CVAT_PASSWORD"] = credentials.password
    return env


def _cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in _SERVER_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "cvatorm", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- check


def test_check_embedded_reports_server_version_user_organizations_and_models(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--embedded"]) == 0
    out = capsys.readouterr().out
    assert "(connected from --embedded (LocalCVAT))" in out
    assert "Version:       CVAT 2.64.1: supported by cvatorm" in out
    assert "User:          admin1 (superuser)" in out
    assert "Organizations: org1, org2, org3" in out
    models = next(line for line in out.splitlines() if line.startswith("Models:"))
    for name in ("tasks", "projects", "jobs", "users", "webhooks", "requests", "cloudstorages"):
        assert name in models
    assert "Not offered:" not in out  # LocalCVAT lists everything a 2.64 server lists


def test_check_json_is_the_same_report_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--embedded", "--org", "org2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["user"] == "admin1" and report["superuser"] is True
    assert report["organization_context"] == "org2"
    assert [o["slug"] for o in report["organizations"]] == ["org1", "org2", "org3"]
    assert "tasks" in report["offered"] and report["missing"] == []


def test_check_shows_the_users_role_in_each_organization(
    cvat_target: CvatTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CVAT_URL", cvat_target.url)
    monkeypatch.setenv("CVAT_USERNAME", "user1")
    monkeypatch.setenv("CVAT_PASSWORD", "!Q@W#E$R")
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "(connected from environment (CVAT_URL))" in out
    assert "User:          user1\n" in out
    assert "Organizations: org1 (owner), org3 (owner)" in out  # CVAT's test database


def test_check_from_the_environment_in_a_subprocess(cvat_target: CvatTarget) -> None:
    result = _cli("check", env=_target_environment(cvat_target))
    assert result.returncode == 0, result.stderr
    assert f"Server:        {cvat_target.url}" in result.stdout
    assert "Version:       CVAT 2." in result.stdout


def test_check_with_url_and_options(cvat_target: CvatTarget) -> None:
    credentials = cvat_target.credentials
    if isinstance(credentials, AccessTokenCredentials):
        login = ["--access-token", credentials.token]
    else:
        login = ["--username", credentials.user, "--password", credentials.password]
    result = _cli("check", "--url", cvat_target.url, *login)
    assert result.returncode == 0, result.stderr
    assert "(connected from --url)" in result.stdout


def test_strict_check_fails_on_an_unsupported_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check_module, "is_supported", lambda version: False)
    assert main(["check", "--embedded"]) == 0  # reported, not refused
    assert "NOT supported" in capsys.readouterr().out
    assert main(["check", "--embedded", "--strict"]) == EXIT_CODES["unsupported"] == 5


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "ConfigurationError: no server: pass --url, set CVAT_URL"),
        (("--password", "x", "--url", "http://127.0.0.1:9"), 2, "--password needs --username"),
        (("--username", "admin1"), 2, "need --url"),
        (("--embedded", "--url", "http://127.0.0.1:9"), 2, "--embedded starts its own server"),
        (("--embedded", "--org", "not a slug!"), 2, "InvalidArgumentError"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_no_traceback(
    args: tuple[str, ...], code: int, message: str
) -> None:
    result = _cli("check", *args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_username_without_password_and_no_terminal_is_refused() -> None:
    result = _cli("check", "--url", "http://127.0.0.1:9", "--username", "admin1")
    assert result.returncode == 2
    assert "no terminal to ask for the password on" in result.stderr


def test_a_wrong_password_exits_4(cvat_target: CvatTarget) -> None:
    result = _cli("check", "--url", cvat_target.url, "-u", "admin1", "--password", "wrong!")
    assert result.returncode == EXIT_CODES["refused"] == 4
    assert result.stderr.startswith("cvatorm: AuthenticationError: login as 'admin1'")
    assert "Traceback" not in result.stderr and "wrong!" not in result.stderr


def test_no_server_at_the_url_exits_3() -> None:
    result = _cli("check", "--url", f"http://127.0.0.1:{_closed_port()}")
    assert result.returncode == EXIT_CODES["unreachable"] == 3
    assert result.stderr.startswith("cvatorm: InvalidHostException: no CVAT server answers")
    assert len(result.stderr.strip().splitlines()) == 1, "retry warnings stay quiet"


def test_verbose_shows_the_retries() -> None:
    result = _cli("-v", "check", "--url", f"http://127.0.0.1:{_closed_port()}")
    assert result.returncode == 3
    assert "retry 1/3" in result.stderr


def test_help_lists_the_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "check" in out and "shell" in out and "3 unreachable" in out


# --------------------------------------------------------------------------- shell


def test_shell_command_runs_with_the_models_imported(capsys: pytest.CaptureFixture[str]) -> None:
    code = (
        "print(Task.objects.count(), client is cvatorm.connections['default'],"
        " type(server).__name__, Q.__name__)"
    )
    assert main(["shell", "--embedded", "-c", code]) == 0
    assert capsys.readouterr().out.strip() == "30 True LocalCVAT Q"


def test_shell_errors_in_the_command_are_cvatorm_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shell", "--embedded", "-c", "Task.objects.get(id=999999)"]) == 1
    assert "cvatorm: DoesNotExist" in capsys.readouterr().err


def test_interactive_shell_reads_from_stdin_with_the_plain_console(
    cvat_target: CvatTarget,
) -> None:
    result = _cli(
        "shell", "--plain", env=_target_environment(cvat_target),
        stdin="print('user is', client.user)\nprint(Project.objects.exists())\n",
    )
    assert result.returncode == 0, result.stderr
    assert "user is" in result.stdout and "True" in result.stdout
    # The banner (on stderr, as Python's console writes it) says where and what is imported.
    assert f"shell: {cvat_target.url} as " in result.stderr
    assert "Imported: " in result.stderr and "Task" in result.stderr


def test_ipython_is_used_when_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str, str | None]] = []

    def start_ipython(argv: list[str], user_ns: dict[str, Any]) -> None:
        started.append((user_ns["Task"].__name__, user_ns["client"].user))

    fake = types.SimpleNamespace(start_ipython=start_ipython)
    monkeypatch.setattr(shell_module, "_ipython", lambda: fake)
    assert main(["shell", "--embedded"]) == 0
    assert started == [("Task", "admin1")]
    assert "cvatorm 0." in capsys.readouterr().out

