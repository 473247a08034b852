"""Fixtures of the task data, annotations, datasets, backups and frames tests.

``data_client`` is the administrator's client polling background requests every 0.1 s (the
default 5 s would make every test wait). ``images`` writes real image files with Pillow (a test
dependency only). ``make_task`` creates tasks through the code under test
(``data_client.tasks.create_from_data``: ``Task.objects`` bound to that client) and deletes them
after the test, so a real server keeps its data. Every object the tests get from the client's
managers is bound to it, so ``task.export_dataset(...)`` and ``job.get_annotations()`` go
through the same client and its traffic recorder.

The upload protocol's intermediate exchanges, which CVAT's schema does not describe, are left out
of the schema check by the root ``traffic`` fixture (``described_by_schema``); everything else,
including the ``Upload-Finish`` answers, is validated.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cvatorm.connection import Client, Config
from cvatorm.exceptions import NotFoundError
from cvatorm.models import Task


@pytest.fixture
def data_client(cvat_target: Any, traffic: Any) -> Iterator[Client]:
    client = traffic.new_client(cvat_target.url, config=Config(status_check_period=0.1))
    client.login(cvat_target.credentials)
    with client:
        yield client


def image_bytes(width: int, height: int, fmt: str = "PNG", *, noise: bool = False) -> bytes:
    """A real image; ``noise`` makes it incompressible (so its file is big)."""
    if noise:
        image = Image.frombytes(
            "RGB", (width, height), random.Random(width * height).randbytes(width * height * 3)
        )
    else:
        image = Image.new("RGB", (width, height), (width % 256, height % 256, 128))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def images(tmp_path: Path) -> Callable[..., list[Path]]:
    """``images((w, h), ...)`` -> files ``img_000.png``...; ``fmt="JPEG"``, ``noise=True``."""
    counter = [0]

    def make(*sizes: tuple[int, int], fmt: str = "PNG", noise: bool = False) -> list[Path]:
        paths = []
        for width, height in sizes:
            extension = "jpg" if fmt == "JPEG" else fmt.lower()
            path = tmp_path / f"img_{counter[0]:03d}.{extension}"
            counter[0] += 1
            path.write_bytes(image_bytes(width, height, fmt, noise=noise))
            paths.append(path)
        return paths

    return make


@pytest.fixture
def cleanup(data_client: Client) -> Iterator[Callable[[str, int], None]]:
    """``cleanup("tasks", id)``: delete that object after the test (ignoring 404)."""
    made: list[tuple[str, int]] = []
    yield lambda resource, obj_id: made.append((resource, obj_id))
    for resource, obj_id in reversed(made):
        # already gone (a test deleted it) is fine
        with contextlib.suppress(NotFoundError):
            data_client.request("DELETE", f"/api/{resource}/{obj_id}")


@pytest.fixture
def make_task(
    data_client: Client, images: Callable[..., list[Path]], cleanup: Callable[[str, int], None]
) -> Callable[..., Any]:
    """``make_task(files=None, spec=None, **kwargs)``: a task with data, made by
    ``data_client.tasks.create_from_data(spec, files, **kwargs)``."""

    def make(
        files: list[Path] | None = None, spec: dict[str, Any] | None = None, **kw: Any
    ) -> Task:
        files = files if files is not None else images((64, 48), (32, 40), (50, 50))
        spec = spec or {"name": f"cvatorm data test {os.getpid()}", "labels": [{"name": "car"}]}
        task: Task = data_client.tasks.create_from_data(spec, files, **kw)
        cleanup("tasks", task.id)
        return task

    return make


class RecordingProgress:
    """A ProgressReporter that remembers every call."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.events.append(("start", (total, desc, unit)))

    def advance(self, delta: float) -> None:
        self.events.append(("advance", delta))

    def update(self, done: float) -> None:
        self.events.append(("update", done))

    def finish(self) -> None:
        self.events.append(("finish", None))

    def operations(self) -> list[tuple[Any, Any, Any]]:
        return [value for kind, value in self.events if kind == "start"]

    def advanced(self) -> float:
        return sum(value for kind, value in self.events if kind == "advance")
