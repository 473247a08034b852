"""``iterator(progress=...)``: long walks report through ``cvatorm.progress`` (one unit per
object handed out, the total from the first page's count); ``True`` is a tqdm bar."""

from __future__ import annotations

from typing import Any

import pytest

from cvatorm import Task

from .fakeclient import FakeClient


class Recorder:
    """A ``ProgressReporter`` that writes down every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start(self, total: float | None, *, desc: str, unit: str = "it") -> None:
        self.calls.append(("start", total, desc, unit))

    def advance(self, delta: float) -> None:
        self.calls.append(("advance", delta))

    def update(self, done: float) -> None:
        self.calls.append(("update", done))

    def finish(self) -> None:
        self.calls.append(("finish",))

    @property
    def advanced(self) -> float:
        return sum(c[1] for c in self.calls if c[0] == "advance")


def test_a_walk_reports_every_object_against_the_count(fake: FakeClient) -> None:
    recorder = Recorder()
    total = len(fake.collection("tasks"))
    seen = list(Task.objects.using(fake).iterator(chunk_size=7, progress=recorder))
    assert len(seen) == total
    assert recorder.calls[0] == ("start", total, "Listing Task objects", "object")
    assert recorder.advanced == total and recorder.calls[-1] == ("finish",)


@pytest.mark.parametrize("order", ["-id", "name"])  # a keyset walk, a snapshot walk
def test_a_slice_reports_its_own_length(fake: FakeClient, order: str) -> None:
    recorder = Recorder()
    seen = list(Task.objects.using(fake).order_by(order)[3:13].iterator(progress=recorder))
    assert len(seen) == 10
    assert recorder.calls[0][1] == 10 and recorder.advanced == 10


def test_a_local_condition_leaves_the_total_unknown(fake: FakeClient) -> None:
    recorder = Recorder()
    seen = list(Task.objects.using(fake).filter(name__iregex="a").iterator(progress=recorder))
    assert recorder.calls[0][1] is None and recorder.advanced == len(seen)


def test_stopping_early_finishes_the_report(fake: FakeClient) -> None:
    recorder = Recorder()
    walk = Task.objects.using(fake).iterator(chunk_size=5, progress=recorder)
    first = [next(walk) for _ in range(3)]
    walk.close()
    assert len(first) == 3 and recorder.calls[-1] == ("finish",)
    assert recorder.advanced == 2  # the third was handed out, not yet done with


def test_nothing_to_walk_still_starts_and_finishes(fake: FakeClient) -> None:
    recorder = Recorder()
    assert list(Task.objects.using(fake).filter(id=-5).iterator(progress=recorder)) == []
    assert recorder.calls == [("start", 0, "Listing Task objects", "object"), ("finish",)]


def test_true_is_a_tqdm_bar(fake: FakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    list(Task.objects.using(fake).iterator(progress=True))
    total = len(fake.collection("tasks"))
    err = capsys.readouterr().err
    assert "Listing Task objects: 100%|" in err and f" {total}/{total} " in err


def test_a_bad_reporter_is_refused_before_any_request(fake: FakeClient) -> None:
    with pytest.raises(TypeError, match="progress must be"):
        Task.objects.using(fake).iterator(progress="yes")
    assert fake.log == []
