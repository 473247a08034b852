"""Consensus replicas: what a task created with ``consensus_replicas`` gets.

The real server makes the task's ``ConsensusSettings`` when the task is created (a post_save
signal) and, when the task's data arrives, ``consensus_replicas`` replica jobs right after each
annotation job (``parent_job_id`` is that job; the parent's ``consensus_replicas`` and
``replicas_count`` say how many). The task routes call these two hooks; the number of replicas
is kept beside the settings (``_replicas``, never served).
"""

from __future__ import annotations

from cvatorm.testing.store import Obj, Store


def on_task_created(store: Store, task: Obj, replicas: int | None) -> None:
    """A task created with consensus replicas gets its consensus settings (and remembers how
    many replicas each of its jobs will have)."""
    if replicas:
        store.put(
            "consensus_settings",
            {
                "id": store.next_id("consensus_settings"),
                "task_id": task["id"],
                "iou_threshold": 0.4,
                "_replicas": int(replicas),
            },
        )


def replicas_of(store: Store, task_id: int) -> int:
    settings = next(iter(store.find("consensus_settings", task_id=task_id)), None)
    return int((settings or {}).get("_replicas") or 0)


def add_replicas(store: Store, task: Obj, job: Obj) -> None:
    """Right after annotation job ``job`` was made: its consensus replica jobs."""
    count = replicas_of(store, task["id"])
    if not count:
        return
    store.update("jobs", job["id"], {"consensus_replicas": count, "replicas_count": count})
    for _ in range(count):
        replica_id = store.next_id("jobs")
        store.put(
            "jobs",
            {
                **job,
                "id": replica_id,
                "type": "consensus_replica",
                "parent_job_id": job["id"],
                "consensus_replicas": 0,
                "replicas_count": 0,
                "issues": {},
                "labels": {},
            },
        )
