"""``LambdaFunction`` and ``LambdaRequest`` against LocalCVAT or a real server.

The real server of ``../shared/realcvat`` has no serverless backend (nuclio): every call that
needs a function answers 503 with its connection error, which is a ``LambdaUnavailableError``
naming the reason. LocalCVAT deploys a detector and an interactor and runs auto-annotation as
the real server would: these tests check the error on the one and the success on the other."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cvatorm import Task
from cvatorm.exceptions import (
    InvalidArgumentError,
    LambdaUnavailableError,
    NotFoundError,
    ServerError,
    ValidationError,
)
from cvatorm.models import FunctionKind, LambdaFunction, LambdaRequest

DETECTOR = "openvino-omz-public-yolo-v3-tf"


@pytest.fixture
def serverless(cvat_target: Any) -> bool:
    """Whether the server has serverless functions (LocalCVAT does; the real one does not)."""
    return bool(cvat_target.is_local)


@pytest.fixture
def task(orm_connection: Any, tmp_path: Path) -> Iterator[Task]:
    images = []
    for index in range(3):
        path = tmp_path / f"{index}.png"
        Image.new("RGB", (64, 48), (index * 40, 90, 120)).save(path)
        images.append(str(path))
    made = Task.objects.create_from_data(
        {"name": f"lambda {uuid.uuid4().hex[:8]}", "labels": [{"name": "car"}, {"name": "dog"}]},
        images,
        status_check_period=0.05,
    )
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete()


def _unavailable(error: LambdaUnavailableError) -> None:
    assert error.status == 503 and isinstance(error, ServerError)
    assert "nuclio" in error.detail and "serverless" in str(error)


@pytest.mark.covers("GET /api/lambda/functions", call="LambdaFunction.objects.all()")
@pytest.mark.covers(
    "GET /api/lambda/functions/{func_id}", call="LambdaFunction.objects.retrieve(id)"
)
def test_functions_are_listed_or_the_missing_backend_is_named(
    orm_connection: Any, serverless: bool
) -> None:
    if not serverless:
        with pytest.raises(LambdaUnavailableError) as listing:
            list(LambdaFunction.objects.all())
        _unavailable(listing.value)
        with pytest.raises(LambdaUnavailableError) as retrieving:
            orm_connection.lambda_functions.retrieve(DETECTOR)
        _unavailable(retrieving.value)
        return
    functions = list(LambdaFunction.objects.all())
    kinds = {f.id: f.kind for f in functions}
    assert kinds[DETECTOR] is FunctionKind.DETECTOR
    assert FunctionKind.INTERACTOR in kinds.values()
    detector = orm_connection.lambda_functions.retrieve(DETECTOR)
    assert detector == next(f for f in functions if f.id == DETECTOR)
    assert "car" in detector.labels
    assert [f.id for f in LambdaFunction.objects.filter(kind="detector")] == [DETECTOR]
    with pytest.raises(LambdaFunction.DoesNotExist):
        LambdaFunction.objects.retrieve("no-such-function")


@pytest.mark.covers("POST /api/lambda/functions/{func_id}", call="LambdaFunction.call(...)")
def test_a_detector_called_on_one_frame(task: Task, serverless: bool) -> None:
    detector = LambdaFunction._from_wire({"id": DETECTOR}, client=task._client)
    if not serverless:
        with pytest.raises(LambdaUnavailableError) as called:
            detector.call(task=task, frame=0)
        _unavailable(called.value)
        return
    found = detector.call(task=task, frame=1)
    labels = {label.id: label.name for label in task.labels.all()}
    assert found["shapes"] and {labels[s["label_id"]] for s in found["shapes"]} == {"car", "dog"}
    assert {s["frame"] for s in found["shapes"]} == {1}


@pytest.mark.covers("GET /api/lambda/requests", call="LambdaRequest.objects.all()")
@pytest.mark.covers("POST /api/lambda/requests", call="LambdaFunction.run(task)")
@pytest.mark.covers("GET /api/lambda/requests/{id}", call="LambdaRequest.refresh()")
@pytest.mark.covers("DELETE /api/lambda/requests/{id}", call="LambdaRequest.delete()")
def test_auto_annotation_writes_shapes_or_names_the_missing_backend(
    task: Task, orm_connection: Any, serverless: bool
) -> None:
    assert isinstance(list(LambdaRequest.objects.all()), list)
    if not serverless:
        with pytest.raises(LambdaUnavailableError) as running:
            LambdaRequest.objects.start(DETECTOR, task, cleanup=True)
        _unavailable(running.value)
        with pytest.raises(LambdaRequest.DoesNotExist):
            orm_connection.lambda_requests.retrieve(f"action=autoannotate&target=task&target_id={task.id}")
        with pytest.raises(NotFoundError):
            LambdaRequest._from_wire(
                {"id": f"action=autoannotate&target=task&target_id={task.id}"},
                client=orm_connection,
            ).delete()
        return
    detector = orm_connection.lambda_functions.retrieve(DETECTOR)
    request = detector.run(task, cleanup=True, threshold=0.5)
    assert request.function_id == DETECTOR and request.task_id == task.id
    assert request in list(LambdaRequest.objects.all())
    request.wait(status_check_period=0.05, timeout=60)
    assert request.status == "finished" and request.progress == 100
    shapes = task.get_annotations()["shapes"]
    assert len(shapes) == 2 * 3  # a box per matching label (car, dog) on each of 3 frames
    assert {s["source"] for s in shapes} == {"auto"}
    request.delete()
    with pytest.raises(LambdaRequest.DoesNotExist):
        orm_connection.lambda_requests.retrieve(
            f"action=autoannotate&target=task&target_id={task.id}"
        )


def test_bad_input_is_refused_before_any_request(orm_connection: Any, traffic: Any) -> None:
    traffic.exchanges.clear()
    detector = LambdaFunction._from_wire({"id": DETECTOR}, client=orm_connection)
    with pytest.raises(ValidationError):
        detector.call(frame=0)  # no task or job
    for bad in ({"task": 0}, {"task": "7"}, {"task": True}):
        with pytest.raises(InvalidArgumentError):
            detector.run(**bad)
    with pytest.raises(InvalidArgumentError):
        detector.run(7, threshold="high")
    with pytest.raises(InvalidArgumentError):
        detector.run(7, cleanup="yes")
    with pytest.raises(InvalidArgumentError):
        LambdaRequest.objects.start("", 7)
    with pytest.raises(ValidationError):
        LambdaRequest.objects.start("../users", 7)
    with pytest.raises(ValidationError):
        LambdaFunction.objects.retrieve("a/b")
    assert traffic.exchanges == []


@pytest.mark.local_only
def test_a_503_of_the_real_kind_is_the_typed_error_on_localcvat(
    local_cvat: Any, orm_connection: Any
) -> None:
    reason = (
        "HTTPConnectionPool(host='nuclio', port=8070): Max retries exceeded with url: "
        "/api/functions (Caused by NameResolutionError)"
    )
    fault = local_cvat.faults.add(
        method="GET", path="/api/lambda/functions", status=503, body=reason, times=None
    )
    try:
        with pytest.raises(LambdaUnavailableError) as listing:
            list(LambdaFunction.objects.all())
    finally:
        fault.remaining = 0
    assert listing.value.detail == reason
    assert fault.hits == 1 + orm_connection.config.max_retries  # GET is retried on a 503
