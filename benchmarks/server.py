"""LocalCVAT for the benchmarks: in a child process (default) or in a thread of this one.

In a child process the server's CPU time does not compete with the client's for this
process's GIL, and the client's ``time.process_time`` is the client's alone. The child is
``python -m benchmarks.server --data DIR``; it prints its URL, then obeys one command per line
on stdin (``latency SECONDS``, ``time N PATH?QUERY AUTHORIZATION``, ``quit``) and stops when
stdin closes. ``--schema-delay`` makes it serve ``/api/schema/`` that many seconds late, as a
real server that builds the 0.65 MB document does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

#: Every seeded user's password (CVAT's test database).
PASSWORD = "!Q@W#E$R"
#: The superuser of the assets: sees every object without an organization.
USERNAME = "admin1"


class BenchServer:
    """A running LocalCVAT seeded from ``data`` (a folder of JSON files, or ``"assets"``)."""

    def __init__(self, data: str | Path, *, latency: float = 0.0, in_process: bool = False,
                 start_timeout: float = 600.0, schema_delay: float = 0.0) -> None:
        self.data = str(data)
        self.schema_delay = schema_delay
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
            _delay_schema(self._local, self.schema_delay)
            self.url = self._local.url
        else:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.server", "--data", self.data,
                 "--latency", str(self._initial_latency),
                 "--schema-delay", str(self.schema_delay)],
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

    def time_request(self, authorization: str, path_query: str, times: int) -> dict[str, Any]:
        """The server's own time to answer ``GET path_query`` (``times`` runs, no HTTP, no
        client): ``{"median_ms", "min_ms", "encode_ms", "bytes"}`` (``encode_ms``: what
        ``json.dumps`` of the body alone takes)."""
        if self._local is not None:
            return _time_request(self._local, authorization, path_query, times)
        return self._command(f"time {times} {path_query} {authorization}")

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


def _delay_schema(server: Any, seconds: float) -> None:
    if seconds > 0:
        server.faults.add(method="GET", path="/api/schema/", delay=seconds, times=None)


def _time_request(server: Any, authorization: str, path_query: str,
                  times: int) -> dict[str, Any]:
    from cvatorm.testing.messages import Headers, Request

    split = urlsplit(path_query)
    headers = Headers({"Authorization": authorization, "Host": urlsplit(server.url).netloc})
    timings = []
    size = 0
    for _ in range(max(1, times)):
        request = Request(method="GET", path=split.path, query_string=split.query,
                          headers=headers, body=b"")
        started = time.perf_counter()
        response = server.app.handle(request)
        timings.append(time.perf_counter() - started)
        if response.status != 200:
            return {"error": f"{response.status}: {response.body[:200]!r}"}
        size = len(response.body)
    # What encoding the page alone costs (json.dumps of the same body): the rest is the list
    # engine, routing, authentication and permissions.
    parsed = json.loads(response.body)
    encoding = []
    for _ in range(max(1, times)):
        started = time.perf_counter()
        json.dumps(parsed)
        encoding.append(time.perf_counter() - started)
    return {"median_ms": statistics.median(timings) * 1000, "min_ms": min(timings) * 1000,
            "encode_ms": statistics.median(encoding) * 1000, "bytes": size}


def _child(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="LocalCVAT for the benchmarks (child process)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--schema-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    from cvatorm.testing import LocalCVAT


    def say(answer: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    try:
        server = LocalCVAT(data=args.data, latency=args.latency).start()
        _delay_schema(server, args.schema_delay)
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
            elif words[0] == "time":
                _, times, path_query, authorization = line.split(maxsplit=3)
                say(_time_request(server, authorization.strip(), path_query, int(times)))
            elif words[0] == "quit":
                break
            else:
                say({"error": f"unknown command {words[0]!r}"})
    finally:
        server.stop()


if __name__ == "__main__":
    _child()
