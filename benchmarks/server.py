"""LocalCVAT for the benchmarks: in a child process (default) or in a thread of this one.

In a child process the server's CPU time does not compete with the client's for this
process's GIL, and the client's ``time.process_time`` is the client's alone. The child is
``python -m benchmarks.server --data DIR``; it prints its URL, then obeys one command per line
on stdin (``latency SECONDS``, ``quit``) and stops when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

#: Every seeded user's password (CVAT's test database).
PASSWORD = "!Q@W#E$R"
#: The superuser of the assets: sees every object without an organization.
USERNAME = "admin1"


class BenchServer:
    """A running LocalCVAT seeded from ``data`` (a folder of JSON files, or ``"assets"``)."""

    def __init__(self, data: str | Path, *, latency: float = 0.0, in_process: bool = False,
                 start_timeout: float = 600.0) -> None:
        self.data = str(data)
        self.in_process = in_process
        self.start_timeout = start_timeout
        self._initial_latency = latency
        self._proc: subprocess.Popen[str] | None = None
        self._local: Any = None
        self.url = ""
        self.startup_seconds = 0.0

    def start(self) -> BenchServer:
        started = time.perf_counter()
        if self.in_process:
            from cvatorm.testing import LocalCVAT

            self._local = LocalCVAT(data=self.data, latency=self._initial_latency).start()
            self.url = self._local.url
        else:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.server", "--data", self.data,
                 "--latency", str(self._initial_latency),],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                cwd=str(Path(__file__).resolve().parent.parent),
            )
            answer = self._read_line(self.start_timeout)
            self.url = answer["url"]
        self.startup_seconds = time.perf_counter() - started
        return self

    def _read_line(self, timeout: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        result: list[str] = []
        stdout: IO[str] = self._proc.stdout
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            self.stop()
            raise RuntimeError(f"LocalCVAT child process gave no answer within {timeout:.0f} s")
        answer: dict[str, Any] = json.loads(result[0])
        if "error" in answer:
            raise RuntimeError(f"LocalCVAT child process: {answer['error']}")
        return answer

    def _command(self, line: str) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        return self._read_line(60)

    def set_latency(self, seconds: float) -> None:
        if self._local is not None:
            self._local.latency = seconds
        else:
            self._command(f"latency {seconds}")

    def stop(self) -> None:
        if self._local is not None:
            self._local.stop()
            self._local = None
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _child(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="LocalCVAT for the benchmarks (child process)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    from cvatorm.testing import LocalCVAT


    def say(answer: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    try:
        server = LocalCVAT(data=args.data, latency=args.latency).start()
    except Exception as error:  # reported to the parent, which raises it
        say({"error": f"{type(error).__name__}: {error}"})
        return
    say({"url": server.url})
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "latency":
                server.latency = float(words[1])
                say({"latency": server.latency})
            elif words[0] == "quit":
                break
            else:
                say({"error": f"unknown command {words[0]!r}"})
    finally:
        server.stop()


if __name__ == "__main__":
    _child()
