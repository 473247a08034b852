"""What a real task backup holds beyond its manifest, from LocalCVAT's live data.

The real server's task backup has ``data/`` (the media files), a ``data`` section in
``task.json`` (chunk size, image quality, frame filter...) and ``annotations.json`` with the
task's current annotations, labels written by *name* (ids do not survive a move between
servers). :func:`task_entries` returns those entries for one task, so a backup export can write
them and :mod:`cvatorm.testing.routes.backups_import` restores them: a round trip keeps frames
and annotations.
"""

from __future__ import annotations

import json
from typing import Any

from cvatorm.testing import annotation_data, media
from cvatorm.testing.store import Store


def data_section(store: Store, task_id: int) -> dict[str, Any] | None:
    """The ``data`` section of ``task.json``, or None for a task without LocalCVAT media."""
    found = media.media_of(store, task_id)
    if found is None:
        return None
    return {
        "chunk_size": found.chunk_size,
        "image_quality": found.image_quality,
        "start_frame": found.start_frame,
        "stop_frame": found.stop_frame,
        "frame_filter": found.frame_filter,
        "chunk_type": "imageset",
        "storage_method": "cache",
        "storage": "local",
        "sorting_method": "predefined",
        "deleted_frames": sorted(found.deleted),
    }


def _by_name(obj: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    result = {key: value for key, value in obj.items() if key not in ("id", "label_id")}
    result["label"] = names.get(obj["label_id"], str(obj["label_id"]))
    if "elements" in obj:
        result["elements"] = [_by_name(element, names) for element in obj["elements"]]
    if "shapes" in obj:
        result["shapes"] = [
            {key: value for key, value in shape.items() if key != "id"} for shape in obj["shapes"]
        ]
    return result


def annotations_json(store: Store, task: dict[str, Any]) -> bytes:
    """``annotations.json``: one entry per job, labels by name."""
    names = {label_id: name for name, label_id in annotation_data.label_ids(store, task).items()}
    jobs = []
    for job in annotation_data.jobs_of(store, task["id"]):
        data = annotation_data.for_job(store, job["id"])
        jobs.append(
            {
                "version": data["version"],
                **{
                    kind: [_by_name(obj, names) for obj in data[kind]]
                    for kind in annotation_data.KINDS
                },
            }
        )
    return json.dumps(jobs, indent=2).encode("utf-8")


def task_entries(store: Store, task: dict[str, Any]) -> dict[str, bytes]:
    """``{"annotations.json": ..., "data/<file>": ...}`` for a task's backup (no media entries
    when LocalCVAT holds none for it)."""
    entries = {"annotations.json": annotations_json(store, task)}
    found = media.media_of(store, task["id"])
    if found is not None:
        lines: list[dict[str, Any]] = [{"version": "1.1"}, {"type": "images"}]
        for frame in found.frames:
            entries[f"data/{frame.name}"] = frame.data
            stem, dot, extension = frame.name.rpartition(".")
            lines.append(
                {
                    "name": stem if dot else frame.name,
                    "extension": f".{extension}" if dot else "",
                    "width": frame.width,
                    "height": frame.height,
                }
            )
        # the real backup's frame order: data/manifest.jsonl
        entries["data/manifest.jsonl"] = "\n".join(json.dumps(line) for line in lines).encode()
    return entries


def manifest_order(manifest: bytes) -> list[str]:
    """File names in frame order from a ``manifest.jsonl`` (header lines skipped)."""
    names = []
    for line in manifest.decode("utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "name" in item:
            names.append(f"{item['name']}{item.get('extension', '')}")
    return names
