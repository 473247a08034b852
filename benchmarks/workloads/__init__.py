"""The workloads of issues 6 and 12, each run three ways (floor, cvatorm, cvat-sdk)."""

from __future__ import annotations

from benchmarks.workloads.base import CLIENTS, Target, Unavailable, Workload
from benchmarks.workloads.w1_iterate import IterateAll
from benchmarks.workloads.w1b_sdk_page import IterateAllSdkPage500
from benchmarks.workloads.w2_filter import FilterOnePercent
from benchmarks.workloads.w3_slice import DeepSlice
from benchmarks.workloads.w4_count import Count
from benchmarks.workloads.w5_prefetch import JobsWithTasks
from benchmarks.workloads.w6_save import SaveManyJobs
from benchmarks.workloads.w7_latency import LatencyWalk
from benchmarks.workloads.w8_all_fields import AllFields
from benchmarks.workloads.w9_cold import ColdStart, ScriptLife
from benchmarks.workloads.w11_scale import Scale
from benchmarks.workloads.w12_waits import BackgroundExport, UsernameSaves

ALL: tuple[type[Workload], ...] = (
    IterateAll,
    IterateAllSdkPage500,
    FilterOnePercent,
    DeepSlice,
    Count,
    JobsWithTasks,
    SaveManyJobs,
    LatencyWalk,
    AllFields,
    ColdStart,
    ScriptLife,
    Scale,
    BackgroundExport,
    UsernameSaves,
)

__all__ = ["ALL", "CLIENTS", "Target", "Unavailable", "Workload"]
