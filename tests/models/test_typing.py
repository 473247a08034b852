"""Types that help a user's script: mypy (strict) on a script using the models must flag a
wrong value type (``t.name = 5``), a typo (``t.nmae = ...``) and a nullable value used as if
never null (``task.owner``, ``task.project``), and must accept the documented uses (enum
values as strings, users by name or id, ``task.jobs`` as a ``QuerySet[Job]``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cvatorm import Job, Task
from cvatorm.exceptions import UnknownFieldError, ValidationError

ROOT = Path(__file__).resolve().parents[2]

GOOD = '''
from cvatorm import Job, Project, Task, User
from cvatorm.models import JobStage
from cvatorm.query import QuerySet


def tidy(task: Task, job: Job) -> int:
    owner: User | None = task.owner
    project: Project | None = task.project
    jobs: QuerySet[Job] = task.jobs
    same_task: Task = job.task
    name: str = task.name
    size: int = task.size
    task.name = "renamed"
    task.assignee = "alice"
    task.assignee = 3
    task.assignee = None
    task.project = None
    job.state = "completed"
    job.stage = JobStage.ACCEPTANCE
    first = jobs.filter(state="new").first()
    if owner is not None and project is not None and first is not None:
        return len(owner.username) + project.id + first.id + len(name) + size + same_task.id
    return jobs.count()
'''

BAD = '''
from cvatorm import Project, Task, User


def careless(task: Task) -> None:
    task.name = 5
    task.nmae = "typo"
    owner: User = task.owner
    project: Project = task.project
'''


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    pytest.importorskip("mypy")
    where = tmp_path_factory.mktemp("typing")
    (where / "good.py").write_text(textwrap.dedent(GOOD))
    (where / "bad.py").write_text(textwrap.dedent(BAD))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(where / "cache"),
         "--no-error-summary", "good.py", "bad.py"],
        cwd=where, capture_output=True, text=True, timeout=600,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )  # fmt: skip
    lines: dict[str, list[str]] = {"good.py": [], "bad.py": []}
    for line in result.stdout.splitlines():
        match = re.match(r"(good|bad)\.py:(\d+): error: (.*)", line)
        if match:
            lines[f"{match[1]}.py"].append(f"{match[2]}: {match[3]}")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return lines


def test_the_documented_uses_type_check(mypy_output: dict[str, list[str]]) -> None:
    assert mypy_output["good.py"] == []


def test_mistakes_are_caught_by_mypy(mypy_output: dict[str, list[str]]) -> None:
    errors = mypy_output["bad.py"]
    assert len(errors) == 4, errors
    wrong_type, typo, owner, project = errors
    assert wrong_type.startswith("6: ") and '"int"' in wrong_type and '"str"' in wrong_type
    assert typo.startswith("7: ") and '"Task" has no attribute "nmae"' in typo
    assert owner.startswith("8: ") and '"User | None"' in owner
    assert project.startswith("9: ") and '"Project | None"' in project


def test_the_same_mistakes_are_refused_at_run_time() -> None:
    task = Task(name="cars")
    with pytest.raises(ValidationError, match="Expected a string"):
        task.name = 5  # type: ignore[assignment]
    with pytest.raises(UnknownFieldError, match="'nmae'"):
        task.nmae = "typo"  # type: ignore[attr-defined]
    job = Job._from_wire({"id": 1}, client=None)
    with pytest.raises(ValidationError):
        job.state = "finished-ish"
