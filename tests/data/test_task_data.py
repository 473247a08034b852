"""Creating tasks from files (``client.tasks.create_from_data``, ``task.upload_data``): the
upload protocols, waiting, bad input, failures, progress."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cvatorm.exceptions import (
    BackgroundRequestException,
    BadRequestError,
    NotFoundError,
    OperationTimeoutError,
    ValidationError,
)
from cvatorm.models import Task
from cvatorm.progress import NullProgress, TqdmProgress, resolve_progress
from cvatorm.transfer import plan_upload
from cvatorm.transfer.tus import MAX_CONSECUTIVE_ERRORS, TusError

from .conftest import RecordingProgress

SPEC = {"name": "cvatorm task data", "labels": [{"name": "car"}, {"name": "person"}]}


def _posts_with(traffic: Any, header: str) -> int:
    return sum(
        1
        for e in traffic.exchanges
        if e.method == "POST" and header.lower() in {h.lower() for h in e.request_headers}
    )


def test_create_from_data_makes_frames_and_jobs(
    data_client: Any, images: Callable[..., list[Path]], make_task: Any, traffic: Any
) -> None:
    files = images((64, 48), (32, 40), (50, 50), (20, 10), (31, 17))
    task = make_task(files, spec={**SPEC, "segment_size": 2})

    assert task.size == 5
    jobs = sorted((job.start_frame, job.stop_frame) for job in task.jobs)
    assert jobs == [(0, 1), (2, 3), (4, 4)]
    meta = data_client.request("GET", f"/api/tasks/{task.id}/data/meta").json()
    assert [(f["name"], f["width"], f["height"]) for f in meta["frames"]] == [
        ("img_000.png", 64, 48),
        ("img_001.png", 32, 40),
        ("img_002.png", 50, 50),
        ("img_003.png", 20, 10),
        ("img_004.png", 31, 17),
    ]
    # small files: one Upload-Start, one multipart request, one Upload-Finish, no TUS
    assert _posts_with(traffic, "Upload-Start") == 1
    assert _posts_with(traffic, "Upload-Multiple") == 1
    assert _posts_with(traffic, "Upload-Finish") == 1
    assert _posts_with(traffic, "Upload-Length") == 0


def test_small_files_are_grouped_by_request_size(
    make_task: Any, images: Callable[..., list[Path]], traffic: Any
) -> None:
    files = images((40, 40), (41, 41), (42, 42), (43, 43), noise=True)
    biggest = max(path.stat().st_size for path in files)
    plan = plan_upload(files, max_request_size=2 * biggest)
    assert [len(group) for group in plan.groups] == [2, 2]

    task = make_task(files, max_request_size=2 * biggest)

    assert task.size == 4
    assert _posts_with(traffic, "Upload-Multiple") == 2
    assert _posts_with(traffic, "Upload-Length") == 0


def test_large_files_go_by_tus_chunks(
    data_client: Any, make_task: Any, images: Callable[..., list[Path]], traffic: Any
) -> None:
    small = images((8, 8))
    large = images((60, 60), (70, 50), noise=True)
    chunk = 4000
    task = make_task(small + large, max_request_size=1000, chunk_size=chunk)

    assert task.size == 3
    assert _posts_with(traffic, "Upload-Length") == 2
    patches = [e for e in traffic.exchanges if e.method == "PATCH" and "/data/" in e.path]
    expected = sum(-(-path.stat().st_size // chunk) for path in large)
    assert len(patches) == expected
    offsets = [int(e.request_headers["Upload-Offset"]) for e in patches]
    assert offsets[0] == 0 and all(size <= chunk for size in (len(e.body or b"") for e in patches))
    meta = data_client.request("GET", f"/api/tasks/{task.id}/data/meta").json()
    assert [(f["width"], f["height"]) for f in meta["frames"]] == [(8, 8), (60, 60), (70, 50)]


@pytest.mark.local_only
def test_interrupted_tus_upload_resumes_with_the_right_bytes(
    local_cvat: Any,
    data_client: Any,
    make_task: Any,
    images: Callable[..., list[Path]],
    traffic: Any,
) -> None:
    large = images((90, 90), noise=True)[0]
    # the second chunk's connection is reset before the server sees it
    local_cvat.faults.add(method="PATCH", pattern=r"/api/tasks/\d+/data/.+", reset=True, times=1)
    task = make_task([large], max_request_size=1000, chunk_size=5000)

    heads = [e for e in traffic.exchanges if e.method == "HEAD"]
    assert len(heads) == 1 and heads[0].response_headers["Upload-Offset"] == "0"
    frame = data_client.request(
        "GET",
        f"/api/tasks/{task.id}/data/",
        params={"type": "frame", "number": 0, "quality": "original"},
    )
    assert frame.content == large.read_bytes()
    assert task.size == 1


@pytest.mark.local_only
def test_reset_after_the_server_applied_a_chunk_resumes_from_its_offset(
    local_cvat: Any,
    data_client: Any,
    make_task: Any,
    images: Callable[..., list[Path]],
    traffic: Any,
) -> None:
    large = images((90, 90), noise=True)[0]
    # the answer to a chunk is lost (truncated) after the server stored it
    local_cvat.faults.add(method="PATCH", pattern=r"/api/tasks/\d+/data/.+", status=502, times=1)
    task = make_task([large], max_request_size=1000, chunk_size=5000)
    frame = data_client.request(
        "GET", f"/api/tasks/{task.id}/data/", params={"type": "frame", "number": 0}
    )
    assert frame.content == large.read_bytes()
    assert any(e.method == "HEAD" for e in traffic.exchanges)


def test_upload_data_to_an_existing_task(
    data_client: Any, images: Callable[..., list[Path]], cleanup: Any
) -> None:
    task: Task = data_client.tasks.create(SPEC)
    cleanup("tasks", task.id)
    assert task.size in (0, None)  # no data yet
    task.upload_data(images((10, 10), (12, 12)), data_params={"image_quality": 80})
    # waited for the server, then refreshed: no refresh() needed
    assert task.size == 2 and task.image_quality == 80
    assert task.jobs.count() == 1


def test_upload_data_checks_the_files_before_any_request(
    data_client: Any, images: Callable[..., list[Path]], cleanup: Any, traffic: Any
) -> None:
    task: Task = data_client.tasks.create(SPEC)
    cleanup("tasks", task.id)
    traffic.clear()
    with pytest.raises(ValidationError) as caught:
        task.upload_data(["/nonexistent/cvatorm.png"])
    assert "resources" in caught.value.messages
    with pytest.raises(ValidationError, match="not saved"):
        Task(name="draft").upload_data(images((10, 10)))
    assert len(traffic) == 0


@pytest.mark.parametrize(
    ("spec", "resources", "kwargs", "field"),
    [
        (SPEC, [], {}, "resources"),
        (SPEC, ["/nonexistent/cvatorm.png"], {}, "resources"),
        ({**SPEC, "project_id": 1}, None, {}, "labels"),
        ({"name": "no labels"}, None, {}, "labels"),
        (SPEC, None, {"data_params": {"image_qualty": 50}}, "data_params"),
        # values the real server's DataSerializer refuses (it would leave an empty task)
        (SPEC, None, {"data_params": {"image_quality": 500}}, "data_params"),
        (SPEC, None, {"data_params": {"image_quality": "70"}}, "data_params"),
        (SPEC, None, {"data_params": {"frame_step": 0}}, "data_params"),
        (SPEC, None, {"data_params": {"start_frame": -1}}, "data_params"),
        (SPEC, None, {"data_params": {"start_frame": 5, "stop_frame": 2}}, "data_params"),
        (SPEC, None, {"data_params": {"sorting_method": "by-date"}}, "data_params"),
        (SPEC, None, {"data_params": {"use_cache": "yes"}}, "data_params"),
        (SPEC, None, {"data_params": ["image_quality", 70]}, "data_params"),
        (SPEC, None, {"resource_type": "ftp"}, "resource_type"),
        (SPEC, None, {"annotation_path": "/nonexistent/ann.xml"}, "annotation_path"),
    ],
)
def test_bad_input_fails_before_the_task_is_created(
    data_client: Any,
    images: Callable[..., list[Path]],
    traffic: Any,
    spec: dict[str, Any],
    resources: list[str] | None,
    kwargs: dict[str, Any],
    field: str,
) -> None:
    files = images((10, 10)) if resources is None else resources
    traffic.clear()
    with pytest.raises(ValidationError) as caught:
        data_client.tasks.create_from_data(spec, files, **kwargs)
    assert field in caught.value.messages
    assert traffic.count("POST", "/api/tasks") == 0


def test_two_files_with_the_same_name_are_refused(
    data_client: Any, tmp_path: Path, images: Callable[..., list[Path]], traffic: Any
) -> None:
    first = images((10, 10))[0]
    (tmp_path / "other").mkdir()
    second = tmp_path / "other" / first.name
    second.write_bytes(first.read_bytes())
    traffic.clear()
    with pytest.raises(ValidationError, match="two files are named"):
        data_client.tasks.create_from_data(SPEC, [first, second])
    assert traffic.count("POST", "/api/tasks") == 0


def test_a_failed_creation_raises_the_server_message_and_deletes_the_task(
    data_client: Any, tmp_path: Path, traffic: Any
) -> None:
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_bytes(b"this is text, not an image " * 10)
    with pytest.raises(BackgroundRequestException) as caught:
        data_client.tasks.create_from_data(SPEC, [not_an_image])
    created = traffic.select("POST", "/api/tasks")[0].response_json["id"]
    polled = [e for e in traffic.exchanges if e.path.startswith("/api/requests/")][-1]
    assert polled.response_json["status"] == "failed"
    assert caught.value.message == polled.response_json["message"] != ""
    with pytest.raises(NotFoundError):
        data_client.request("GET", f"/api/tasks/{created}")


def test_a_timed_out_creation_waits_for_the_server_then_deletes_the_task(
    data_client: Any, images: Callable[..., list[Path]], traffic: Any
) -> None:
    """The wait gives up while the server still processes the data; the real server refuses
    to delete such a task (500), so the cleanup waits for its processing to end, then deletes.
    Nothing half-made is left, and the timeout is what the caller sees."""
    files = images(*[(640, 480)] * 8, noise=True)
    with pytest.raises(OperationTimeoutError):
        data_client.tasks.create_from_data(SPEC, files, timeout=0.001)
    created = traffic.select("POST", "/api/tasks")[0].response_json["id"]
    with pytest.raises(NotFoundError):
        data_client.request("GET", f"/api/tasks/{created}")
    assert traffic.count("POST", "/api/tasks") == 1  # the task was never created twice


def test_keep_on_failure_keeps_the_task(
    data_client: Any, tmp_path: Path, traffic: Any, cleanup: Any
) -> None:
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_bytes(b"plain text")
    with pytest.raises(BackgroundRequestException):
        data_client.tasks.create_from_data(SPEC, [not_an_image], keep_on_failure=True)
    created = traffic.select("POST", "/api/tasks")[0].response_json["id"]
    cleanup("tasks", created)
    assert data_client.request("GET", f"/api/tasks/{created}").json()["id"] == created


@pytest.mark.local_only
def test_injected_background_failure_message_is_surfaced(
    local_cvat: Any, data_client: Any, images: Callable[..., list[Path]]
) -> None:
    local_cvat.background.fail_next(message="No space left on device", operation="create:task")
    with pytest.raises(BackgroundRequestException) as caught:
        data_client.tasks.create_from_data(SPEC, images((10, 10)))
    assert caught.value.message == "No space left on device"
    assert caught.value.status == "failed"


def test_progress_reports_bytes_then_the_server_wait(
    make_task: Any, images: Callable[..., list[Path]]
) -> None:
    files = images((30, 30), (40, 40))
    progress = RecordingProgress()
    make_task(files, progress=progress)

    operations = progress.operations()
    total = sum(path.stat().st_size for path in files)
    assert operations[0] == (total, "Uploading data", "B")
    assert operations[1][2] == "%"
    assert progress.events.count(("finish", None)) == 2
    assert progress.advanced() == total
    assert ("update", 100) in progress.events


def test_predefined_sorting_keeps_the_callers_order(
    data_client: Any, make_task: Any, images: Callable[..., list[Path]]
) -> None:
    files = images((11, 11), (12, 12), (13, 13))
    task = make_task(list(reversed(files)), data_params={"sorting_method": "predefined"})
    meta = data_client.request("GET", f"/api/tasks/{task.id}/data/meta").json()
    assert [f["name"] for f in meta["frames"]] == [path.name for path in reversed(files)]


def test_progress_defaults() -> None:
    assert isinstance(resolve_progress(None), NullProgress)
    assert isinstance(resolve_progress(False), NullProgress)
    has_tqdm = importlib.util.find_spec("tqdm") is not None
    assert isinstance(resolve_progress(True), TqdmProgress if has_tqdm else NullProgress)
    recorder = RecordingProgress()
    assert resolve_progress(recorder) is recorder
    with pytest.raises(TypeError):
        resolve_progress(42)


def test_a_cvat_sdk_reporter_is_adapted() -> None:
    from cvat_sdk.core.progress import BaseProgressReporter

    class Counting(BaseProgressReporter):
        def __init__(self) -> None:
            super().__init__()
            self.total: int | None = None
            self.advanced = 0

        def start2(self, total: int, **kwargs: Any) -> None:
            super().start2(total, **kwargs)
            self.total = total

        def advance(self, delta: int) -> None:
            super().advance(delta)
            self.advanced += delta

    sdk = Counting()
    reporter = resolve_progress(sdk)
    reporter.start(10, desc="x", unit="B")
    reporter.advance(3)
    reporter.update(10)
    reporter.finish()
    assert (sdk.total, sdk.advanced) == (10, 10)


def test_tqdm_reporter_draws_a_bar() -> None:
    pytest.importorskip("tqdm")
    sink = io.StringIO()
    reporter = TqdmProgress(file=sink)
    reporter.start(2048, desc="Uploading", unit="B")
    reporter.advance(1024)
    reporter.update(2048)
    reporter.finish()
    assert "Uploading" in sink.getvalue() and "2.00k" in sink.getvalue()


@pytest.mark.local_only
def test_an_upload_that_keeps_failing_gives_up_and_leaves_no_task(
    local_cvat: Any, data_client: Any, images: Callable[..., list[Path]], traffic: Any
) -> None:
    large = images((90, 90), noise=True)
    fault = local_cvat.faults.add(
        method="PATCH", pattern=r"/api/tasks/\d+/data/.+", reset=True, times=None
    )
    try:
        with pytest.raises(TusError, match="5 times in a row"):
            data_client.tasks.create_from_data(SPEC, large, max_request_size=1000, chunk_size=5000)
    finally:
        fault.remaining = 0
    assert fault.hits == MAX_CONSECUTIVE_ERRORS
    created = traffic.select("POST", "/api/tasks")[0].response_json["id"]
    assert traffic.select("DELETE", f"/api/tasks/{created}")[0].status == 204
    with pytest.raises(NotFoundError):
        data_client.request("GET", f"/api/tasks/{created}")


def test_plan_upload_groups_in_order_up_to_the_limit(tmp_path: Path) -> None:
    sizes = [40, 60, 100, 101, 30, 70, 1]
    files = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"f{number}"
        path.write_bytes(b"x" * size)
        files.append(path)
    plan = plan_upload(files, max_request_size=100)
    assert [[p.name for p in group] for group in plan.groups] == [
        ["f0", "f1"],
        ["f2"],
        ["f4", "f5"],
        ["f6"],
    ]
    assert [p.name for p in plan.separate] == ["f3"]
    assert plan.total_size == sum(sizes)
    assert plan_upload([], 100).groups == ()


def test_remote_resources_are_sent_by_reference(data_client: Any, traffic: Any) -> None:
    resource = "http://127.0.0.1:9/cvatorm-missing.png"
    with pytest.raises((BackgroundRequestException, BadRequestError)):
        data_client.tasks.create_from_data(SPEC, [resource], resource_type="remote")
    sent = [e for e in traffic.exchanges if e.method == "POST" and e.path.endswith("/data/")]
    assert len(sent) == 1 and sent[0].json["remote_files"] == [resource]
    assert sent[0].json["image_quality"] == 70
    created = traffic.select("POST", "/api/tasks")[0].response_json["id"]
    with pytest.raises(NotFoundError):
        data_client.request("GET", f"/api/tasks/{created}")


@pytest.mark.local_only
def test_a_refused_upload_finish_can_be_corrected_and_resent(
    local_cvat: Any, data_client: Any, images: Callable[..., list[Path]], cleanup: Any
) -> None:
    task = data_client.tasks.create(SPEC)
    cleanup("tasks", task.id)
    endpoint = f"/api/tasks/{task.id}/data/"
    data_client.request("POST", endpoint, headers={"Upload-Start": "true"})
    data_client.request(
        "POST",
        endpoint,
        data={"image_quality": "70"},
        files=[("client_files[0]", ("one.png", images((12, 12))[0].read_bytes()))],
        headers={"Upload-Multiple": "true"},
    )
    with pytest.raises(BadRequestError) as refused:
        data_client.request("POST", endpoint, json={}, headers={"Upload-Finish": "true"})
    assert "image_quality" in refused.value.field_errors
    accepted = data_client.request(
        "POST", endpoint, json={"image_quality": 70}, headers={"Upload-Finish": "true"}
    )
    data_client.wait_for_completion(accepted.json()["rq_id"], status_check_period=0.1)
    task.refresh()
    assert task.size == 1


def test_tracked_reports_a_bulk_operation() -> None:
    from cvatorm.progress import tracked

    recorder = RecordingProgress()
    seen = [item for item in tracked(["a", "b", "c"], recorder, total=3, desc="Updating")]
    assert seen == ["a", "b", "c"]
    assert recorder.events == [
        ("start", (3, "Updating", "it")),
        ("advance", 1),
        ("advance", 1),
        ("advance", 1),
        ("finish", None),
    ]
    stopped = RecordingProgress()
    for _ in tracked(range(10), stopped, total=10, desc="x"):
        break
    assert stopped.events[-1] == ("finish", None)


def test_the_creation_request_is_listed_with_its_filters(
    data_client: Any, make_task: Any, images: Callable[..., list[Path]], traffic: Any
) -> None:
    task = make_task(images((10, 10)))
    finish = next(
        e for e in traffic.exchanges if e.method == "POST" and "Upload-Finish" in e.request_headers
    )
    rq_id = finish.response_json["rq_id"]
    listed = data_client.request(
        "GET",
        "/api/requests",
        params={"action": "create", "target": "task", "task_id": task.id},
    ).json()
    assert [item["id"] for item in listed["results"]] == [rq_id]
    assert listed["results"][0]["status"] == "finished"


@pytest.mark.covers("GET /api/server/share", call="create_from_data(..., resource_type='share')")
def test_a_task_is_made_from_files_of_the_servers_share(
    data_client: Any, cleanup: Any, traffic: Any
) -> None:
    files = [e.path for e in data_client.share("images") if not e.is_dir][:2]
    task = data_client.tasks.create_from_data(
        {"name": "cvatorm from the share", "labels": [{"name": "car"}]},
        files,
        resource_type="share",
    )
    cleanup("tasks", task.id)
    sent = [e for e in traffic.exchanges if e.method == "POST" and e.path.endswith("/data/")]
    assert sent[0].json["server_files"] == files  # by reference: nothing uploaded
    assert task.size == 2
    assert [frame["name"] for frame in task.get_frames_info()] == files


def test_a_share_file_that_is_not_there_is_refused_before_the_task_is_made(
    data_client: Any, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match=r"not in the server's share: 'images/nope\.png'"):
        data_client.tasks.create_from_data(
            {"name": "cvatorm never made", "labels": [{"name": "car"}]},
            ["images/nope.png"],
            resource_type="share",
        )
    assert {method for method, _ in traffic.calls()} == {"GET"}  # listings only
