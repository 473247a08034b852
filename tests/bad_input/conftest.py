"""The machinery of the bad-input catalogue: one ``Case`` per bad input, one runner.

Every case is a call through the public API with one bad argument, the ``CvatOrmError``
subclass it must raise, and a word its message must contain (the argument or field it names).
The runner checks, for each case:

(a) the exception is a ``cvatorm.exceptions.CvatOrmError`` of the expected class;
(b) its message names the argument or field;
(c) for a problem knowable locally, nothing went on the wire: neither the fixtures' clients
    (``traffic``) nor any other ``requests`` adapter in the process sent a request;
    for a problem only the server can know, the server holds the same tasks, projects and
    webhooks named ``MARK`` (as every object a case might create is) as before;
(d) nothing is half-done: the model instances the case used carry no unsaved change.

``TALLY`` counts the outcomes the issue asks for (crashes with an unrelated exception, silently
accepted, late: a request sent although the problem was knowable locally); the session prints
it at the end.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests.adapters

from cvatorm import Job, Project, Task, Webhook
from cvatorm.connection import Client, connections
from cvatorm.exceptions import CvatOrmError
from cvatorm.models import Model

#: Outcome counters of the whole catalogue (every case of every module).
TALLY: dict[str, int] = {
    "cases": 0,
    "typed": 0,
    "crashed": 0,  # an exception that is not the expected cvatorm error
    "accepted": 0,  # no exception at all
    "late": 0,  # a request was sent although the problem is knowable locally
    "left_over": 0,  # the server's objects changed
    "half_done": 0,  # an instance kept a change the failed call made
}


#: The same counters for the cases marked ``xfail``: known failures whose fix is outside the
#: files this catalogue's author could change (the reason of each names the fix).
KNOWN: dict[str, int] = dict.fromkeys(TALLY, 0)


@dataclass(frozen=True)
class Case:
    """One bad input: ``call(s)`` must raise ``error`` naming ``names``."""

    call: Callable[[Subjects], Any]
    error: type[CvatOrmError]
    names: str
    local: bool = True  # knowable without asking the server: no request may be sent
    known: bool = False  # a known failure (strict xfail)


def case(
    ident: str,
    call: Callable[[Subjects], Any],
    error: type[CvatOrmError],
    names: str,
    *,
    local: bool = True,
    xfail: str | None = None,
) -> Any:
    """A ``pytest.param`` of one case; ``xfail`` (strict) names the fix still needed."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(call, error, names, local, bool(xfail)), id=ident, marks=marks)


class Subjects:
    """What the cases act on: the default connection's client, saved objects fetched from the
    server on first use (a task with frames, one of its jobs, a project, a webhook), files."""

    def __init__(self, client: Client, url: str, tmp: Path) -> None:
        self.client = client
        self.url = url
        self.tmp = tmp
        #: Every instance a case used, with its unsaved changes and key when first used.
        self.used: list[tuple[Model, tuple[str, ...], Any]] = []

    def _keep(self, obj: Any) -> Any:
        assert obj is not None, "the seed data lacks an object this case needs"
        self.used.append((obj, obj.dirty_fields, obj.pk))
        return obj

    @functools.cached_property
    def task(self) -> Task:
        return self._keep(Task.objects.filter(size__gt=0).order_by("id").first())

    @functools.cached_property
    def job(self) -> Job:
        return self._keep(Job.objects.filter(task_id=self.task.id).order_by("id").first())

    @functools.cached_property
    def project(self) -> Project:
        return self._keep(Project.objects.order_by("id").first())

    @functools.cached_property
    def webhook(self) -> Webhook:
        return self._keep(Webhook.objects.order_by("id").first())

    def new(self, obj: Model) -> Any:
        """An unsaved instance the case goes on to change (checked for leftovers too)."""
        return self._keep(obj)

    def file(self, name: str = "image.png", content: bytes = b"\x89PNG not really") -> Path:
        path = self.tmp / name
        path.write_bytes(content)
        return path

    @property
    def png(self) -> list[Path]:
        return [self.file()]


_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class WireCounter:
    """Every request any ``requests`` adapter of this process sent (clients the fixtures did
    not make included: ``make_client``, ``connect``)."""

    sent: list[str] = field(default_factory=list)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> WireCounter:
    counter = WireCounter()
    original = requests.adapters.HTTPAdapter.send

    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        counter.sent.append(f"{request.method} {request.url}")
        if urlsplit(request.url).hostname not in _LOCAL_HOSTS:
            # A bad URL taken for a good one must not reach the network (nor a DNS server).
            raise requests.ConnectionError(f"not sent off this machine: {request.url}")
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return counter


