"""``python -m cvatorm``: check a connection, or open a connected shell.

- ``check``: connect (from the environment, the options, or ``--embedded``) and print the
  server, its version, the user, the organizations and which of cvatorm's models the server
  offers: the first thing to run when a script cannot connect.
- ``shell``: an interactive Python session, connected (the ``"default"`` connection, so
  ``Task.objects`` works) with the models imported; IPython when installed.

Expected failures (no server, a wrong password, a server that is not CVAT) print one line
naming the error and exit non-zero, without a traceback: see :data:`EXIT_CODES`. This package
sits on top of the models, beside ``cvatorm.embedded``.
"""

from __future__ import annotations

from cvatorm.cli.main import EXIT_CODES, main

__all__ = ["EXIT_CODES", "main"]
