"""Functions run in ``multiprocessing`` workers by ``test_pickling.py`` (importable by a
spawned process, which does not run the test module's fixtures)."""

from __future__ import annotations

import cvatorm
from cvatorm import Task


def connect(url: str, user: str | None, password: str | None, token: str | None) -> None:
    """A ``Pool`` initializer: this worker's own connection to the server."""
    if token is not None:
        cvatorm.connect(url, access_token=token)
    else:
        assert user is not None and password is not None
        cvatorm.connect(url, credentials=(user, password))


def rename_subset(task: Task) -> tuple[int, str]:
    """Read a field, change one and save it: the object came pickled from the parent."""
    name = task.name
    task.subset = "from worker"
    task.save()
    return task.id, name