@pytest.fixture(scope="module")
def _catalogue_client(cvat_target: Any) -> Iterator[Client]:
    """One administrator's client per module of the catalogue: a real CVAT throttles logins,
    and hundreds of cases would each log in (per module, because LocalCVAT is reset, sessions
    included, after each). Its schema is read before any test records traffic."""
    client = Client(cvat_target.url, check_server_version=False)
    client.login(cvat_target.credentials)
    client.capabilities("/api/tasks")
    yield client
    client.session.hooks["response"] = []
    with client:  # logs out
        pass


@pytest.fixture
def subjects(
    _catalogue_client: Client, cvat_target: Any, traffic: Any, tmp_path: Path
) -> Iterator[Subjects]:
    """The catalogue's client as the ``"default"`` connection (what ``Task.objects`` uses),
    its traffic recorded by this test's ``traffic``; unregistered afterwards (not logged out,
    the next case uses it again)."""
    client = _catalogue_client
    client.session.hooks["response"] = []  # only this test's recorder
    traffic.attach(client)
    connections.register(client, "default")
    yield Subjects(client, cvat_target.url, tmp_path)
    if connections.get("default") is client:
        connections._clients.pop("default", None)  # no public way to unregister without logout


#: Every object a case could leave behind is named (or aimed) with this prefix, so that the
#: check is not disturbed by others using the same (real) server at the same time.
MARK = "bad-input"


def _server_state() -> tuple[Any, ...]:
    return (
        sorted(t.id for t in Task.objects.filter(name__startswith=MARK)),
        sorted(p.id for p in Project.objects.filter(name__startswith=MARK)),
        sorted(w.id for w in Webhook.objects.filter(description__startswith=MARK)),
    )


@pytest.fixture
def check_case(
    subjects: Subjects, traffic: Any, wire: WireCounter
) -> Iterator[Callable[[Case], None]]:
    """``check_case(case)``: run one case and assert (a)-(d); count the outcome."""

    def run(bad: Case) -> None:
        tally = KNOWN if bad.known else TALLY
        tally["cases"] += 1
        defaults = [v for v in bad.call.__defaults__ or () if isinstance(v, str)]
        mentioned = {*bad.call.__code__.co_names, *defaults}
        for name in ("task", "job", "project", "webhook"):  # fetched before the call
            if name in mentioned:
                getattr(subjects, name)
        before = None if bad.local else _server_state()
        traffic.clear()
        wire.sent.clear()
        try:
            bad.call(subjects)
        except bad.error as exc:
            raised: BaseException | None = exc
        except pytest.skip.Exception:
            tally["cases"] -= 1  # not run here (a folder root may write to)
            raise
        except BaseException as exc:
            tally["crashed"] += 1
            raise AssertionError(
                f"expected {bad.error.__name__}, got {type(exc).__name__}: {exc}"
            ) from exc
        else:
            tally["accepted"] += 1
            raise AssertionError(f"accepted silently; expected {bad.error.__name__}")
        tally["typed"] += 1
        assert isinstance(raised, CvatOrmError)
        assert bad.names.lower() in str(raised).lower(), (
            f"the message does not name {bad.names!r}: {raised}"
        )
        if bad.local:
            if len(traffic) or wire.sent:
                tally["late"] += 1
            assert not wire.sent, f"requests sent before the error: {wire.sent}"
            assert len(traffic) == 0, traffic.calls()
        else:
            if _server_state() != before:
                tally["left_over"] += 1
                raise AssertionError("the server's objects changed")
        dirty = [
            (obj, obj.dirty_fields)
            for obj, was_dirty, pk in subjects.used
            if obj.dirty_fields != was_dirty or obj.pk != pk
        ]
        if dirty:
            tally["half_done"] += 1
        assert not dirty, f"instances changed by a failed call: {dirty}"

    yield run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, tally in (("bad-input catalogue", TALLY), ("known failures (xfail)", KNOWN)):
        if tally["cases"]:
            terminalreporter.write_line(
                f"{title}: " + ", ".join(f"{name} {count}" for name, count in tally.items())
            )
