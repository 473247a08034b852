"""``python -m cvatorm shell``: an interactive session, connected, with the models imported.

Like Django's ``manage.py shell``: the connection is the ``"default"`` one (``Task.objects``
works as in a script), ``client`` is it, and every name of ``cvatorm``'s public API (the
models, ``Q``, ``connect``...) is already imported. IPython is used when it is installed
(``--plain`` for Python's own console); ``-c CODE`` runs code in that namespace and exits, for
one-liners and scripts.
"""

from __future__ import annotations

import code
import importlib
import importlib.util
from typing import Any

import cvatorm
from cvatorm.cli.connection import Connected
from cvatorm.wire.endpoints import SELF_USER

__all__ = ["banner", "namespace", "run"]


def namespace(connected: Connected) -> dict[str, Any]:
    names: dict[str, Any] = {name: getattr(cvatorm, name) for name in cvatorm.__all__}
    names.update(cvatorm=cvatorm, client=connected.client)
    if connected.server is not None:
        names["server"] = connected.server
    return names


def banner(connected: Connected, user: str | None) -> str:
    client = connected.client
    models = ", ".join(sorted(name for name in cvatorm.__all__ if _is_model(name)))
    lines = [
        f"cvatorm {cvatorm.__version__} shell: {client.api_map.host} as {user or 'anonymous'} "
        f"(CVAT {client.get_server_version()}; {connected.source})",
        f"Imported: {models}, Q, cvatorm; client = the default connection"
        + ("; server = the LocalCVAT" if connected.server is not None else ""),
        "Try: Task.objects.filter(status='annotation').count()",
    ]
    return "\n".join(lines)


def run(connected: Connected, *, command: str | None, plain: bool) -> None:
    names = namespace(connected)
    if command is not None:
        exec(compile(command, "<cvatorm shell -c>", "exec"), names)
        return
    me = connected.client.request("GET", SELF_USER, organization=None).json()
    text = banner(connected, str(me.get("username")))
    ipython = None if plain else _ipython()
    if ipython is not None:
        print(text)
        ipython.start_ipython(argv=[], user_ns=names)
        return
    code.interact(banner=text, local=names, exitmsg="")


def _ipython() -> Any:
    """The ``IPython`` module, or None when it is not installed (it is optional)."""
    if importlib.util.find_spec("IPython") is None:
        return None
    return importlib.import_module("IPython")


def _is_model(name: str) -> bool:
    value = getattr(cvatorm, name)
    model = cvatorm.Model
    return isinstance(value, type) and issubclass(value, model) and value is not model
