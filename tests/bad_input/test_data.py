"""Bad inputs to the data methods: ``create_from_data`` (spec, resources, data parameters,
resource type, annotation file, polling), ``upload_data``, ``export_dataset``, frames and
chunks, annotations, backups, dataset import, and the webhook actions.

Everything here is knowable locally (files, paths, numbers, names of choices) except an export
format the server does not have; no case may leave a task behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cvatorm import Project, Task, Webhook
from cvatorm.exceptions import (
    FieldError,
    InvalidArgumentError,
    TargetExistsError,
    UnknownFormatError,
    ValidationError,
)

from .conftest import Case, Subjects, case

LABELS = [{"name": "car"}]
SPEC = {"name": "bad-input", "labels": LABELS}
FORMAT = "CVAT for images 1.1"


def from_data(s: Subjects, spec: Any = None, resources: Any = None, **kwargs: Any) -> Any:
    """``Task.objects.create_from_data`` with a good spec and one existing file, but for what
    the case makes bad."""
    return Task.objects.create_from_data(
        SPEC if spec is None else spec, s.png if resources is None else resources, **kwargs
    )


def existing(s: Subjects, name: str = "taken.zip") -> Path:
    return s.file(name, b"an earlier export, to keep")


def unwritable(s: Subjects) -> Path:
    """A file in a folder nobody may write (skipped when running as root, who may)."""
    folder = s.tmp / "locked"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        folder.chmod(0o700)
        pytest.skip("running as root: every folder is writable")
    return folder / "export.zip"


#: ``create_from_data(**{argument: value})`` (or spec/resources): (id, kwargs, error, word).
CREATE_FROM_DATA = [
    ("spec-str", {"spec": "task"}, InvalidArgumentError, "spec"),
    ("spec-None", {"spec": 5}, InvalidArgumentError, "spec"),
    ("spec-no-name", {"spec": {"labels": LABELS}}, ValidationError, "name"),
    ("spec-blank-name", {"spec": {"name": "", "labels": LABELS}}, ValidationError, "name"),
    ("spec-no-labels", {"spec": {"name": "x"}}, ValidationError, "labels"),
    (
        "spec-labels-and-project",
        {"spec": {"name": "x", "labels": LABELS, "project_id": 1}},
        ValidationError,
        "labels",
    ),
    ("spec-unknown-key", {"spec": {**SPEC, "nmae": "x"}}, FieldError, "nmae"),
    (
        "spec-label-without-name",
        {"spec": {"name": "x", "labels": [{"color": "#fff"}]}},
        ValidationError,
        "name",
    ),
    ("spec-overlap-negative", {"spec": {**SPEC, "overlap": -1}}, ValidationError, "overlap"),
    ("resources-empty", {"resources": []}, ValidationError, "resources"),
    ("resources-single-path", {"resources": "image.png"}, ValidationError, "resources"),
    (
        "resources-missing-file",
        {"resources": ["/no/such/image.png"]},
        ValidationError,
        "/no/such/image.png",
    ),
    ("resources-int", {"resources": 5}, ValidationError, "resources"),
    ("resources-None-item", {"resources": [None]}, ValidationError, "resources"),
    ("resource_type-ftp", {"resource_type": "ftp"}, ValidationError, "resource_type"),
    ("data_params-str", {"data_params": "quality=70"}, ValidationError, "data_params"),
    ("data_params-unknown", {"data_params": {"qualty": 70}}, ValidationError, "qualty"),
    (
        "image_quality-500",
        {"data_params": {"image_quality": 500}},
        ValidationError,
        "image_quality",
    ),
    (
        "image_quality-str",
        {"data_params": {"image_quality": "70"}},
        ValidationError,
        "image_quality",
    ),
    ("chunk_size-negative", {"data_params": {"chunk_size": -1}}, ValidationError, "chunk_size"),
    ("frame_step-0", {"data_params": {"frame_step": 0}}, ValidationError, "frame_step"),
    (
        "stop-before-start",
        {"data_params": {"start_frame": 5, "stop_frame": 2}},
        ValidationError,
        "stop_frame",
    ),
    (
        "sorting_method-bad",
        {"data_params": {"sorting_method": "size"}},
        ValidationError,
        "sorting_method",
    ),
    ("use_cache-str", {"data_params": {"use_cache": "yes"}}, ValidationError, "use_cache"),
    (
        "annotation_path-missing",
        {"annotation_path": "/no/such/annotations.xml"},
        ValidationError,
        "annotation_path",
    ),
    (
        "annotation_format-int",
        {"annotation_format": 5, "annotation_path": "IMAGE"},
        InvalidArgumentError,
        "annotation_format",
    ),
    ("max_request_size-0", {"max_request_size": 0}, InvalidArgumentError, "max_request_size"),
    ("chunk_size-str", {"chunk_size": "5MB"}, InvalidArgumentError, "chunk_size"),
    ("organization-int", {"organization": 123}, InvalidArgumentError, "organization"),
    ("using-int", {"using": 5}, InvalidArgumentError, "using"),
    (
        "status_check_period-negative",
        {"status_check_period": -1},
        InvalidArgumentError,
        "status_check_period",
    ),
    ("timeout-negative", {"timeout": -1}, InvalidArgumentError, "timeout"),
    ("keep_on_failure-str", {"keep_on_failure": "yes"}, InvalidArgumentError, "keep_on_failure"),
]


def _from_data_case(kwargs: dict[str, Any]) -> Any:
    def call(s: Subjects) -> Any:
        args = dict(kwargs)
        if args.get("annotation_path") == "IMAGE":
            args["annotation_path"] = s.png[0]
        return from_data(s, **args)

    return call


CASES = [
    *[
        case(f"create_from_data-{ident}", _from_data_case(kwargs), err, word)
        for ident, kwargs, err, word in CREATE_FROM_DATA
    ],
    # upload_data
    case("upload_data-empty", lambda s: s.task.upload_data([]), ValidationError, "resources"),
    case(
        "upload_data-missing",
        lambda s: s.task.upload_data(["/no/such.png"]),
        ValidationError,
        "/no/such.png",
    ),
    case(
        "upload_data-quality",
        lambda s: s.task.upload_data(s.png, data_params={"image_quality": 101}),
        ValidationError,
        "image_quality",
    ),
    case(
        "upload_data-resource_type",
        lambda s: s.task.upload_data(s.png, resource_type="s3"),
        ValidationError,
        "resource_type",
    ),
    # export_dataset / download_backup
    case(
        "export-existing",
        lambda s: s.task.export_dataset(FORMAT, existing(s)),
        TargetExistsError,
        "taken.zip",
    ),
    case(
        "export-unwritable",
        lambda s: s.task.export_dataset(FORMAT, unwritable(s)),
        InvalidArgumentError,
        "output",
    ),
    case(
        "export-parent-is-a-file",
        lambda s: s.task.export_dataset(FORMAT, existing(s) / "x.zip"),
        InvalidArgumentError,
        "output",
    ),
    case(
        "export-format-empty",
        lambda s: s.task.export_dataset("", s.tmp / "x.zip"),
        InvalidArgumentError,
        "format_name",
    ),
    case(
        "export-format-int",
        lambda s: s.task.export_dataset(5, s.tmp / "x.zip"),
        InvalidArgumentError,
        "format_name",
    ),
    case(
        "export-filename-int",
        lambda s: s.task.export_dataset(FORMAT, 5),
        InvalidArgumentError,
        "output",
    ),
    case(
        "export-job-existing",
        lambda s: s.job.export_dataset(FORMAT, existing(s)),
        TargetExistsError,
        "taken.zip",
    ),
    case(
        "export-project-existing",
        lambda s: s.project.export_dataset(FORMAT, existing(s)),
        TargetExistsError,
        "taken.zip",
    ),
    case(
        "export-unknown-format",
        lambda s: s.task.export_dataset("No Such Format 9", s.tmp / "x.zip"),
        UnknownFormatError,
        "format",
        local=False,
    ),
    case(
        "backup-existing",
        lambda s: s.task.download_backup(existing(s)),
        TargetExistsError,
        "taken.zip",
    ),
    case(
        "backup-unwritable",
        lambda s: s.task.download_backup(unwritable(s)),
        InvalidArgumentError,
        "output",
    ),
    case(
        "backup-project-parent-is-a-file",
        lambda s: s.project.download_backup(existing(s) / "b.zip"),
        InvalidArgumentError,
        "output",
    ),
    case(
        "backup-filename-None",
        lambda s: s.task.download_backup(None),
        InvalidArgumentError,
        "output",
    ),
    case(
        "export-unsaved",
        lambda s: s.new(Task(name="x")).export_dataset(FORMAT, "x.zip"),
        ValidationError,
        "saved",
    ),
    # frames and chunks
    case("get_frame-negative", lambda s: s.task.get_frame(-1), ValidationError, "frame"),
    case("get_frame-str", lambda s: s.task.get_frame("1"), ValidationError, "frame"),
    case("get_frame-bool", lambda s: s.task.get_frame(True), ValidationError, "frame"),
    case(
        "get_frame-quality",
        lambda s: s.task.get_frame(0, quality="best"),
        ValidationError,
        "quality",
    ),
    case("job-get_frame-negative", lambda s: s.job.get_frame(-1), ValidationError, "frame"),
    case("download_chunk-negative", lambda s: s.task.download_chunk(-1), ValidationError, "chunk"),
    case(
        "download_chunk-quality",
        lambda s: s.task.download_chunk(0, quality=1),
        ValidationError,
        "quality",
    ),
    case(
        "download_frames-negative",
        lambda s: s.task.download_frames([-1], outdir=s.tmp),
        ValidationError,
        "frame",
    ),
    case(
        "download_frames-str",
        lambda s: s.task.download_frames("12", outdir=s.tmp),
        InvalidArgumentError,
        "frame_ids",
    ),
    case(
        "download_frames-float",
        lambda s: s.task.download_frames([1.5], outdir=s.tmp),
        ValidationError,
        "frame",
    ),
    case(
        "download_frames-workers-0",
        lambda s: s.task.download_frames([0], outdir=s.tmp, max_workers=0),
        ValidationError,
        "max_workers",
    ),
    case(
        "download_frames-workers-str",
        lambda s: s.task.download_frames([0], outdir=s.tmp, max_workers="4"),
        ValidationError,
        "max_workers",
    ),
    case(
        "download_frames-outdir-file",
        lambda s: s.task.download_frames([0], outdir=existing(s)),
        InvalidArgumentError,
        "outdir",
    ),
    case(
        "download_frames-pattern",
        lambda s: s.task.download_frames([0], outdir=s.tmp, filename_pattern="{nope}.png"),
        InvalidArgumentError,
        "filename_pattern",
    ),
    case(
        "download_frames-pattern-escapes",
        lambda s: s.task.download_frames(
            [0], outdir=s.tmp, filename_pattern="../{frame_id}{frame_ext}"
        ),
        InvalidArgumentError,
        "filename_pattern",
    ),
    case(
        "remove_frames-negative",
        lambda s: s.task.remove_frames_by_ids([-1]),
        ValidationError,
        "ids",
    ),
    case(
        "remove_frames-str",
        lambda s: s.task.remove_frames_by_ids("12"),
        InvalidArgumentError,
        "ids",
    ),
    # annotations
    case("set_annotations-int", lambda s: s.job.set_annotations(5), ValidationError, "annotations"),
    case(
        "set_annotations-list", lambda s: s.job.set_annotations([]), ValidationError, "annotations"
    ),
    case(
        "set_annotations-shapes-int",
        lambda s: s.job.set_annotations({"shapes": 5}),
        ValidationError,
        "shapes",
    ),
    case(
        "set_annotations-shape-type",
        lambda s: s.job.set_annotations(
            {"shapes": [{"type": "blob", "frame": 0, "label_id": 1, "points": [0, 0, 1, 1]}]}
        ),
        ValidationError,
        "type",
    ),
    case(
        "set_annotations-unknown-key",
        lambda s: s.task.set_annotations({"shapez": []}),
        ValidationError,
        "shapez",
    ),
    case(
        "set_annotations-negative-frame",
        lambda s: s.task.set_annotations({"tags": [{"frame": -1, "label_id": 1}]}),
        ValidationError,
        "frame",
    ),
    case(
        "update_annotations-action",
        lambda s: s.job.update_annotations({}, action="merge"),
        ValidationError,
        "action",
    ),
    case(
        "remove_annotations-ids-str",
        lambda s: s.job.remove_annotations(ids="12"),
        InvalidArgumentError,
        "ids",
    ),
    case(
        "import_annotations-missing",
        lambda s: s.task.import_annotations("CVAT 1.1", "/no/such/annotations.xml"),
        ValidationError,
        "/no/such/annotations.xml",
    ),
    case(
        "import_annotations-folder",
        lambda s: s.job.import_annotations("CVAT 1.1", s.tmp),
        ValidationError,
        "file",
    ),
    case(
        "import_annotations-format-empty",
        lambda s: s.task.import_annotations("", s.png[0]),
        InvalidArgumentError,
        "format_name",
    ),
    case(
        "import_dataset-missing",
        lambda s: s.project.import_dataset("COCO 1.0", "/no/such/dataset.zip"),
        ValidationError,
        "/no/such/dataset.zip",
    ),
    # backups
    case(
        "create_from_backup-missing",
        lambda s: Task.objects.create_from_backup("/no/such/backup.zip"),
        ValidationError,
        "/no/such/backup.zip",
    ),
    case(
        "create_from_backup-folder",
        lambda s: Project.objects.create_from_backup(s.tmp),
        ValidationError,
        "filename",
    ),
    case(
        "create_from_backup-int",
        lambda s: Task.objects.create_from_backup(5),
        InvalidArgumentError,
        "filename",
    ),
    # webhooks
    case(
        "available_events-team", lambda s: Webhook.available_events("team"), ValidationError, "team"
    ),
    case("available_events-int", lambda s: Webhook.available_events(5), ValidationError, "5"),
    case("redeliver-negative", lambda s: s.webhook.redeliver(-1), ValidationError, "-1"),
    case("redeliver-str", lambda s: s.webhook.redeliver("../ping"), ValidationError, "../ping"),
    case("delivery-negative", lambda s: s.webhook.delivery(-1), ValidationError, "-1"),
    case(
        "ping-unsaved",
        lambda s: s.new(Webhook(target_url="http://127.0.0.1:1/h", type="project")).ping(),
        ValidationError,
        "saved",
    ),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_data_input(bad: Case, check_case: Any) -> None:
    check_case(bad)
