"""Benchmarks of cvatorm against cvat-sdk and the raw floor (issue 6).

Run ``python -m benchmarks`` (see docs/performance.md).
"""
