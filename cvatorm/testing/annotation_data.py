"""Annotations as LocalCVAT stores them: per job, like the real server, in ``LabeledData`` form.

A task's annotations are the union of its jobs'; writes to a task go to the job whose frame
range holds each object's frame. Jobs of the seed data start with the seed's annotations
(``annotations.json``). Incoming objects are validated the way the real serializers do (frame
inside the job, a label of the task, a known shape type) and completed with the server's
defaults, so what a client reads back is what the real server would answer.

Kept beside the :class:`~cvatorm.testing.store.Store` (weakly keyed by it): a ``reset()``
forgets every change.
"""

from __future__ import annotations

import copy
import json
import threading
import weakref
from collections.abc import Iterable
from typing import Any

from cvatorm.testing import seed
from cvatorm.testing.errors import HttpError
from cvatorm.testing.store import Store

KINDS = ("tags", "shapes", "tracks")
SHAPE_TYPES = (
    "rectangle",
    "polygon",
    "polyline",
    "points",
    "ellipse",
    "cuboid",
    "mask",
    "skeleton",
)
LabeledData = dict[str, Any]


def empty() -> LabeledData:
    return {"version": 0, "tags": [], "shapes": [], "tracks": []}


_seed_cache: dict[str, Any] | None = None
_seed_lock = threading.Lock()


def _seed() -> dict[str, Any]:
    global _seed_cache
    with _seed_lock:
        if _seed_cache is None:
            try:
                _seed_cache = json.loads(seed.read_package_file("annotations.json"))
            except FileNotFoundError:
                _seed_cache = {}
        return _seed_cache


def _max_ids(data: Iterable[LabeledData]) -> dict[str, int]:
    top = {kind: 0 for kind in KINDS}
    top["track_shapes"] = 0
    for item in data:
        for kind in KINDS:
            for obj in item.get(kind, []):
                top[kind] = max(top[kind], obj.get("id") or 0)
                for element in obj.get("elements", []):
                    top[kind] = max(top[kind], element.get("id") or 0)
                for shape in obj.get("shapes", []):
                    top["track_shapes"] = max(top["track_shapes"], shape.get("id") or 0)
    return top


class _Tables:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.jobs: dict[int, LabeledData] = {}
        self.ids = _max_ids(_seed().get("job", {}).values())


_ALL: weakref.WeakKeyDictionary[Store, _Tables] = weakref.WeakKeyDictionary()
_ALL_LOCK = threading.Lock()


def _tables(store: Store) -> _Tables:
    with _ALL_LOCK:
        found = _ALL.get(store)
        if found is None:
            found = _ALL[store] = _Tables()
        return found


def _next_id(tables: _Tables, kind: str) -> int:
    tables.ids[kind] += 1
    return tables.ids[kind]


def _job_data(store: Store, tables: _Tables, job_id: int) -> LabeledData:
    data = tables.jobs.get(job_id)
    if data is None:
        seeded = _seed().get("job", {}).get(str(job_id))
        data = copy.deepcopy(seeded) if seeded is not None else empty()
        tables.jobs[job_id] = data
    return data


def jobs_of(store: Store, task_id: int) -> list[dict[str, Any]]:
    return sorted(
        (job for job in store.find("jobs", task_id=task_id) if job.get("type") == "annotation"),
        key=lambda job: job["start_frame"],
    )


def label_ids(store: Store, task: dict[str, Any]) -> dict[str, int]:
    """The task's labels (its own or its project's, sublabels included) by name -> id."""
    rows = (
        store.find("labels", project_id=task["project_id"])
        if task.get("project_id") is not None
        else store.find("labels", task_id=task["id"])
    )
    return {row["name"]: row["id"] for row in rows}


# --------------------------------------------------------------------------- reading


def for_job(store: Store, job_id: int) -> LabeledData:
    tables = _tables(store)
    with tables.lock:
        return copy.deepcopy(_job_data(store, tables, job_id))


def for_task(store: Store, task_id: int) -> LabeledData:
    """The union of the task's jobs' annotations; the version is the highest job version."""
    result = empty()
    tables = _tables(store)
    with tables.lock:
        for job in jobs_of(store, task_id):
            data = _job_data(store, tables, job["id"])
            result["version"] = max(result["version"], data["version"])
            for kind in KINDS:
                result[kind].extend(copy.deepcopy(data[kind]))
    return result


# --------------------------------------------------------------------------- validation


