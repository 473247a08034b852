"""Quality control end to end: a ground-truth job, annotations, a quality report.

Runs against the CVAT server named by ``CVAT_URL`` (with ``CVAT_USERNAME``/``CVAT_PASSWORD`` or
``CVAT_ACCESS_TOKEN``); with no ``CVAT_URL`` it starts the embedded test server
(``cvatorm.testing.LocalCVAT``). It creates a small task (4 generated frames, 2 jobs), makes
frames 0 and 2 the ground truth, annotates, computes the task's quality report, prints its
summary and conflicts, saves the report's CSV into a temporary folder, and deletes the task.

    python examples/quality_report.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from create_task_from_images import png

import cvatorm
from cvatorm import Job, Task


def rect(frame: int, label: int, box: list[float]) -> dict[str, Any]:
    return {"type": "rectangle", "frame": frame, "label_id": label, "points": box}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, cvatorm.connect_or_embedded() as client:
        if not os.environ.get("CVAT_URL"):
            print(f"No CVAT_URL set: started the embedded test server at {client.api_map.host}")
        files = []
        for index in range(4):
            path = Path(folder) / f"frame_{index}.png"
            path.write_bytes(png(64, 48, seed=index))
            files.append(path)
        spec = {"name": "quality example", "labels": [{"name": "car"}, {"name": "dog"}],
                "segment_size": 2}
        task = Task.objects.create_from_data(spec, files)
        try:
            labels = {label.name: label.id for label in task.labels.all()}
            car, dog = labels["car"], labels["dog"]

            # 1. the ground truth: frames 0 and 2, annotated by someone we trust
            gt = Job.objects.create(task_id=task.id, type="ground_truth",
                                    frame_selection_method="manual", frames=[0, 2])
            gt.set_annotations({"shapes": [rect(0, car, [5, 5, 30, 30]),
                                           rect(2, dog, [10, 10, 40, 40])]})
            gt.stage, gt.state = "acceptance", "completed"
            gt.save()
            print("Validation frames:", task.validation_layout().validation_frames)

            # 2. the annotators' work: job [0, 1] agrees, job [2, 3] calls the dog a car
            jobs = {job.start_frame: job for job in task.jobs.filter(type="annotation")}
            jobs[0].set_annotations({"shapes": [rect(0, car, [6, 5, 30, 31])]})
            jobs[2].set_annotations({"shapes": [rect(2, car, [10, 10, 40, 40])]})

            # 3. the report (a background request on the server)
            report = task.compute_quality_report(status_check_period=0.2)
            summary = report.summary
            print(f"Report {report.id}: accuracy {summary.accuracy:.2f}, "
                  f"precision {summary.precision:.2f}, recall {summary.recall:.2f} "
                  f"on {summary.validation_frames} of {summary.total_frames} frames")
            for child in report.children():
                print(f"  job {child.job_id}: accuracy {child.summary.accuracy:.2f}")
            for conflict in report.conflicts():
                print(f"  conflict: {conflict.type.value} on frame {conflict.frame}")
            csv_path = Path(folder) / f"quality_report_{report.id}.csv"
            csv_path.write_text(report.data(format="csv"))
            print(f"Saved the confusion matrix ({csv_path.stat().st_size} bytes)")
        finally:
            task.delete()
            print("Deleted the task")


if __name__ == "__main__":
    main()
