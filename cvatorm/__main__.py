"""``python -m cvatorm``: the command line (``check``, ``shell``); see :mod:`cvatorm.cli`."""

from __future__ import annotations

from cvatorm.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
