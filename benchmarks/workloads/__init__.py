"""The seven workloads of issue 6, each run three ways (floor, cvatorm, cvat-sdk)."""

from __future__ import annotations

from benchmarks.workloads.base import CLIENTS, Target, Unavailable, Workload
from benchmarks.workloads.w1_iterate import IterateAll
from benchmarks.workloads.w2_filter import FilterOnePercent
from benchmarks.workloads.w3_slice import DeepSlice
from benchmarks.workloads.w4_count import Count
from benchmarks.workloads.w5_prefetch import JobsWithTasks
from benchmarks.workloads.w6_save import SaveManyJobs
from benchmarks.workloads.w7_latency import LatencyWalk

ALL: tuple[type[Workload], ...] = (
    IterateAll,
    FilterOnePercent,
    DeepSlice,
    Count,
    JobsWithTasks,
    SaveManyJobs,
    LatencyWalk,
)

__all__ = ["ALL", "CLIENTS", "Target", "Unavailable", "Workload"]