def _complete(kind: str, obj: Any, labels: set[int], first: int, last: int) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise HttpError(400, {kind: ["Expected a dictionary of items."]})
    missing = [name for name in ("frame", "label_id") if name not in obj]
    if kind == "shapes" and "type" not in obj:
        missing.append("type")
    if kind == "tracks" and "shapes" not in obj:
        missing.append("shapes")
    if missing:
        raise HttpError(400, {kind: [{name: ["This field is required."] for name in missing}]})
    frame, label = obj["frame"], obj["label_id"]
    if not isinstance(frame, int) or not first <= frame <= last:
        raise HttpError(
            400, [f"The frame number {frame} is out of the job's range [{first}, {last}]"]
        )
    if label not in labels:
        raise HttpError(400, [f"Label {label} does not belong to the task"])
    result: dict[str, Any] = {
        "id": obj.get("id"),
        "frame": frame,
        "label_id": label,
        "group": obj.get("group"),  # null when not sent (CVAT 2.64.1, asked)
        "source": obj.get("source") or "manual",
        "attributes": list(obj.get("attributes") or []),
    }
    if kind == "shapes":
        if obj["type"] not in SHAPE_TYPES:
            raise HttpError(400, {"type": [f'"{obj["type"]}" is not a valid choice.']})
        result.update(_geometry(obj))
        result["score"] = float(obj.get("score", 1.0))
        result["elements"] = [
            _complete("shapes", e, labels, first, last) for e in obj.get("elements") or []
        ]
    if kind == "tracks":
        result["shapes"] = [_tracked(shape, first, last) for shape in obj["shapes"]]
        result["elements"] = [
            _complete("tracks", e, labels, first, last) for e in obj.get("elements") or []
        ]
    return result


def _geometry(obj: dict[str, Any]) -> dict[str, Any]:
    points = obj.get("points") or []
    if not isinstance(points, list) or not all(
        isinstance(p, (int, float)) and not isinstance(p, bool) for p in points
    ):
        raise HttpError(400, {"points": ["Expected a list of numbers."]})
    return {
        "type": obj.get("type"),
        "occluded": bool(obj.get("occluded", False)),
        "outside": bool(obj.get("outside", False)),
        "z_order": int(obj.get("z_order") or 0),
        "rotation": float(obj.get("rotation") or 0.0),
        "points": [float(p) for p in points],
    }


def _tracked(shape: Any, first: int, last: int) -> dict[str, Any]:
    if not isinstance(shape, dict) or "frame" not in shape or "type" not in shape:
        raise HttpError(400, {"shapes": [{"frame": ["This field is required."]}]})
    if not first <= shape["frame"] <= last:
        raise HttpError(400, [f"The frame number {shape['frame']} is out of the job's range"])
    result = {"id": shape.get("id"), "frame": shape["frame"]}
    result.update(_geometry(shape))
    result["attributes"] = list(shape.get("attributes") or [])
    return result


def _assign_ids(tables: _Tables, kind: str, obj: dict[str, Any]) -> None:
    obj["id"] = _next_id(tables, kind)
    for element in obj.get("elements", []):
        _assign_ids(tables, kind, element)
    if kind == "tracks":
        for shape in obj["shapes"]:
            shape["id"] = _next_id(tables, "track_shapes")


def parse(body: Any) -> LabeledData:
    """A request body as ``LabeledData`` (missing lists are empty)."""
    if not isinstance(body, dict):
        raise HttpError(400, {"non_field_errors": ["Invalid data. Expected a dictionary."]})
    data = empty()
    data["version"] = body.get("version") or 0
    for kind in KINDS:
        value = body.get(kind) or []
        if not isinstance(value, list):
            raise HttpError(400, {kind: ['Expected a list of items but got type "dict".']})
        data[kind] = value
    return data


# --------------------------------------------------------------------------- writing


def _split(store: Store, task_id: int, data: LabeledData) -> dict[int, LabeledData]:
    """Objects by the job holding their frame (the first job, when segments overlap)."""
    jobs = jobs_of(store, task_id)
    if not jobs:
        if any(data[kind] for kind in KINDS):
            raise HttpError(400, ["The task has no data: there is nothing to annotate"])
        return {}
    parts: dict[int, LabeledData] = {job["id"]: empty() for job in jobs}
    for kind in KINDS:
        for obj in data[kind]:
            frame = obj.get("frame") if isinstance(obj, dict) else None
            job = next(
                (
                    j
                    for j in jobs
                    if isinstance(frame, int) and j["start_frame"] <= frame <= j["stop_frame"]
                ),
                jobs[0],
            )
            parts[job["id"]][kind].append(obj)
    return parts


