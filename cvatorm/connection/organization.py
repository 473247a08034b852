"""The organization context of one client, private to each thread and asyncio task.

CVAT scopes most requests by organization (the ``X-Organization`` header). The official SDK
keeps the slug in the API client's default headers, shared by every thread: one thread's
``with client.organization_context("a")`` changes what another thread's requests see. Here the
slug lives in a ``contextvars.ContextVar`` owned by the client, so that:

- a value set with ``client.organization_slug = ...`` or ``organization_context()`` is seen only
  by the thread (or asyncio task, and the tasks it spawns) that set it;
- a context that never set one sees the client's ``default``: ``None`` unless
  ``connect(organization=...)`` or ``Client.default_organization_slug`` chose another, which
  every thread shares.

A thread started with ``threading.Thread`` or a ``concurrent.futures`` pool starts from an
empty context, so it sees the client's default, not the organization of the code that started
it. :func:`propagate` wraps a function so that it runs in a copy of the caller's context
(``contextvars.copy_context()``, taken when ``propagate`` is called), organization included::

    with client.organization_context("org1"):
        pool.submit(propagate(work), task_id)      # work() sends X-Organization: org1

The three meanings of a slug: ``None``, no organization is sent (everything the user can see;
new objects go to the personal workspace); ``""``, the personal workspace only; ``"slug"``, that
organization.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final, ParamSpec, TypeVar

from cvatorm.exceptions import InvalidArgumentError
from cvatorm.wire.headers import ORG_HEADER

__all__ = ["ORG_HEADER", "OrganizationContext", "check_slug", "propagate"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


_UNSET: Final = object()
_counter = itertools.count()


#: CVAT's organization slugs (``SlugField(max_length=16)``); ``""`` is the personal workspace.
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,16}")


def check_slug(slug: object) -> str | None:
    """Return ``slug`` if it is ``None``, ``""`` or a slug CVAT can hold; raise
    ``InvalidArgumentError`` (a ``TypeError`` too) otherwise, so that nothing else (spaces, a
    line break) ever reaches the ``X-Organization`` header."""
    if slug is None or slug == "" or (isinstance(slug, str) and _SLUG.fullmatch(slug)):
        return slug
    raise InvalidArgumentError(
        "organization",
        slug,
        "an organization slug (up to 16 letters, digits, '-' or '_'), '' (personal workspace) "
        "or None",
    )


def propagate(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """``fn`` wrapped to run in a copy of the current context (taken now), so that a thread or
    pool worker calling it sees this context's organization (of every client), and any other
    ``ContextVar``. Each call runs in its own copy: concurrent calls do not share changes."""
    context = contextvars.copy_context()

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return context.copy().run(fn, *args, **kwargs)

    return run


class OrganizationContext:
    """Holds a client's organization slug, per execution context."""

    def __init__(self, default: str | None = None) -> None:
        self._default = check_slug(default)
        self._var: contextvars.ContextVar[object] = contextvars.ContextVar(
            f"cvatorm_organization_{next(_counter)}", default=_UNSET
        )

    @property
    def default(self) -> str | None:
        """The slug seen by contexts that did not set their own."""
        return self._default

    @default.setter
    def default(self, slug: str | None) -> None:
        self._default = check_slug(slug)

    def get(self) -> str | None:
        value = self._var.get()
        if value is _UNSET:
            return self._default
        assert value is None or isinstance(value, str)
        return value

    def set(self, slug: str | None) -> None:
        self._var.set(check_slug(slug))

    @contextmanager
    def use(self, slug: str | None) -> Iterator[None]:
        """Use ``slug`` inside the ``with`` block, then restore what was there before."""
        token = self._var.set(check_slug(slug))
        try:
            yield
        finally:
            self._var.reset(token)

    @staticmethod
    def headers_for(slug: str | None) -> dict[str, str]:
        """The headers that express ``slug`` on the wire (none for ``None``)."""
        return {} if slug is None else {ORG_HEADER: slug}
