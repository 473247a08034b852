"""The command line's parser, dispatch and exit codes.

An expected failure is a :class:`~cvatorm.exceptions.CvatOrmError` (no server, a refused login,
a server that is not CVAT, a bad option value): it prints ``cvatorm: <ErrorType>: <message>``
on stderr and exits with the code :data:`EXIT_CODES` gives its kind. Anything else is a bug in
cvatorm and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence

from cvatorm._version import __version__
from cvatorm.cli import check, shell
from cvatorm.cli.connection import add_connection_options, connected
from cvatorm.exceptions import (
    ApiException,
    ConfigurationError,
    CvatOrmError,
    IncompatibleVersionException,
    InvalidHostException,
    TransportError,
)

__all__ = ["EXIT_CODES", "build_parser", "main"]

#: ``python -m cvatorm``'s exit codes.
EXIT_CODES = {
    "ok": 0,
    "error": 1,  # any other cvatorm error (e.g. a background request failed in the shell)
    "usage": 2,  # bad options or configuration (argparse's own code too)
    "unreachable": 3,  # no CVAT answers at the URL (network, TLS, not a CVAT server)
    "refused": 4,  # the server answered with an error: a refused login, no permission
    "unsupported": 5,  # check --strict: a server version this cvatorm does not support
    "interrupted": 130,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cvatorm",
        description="cvatorm's command line: check a connection, or open a connected shell.",
        epilog="Exit codes: " + ", ".join(f"{code} {name}" for name, code in EXIT_CODES.items()),
    )
    parser.add_argument("--version", action="version", version=f"cvatorm {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log cvatorm's warnings and requests"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    checking = commands.add_parser(
        "check", help="connect and print the server, version, user, organizations and models"
    )
    add_connection_options(checking)
    checking.add_argument("--json", action="store_true", help="print the report as JSON")
    checking.add_argument(
        "--strict", action="store_true", help="exit 5 when the server's version is not supported"
    )

    shelling = commands.add_parser("shell", help="an interactive session, connected")
    add_connection_options(shelling)
    shelling.add_argument(
        "-c", "--command", dest="command_code", help="run this code in the session and exit"
    )
    shelling.add_argument(
        "--plain", action="store_true", help="Python's own console even if IPython is installed"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    with _logging(verbose=options.verbose):
        return _run(options)


def _run(options: argparse.Namespace) -> int:
    try:
        with connected(options) as connection:
            if options.command == "check":
                report = check.gather(connection.client, connection.source)
                print(check.render(report, as_json=options.json))
                if options.strict and not report.supported:
                    return EXIT_CODES["unsupported"]
            else:
                shell.run(connection, command=options.command_code, plain=options.plain)
    except KeyboardInterrupt:
        print("cvatorm: interrupted", file=sys.stderr)
        return EXIT_CODES["interrupted"]
    except CvatOrmError as error:
        print(f"cvatorm: {type(error).__name__}: {error}", file=sys.stderr)
        return _exit_code(error)
    return EXIT_CODES["ok"]


@contextlib.contextmanager
def _logging(*, verbose: bool) -> Iterator[None]:
    """cvatorm's log on stderr: everything with ``--verbose``; else errors only (retries and
    version warnings would repeat what the one-line error or the report says)."""
    logger = logging.getLogger("cvatorm")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _exit_code(error: CvatOrmError) -> int:
    if isinstance(error, ConfigurationError):
        return EXIT_CODES["usage"]
    if isinstance(error, InvalidHostException | TransportError):
        return EXIT_CODES["unreachable"]
    if isinstance(error, ApiException):
        return EXIT_CODES["refused"]
    if isinstance(error, IncompatibleVersionException):
        return EXIT_CODES["unsupported"]
    return EXIT_CODES["error"]
