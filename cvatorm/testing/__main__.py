"""``python -m cvatorm.testing``: run LocalCVAT in the foreground (Ctrl+C stops it).

    python -m cvatorm.testing --port 8080 [--data assets|empty|DIR] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from cvatorm.testing.seed import SEED_PASSWORD
from cvatorm.testing.server import LocalCVAT


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cvatorm.testing",
        description="Run LocalCVAT, an in-process CVAT 2.64 test server.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    parser.add_argument(
        "--data",
        default="assets",
        help='seed: "assets" (CVAT\'s test database, default), "empty" or a folder of JSON files',
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds of delay added to every request"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Serve until interrupted (or until ``stop`` is set, for tests)."""
    args = parse_args(argv)
    server = LocalCVAT(data=args.data, latency=args.latency, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"LocalCVAT serving at {server.url}", flush=True)
    print(f"log in as admin1 with password {SEED_PASSWORD}", flush=True)
    waiter = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: waiter.set())  # stop cleanly when terminated
    try:
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("LocalCVAT stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
