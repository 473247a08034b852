"""``examples/quality_report.py`` runs as written (LocalCVAT, or the server of ``CVAT_URL``):
the report it prints is the real server's for its scenario."""

from __future__ import annotations

from pathlib import Path

from test_examples import EXAMPLES, run_example


def test_the_quality_report_example_prints_the_report_and_cleans_up(tmp_path: Path) -> None:
    out = run_example(str(EXAMPLES / "quality_report.py"), cwd=tmp_path)
    assert "Validation frames: (0, 2)" in out
    assert "accuracy 0.50, precision 0.50, recall 0.50 on 2 of 4 frames" in out
    assert "conflict: mismatching_label on frame 2" in out
    assert out.rstrip().endswith("Deleted the task")
    assert list(tmp_path.iterdir()) == []  # the CSV went to a temporary folder