def _split_by_id(
    store: Store, tables: _Tables, task_id: int, data: LabeledData
) -> dict[int, LabeledData]:
    """Existing objects (update, delete) by the job that holds their id."""
    jobs = jobs_of(store, task_id)
    parts: dict[int, LabeledData] = {job["id"]: empty() for job in jobs}
    for kind in KINDS:
        owners = {
            obj["id"]: job["id"]
            for job in jobs
            for obj in _job_data(store, tables, job["id"])[kind]
        }
        for obj in data[kind]:
            obj_id = obj.get("id") if isinstance(obj, dict) else None
            if obj_id not in owners:
                raise HttpError(400, [f"There is no {kind[:-1]} with id {obj_id}"])
            parts[owners[obj_id]][kind].append(obj)
    return parts


def apply(
    store: Store, task: dict[str, Any], job: dict[str, Any] | None, data: LabeledData, action: str
) -> LabeledData:
    """``action`` (``put``, ``create``, ``update``, ``delete``) on a job (or, ``job=None``, the
    task); returns what was applied, with ids."""
    labels = set(label_ids(store, task).values())
    tables = _tables(store)
    with tables.lock:
        if job is not None:
            targets = {job["id"]: data}
        elif action in ("update", "delete"):
            targets = _split_by_id(store, tables, task["id"], data)
        else:
            targets = _split(store, task["id"], data)
        jobs = {row["id"]: row for row in store.find("jobs", task_id=task["id"])}
        applied = empty()
        # validate everything before changing anything: a bad object changes nothing
        prepared: dict[int, LabeledData] = {}
        for job_id, part in targets.items():
            row = jobs[job_id]
            clean = empty()
            for kind in KINDS:
                for obj in part[kind]:
                    if action in ("update", "delete"):
                        if not isinstance(obj, dict) or "id" not in obj:
                            raise HttpError(400, {kind: [{"id": ["This field is required."]}]})
                        known = {o["id"] for o in _job_data(store, tables, job_id)[kind]}
                        if obj["id"] not in known:
                            raise HttpError(400, [f"There is no {kind[:-1]} with id {obj['id']}"])
                    if action == "delete":
                        clean[kind].append({"id": obj["id"]})
                        continue
                    done = _complete(kind, obj, labels, row["start_frame"], row["stop_frame"])
                    clean[kind].append(done)
            prepared[job_id] = clean
        for job_id, clean in prepared.items():
            _apply_job(tables, _job_data(store, tables, job_id), clean, action, applied)
        if job is None:
            for job_id in {row["id"] for row in jobs_of(store, task["id"])} - set(prepared):
                if action == "put":
                    _apply_job(tables, _job_data(store, tables, job_id), empty(), "put", applied)
        applied["version"] = max(
            [_job_data(store, tables, job_id)["version"] for job_id in prepared] or [0]
        )
        return applied


def _apply_job(
    tables: _Tables, current: LabeledData, clean: LabeledData, action: str, applied: LabeledData
) -> None:
    for kind in KINDS:
        if action == "put":
            current[kind] = []
        existing = {obj["id"]: index for index, obj in enumerate(current[kind])}
        for obj in clean[kind]:
            if action in ("put", "create"):
                _assign_ids(tables, kind, obj)
                current[kind].append(obj)
            elif action == "update":
                if obj["id"] not in existing:
                    raise HttpError(400, [f"There is no {kind[:-1]} with id {obj['id']}"])
                current[kind][existing[obj["id"]]] = obj
            elif action == "delete":
                gone = [o for o in current[kind] if o["id"] == obj["id"]]
                current[kind] = [o for o in current[kind] if o["id"] != obj["id"]]
                applied[kind].extend(copy.deepcopy(gone))  # the server echoes what it deleted
                continue
            applied[kind].append(copy.deepcopy(obj))
    current["version"] += 1


def remove_task(store: Store, task_id: int) -> None:
    tables = _tables(store)
    with tables.lock:
        for job in jobs_of(store, task_id):
            tables.jobs[job["id"]] = empty() | {
                "version": _job_data(store, tables, job["id"])["version"] + 1
            }


def remove_job(store: Store, job_id: int) -> None:
    tables = _tables(store)
    with tables.lock:
        version = _job_data(store, tables, job_id)["version"]
        tables.jobs[job_id] = empty() | {"version": version + 1}
