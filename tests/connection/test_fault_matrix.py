"""The fault matrix: every operation the connection and transfer layers offer, through every fault.

Operations (rows): raw ``client.request`` GET, POST, PATCH and DELETE, a listing through the
low-level API, waiting for a background request, a task data upload (multipart and TUS,
``cvatorm.transfer.upload_files``) and a download (``cvatorm.transfer.download``, over an
existing good file with ``overwrite=True``).

Faults (columns): what :class:`~tests.connection.faulty_proxy.FaultyProxy` does between the
client and the server (resets, lost replies, gateway statuses before and after the server did
the work, HTML pages, truncated, unframed and malformed bodies, hangs, slow drips, redirects of
each kind to another port, another host, another path and the same path), and, against
LocalCVAT, its own fault injection (status, reset, truncate, malformed at the server).

Each cell asserts the contract of issue 11: a correct result or a typed ``CvatOrmError``; the
server state unchanged, or changed as reported (an error for a POST/PATCH/DELETE that may have
been applied says so; a reported success really happened); no POST duplicated; nothing sent to
another origin. The outcome of each cell is tallied; ``pytest -s`` prints the table.

Every fault applies once, then the proxy forwards normally, so a cell that recovers (retries,
TUS resume, multipart recovery) must end with the right result.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cvatorm.connection import Client, Config
from cvatorm.exceptions import (
    ConflictError,
    CvatOrmError,
    DeadlineExceededError,
    MalformedResponseError,
    NotFoundError,
    RedirectError,
    ServerError,
    TooManyRequestsError,
    TransportError,
)
from cvatorm.progress import NullProgress
from cvatorm.transfer import download, upload_files, wait_for_request

from .faulty_proxy import FaultyProxy

# --------------------------------------------------------------------------- the faults


@dataclass(frozen=True)
class Fault:
    name: str
    kind: str  # "proxy" or "local" (LocalCVAT's own fault injection)
    options: dict[str, Any]
    #: The request reached the server (its work may be done) although the client got no answer.
    applied: bool


def _redirect(status: int, where: str) -> Fault:
    return Fault(f"redirect-{status}-{where}", "proxy", {"fault": "redirect", "status": status,
                 "location": where}, applied=False)  # fmt: skip


NO_FAULT = Fault("none", "none", {}, applied=False)
PROXY_FAULTS = [
    Fault("reset", "proxy", {"fault": "reset"}, applied=False),
    Fault("lost-reply", "proxy", {"fault": "lost_reply"}, applied=True),
    Fault("502", "proxy", {"fault": "status", "status": 502}, applied=False),
    Fault("503", "proxy", {"fault": "status", "status": 503}, applied=False),
    Fault("429", "proxy", {"fault": "status", "status": 429}, applied=False),
    Fault("502-after-work", "proxy", {"fault": "status_after", "status": 502}, applied=True),
    Fault("504-after-work", "proxy", {"fault": "status_after", "status": 504}, applied=True),
    Fault("html-page", "proxy", {"fault": "html"}, applied=False),
    Fault("html-after-work", "proxy", {"fault": "html_after"}, applied=True),
    Fault("truncated", "proxy", {"fault": "truncate"}, applied=True),
    Fault("unframed-cut", "proxy", {"fault": "unframed"}, applied=True),
    Fault("malformed", "proxy", {"fault": "malformed"}, applied=True),
    Fault("hang", "proxy", {"fault": "hang"}, applied=False),
    Fault("drip", "proxy", {"fault": "drip", "delay": 0.02}, applied=True),
    _redirect(301, "other-port"),
    _redirect(302, "other-host"),
    _redirect(307, "other-port"),
    _redirect(308, "other-host"),
    _redirect(302, "other-path"),
    _redirect(301, "same-path"),
]
LOCAL_FAULTS = [
    Fault("server-500", "local", {"status": 500}, applied=False),
    Fault("server-503", "local", {"status": 503}, applied=False),
    Fault("server-reset", "local", {"reset": True}, applied=False),
    Fault("server-truncate", "local", {"truncate": True}, applied=True),
    Fault("server-malformed", "local", {"malformed": True}, applied=True),
]
FAULTS = [NO_FAULT, *PROXY_FAULTS, *LOCAL_FAULTS]

#: Outcome tallies: (operation, fault) -> "result" | "typed:<class>" | "untyped:<class>"
OUTCOMES: dict[tuple[str, str], str] = {}
MESSAGES: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_tally() -> Iterator[None]:
    yield
    if not OUTCOMES:
        return
    counts = Counter(v.split(":")[0] for v in OUTCOMES.values())
    print(f"\nfault matrix: {len(OUTCOMES)} cells, {dict(counts)}")
    for (operation, fault), outcome in sorted(OUTCOMES.items()):
        message = MESSAGES.get((operation, fault), "")[:150]
        print(f"  {operation:16} {fault:24} {outcome}  {message}")


# --------------------------------------------------------------------------- the rig


class Rig:
    """A client talking to the server through ``proxy``; ``direct`` talks to it plainly."""

    def __init__(self, target: Any, proxy: FaultyProxy, elsewhere: dict[str, FaultyProxy]):
        self.target = target
        self.proxy = proxy
        self.elsewhere = elsewhere
        self.direct = Client(target.url, config=Config(status_check_period=0.05))
        self.direct.login(target.credentials)
        self.client = self.make_client()

    @property
    def read_timeout(self) -> float:
        """Short against LocalCVAT (fast tests); a real server needs seconds for some answers."""
        return 0.5 if self.target.local is not None else 10.0

    def make_client(self, **changes: Any) -> Client:
        slow = self.target.local is None
        config = Config(
            max_retries=2,
            backoff_base=0.001,
            backoff_cap=0.002,
            connect_timeout=1.0,
            read_timeout=self.read_timeout,
            request_deadline=60.0 if slow else 4.0,
            download_deadline=60.0 if slow else 4.0,
            background_timeout=120.0 if slow else 20.0,
            status_check_period=0.05,
        ).replace(**changes)
        client = Client(self.proxy.url, config=config, check_server_version=False)
        client.login(self.target.credentials)
        return client

    def location(self, where: str) -> Callable[[str], str]:
        def build(path: str) -> str:
            if where == "same-path":
                return path  # a proxy sending the client to the canonical URL it already uses
            if where == "other-path":
                return "/api/server/about"
            return self.elsewhere[where].url + path

        return build

    def arm(
        self,
        fault: Fault,
        method: str,
        path: str | None = None,
        pattern: str | None = None,
        when: Callable[[dict[str, str]], bool] | None = None,
    ) -> None:
        if fault.kind == "none":
            return
        if fault.kind == "local":
            local = self.target.local
            local.faults.add(method=method, path=path, pattern=pattern, **fault.options)
            return
        options = dict(fault.options)
        if options["fault"] == "hang":
            options["delay"] = self.read_timeout * 2  # outlasts the client's read timeout
        if options["fault"] == "redirect":
            options["location"] = self.location(options["location"])
        self.proxy.add(method=method, path=path, pattern=pattern, when=when, **options)

    def disarm(self) -> None:
        self.proxy.clear()
        for other in self.elsewhere.values():
            other.clear()
        if self.target.local is not None:
            self.target.local.faults.clear()

    def client_for(self, fault: Fault) -> Client:
        if fault.name == "drip":
            # A short deadline: the drip would take minutes to deliver the whole answer.
            return self.make_client(request_deadline=0.6, download_deadline=0.6)
        return self.client

    def close(self) -> None:
        self.client.close()
        self.direct.logout()
        self.direct.close()


@pytest.fixture(scope="module")
def rig(cvat_target: Any) -> Iterator[Rig]:
    with (
        FaultyProxy(cvat_target.url) as proxy,
        FaultyProxy(cvat_target.url) as other_port,
        FaultyProxy(cvat_target.url, host="127.0.0.2") as other_host,
    ):
        made = Rig(cvat_target, proxy, {"other-port": other_port, "other-host": other_host})
        yield made
        made.close()


@pytest.fixture
def cell(rig: Rig, request: pytest.FixtureRequest) -> Iterator[Rig]:
    fault: Fault = request.node.callspec.params["fault"]
    if fault.kind == "local" and rig.target.local is None:
        pytest.skip("LocalCVAT's fault injection; CVAT_URL targets a real server")
    rig.disarm()
    yield rig
    rig.disarm()
    for other in rig.elsewhere.values():
        assert other.received == [], "a request went to another origin"


def _record(operation: str, fault: Fault, outcome: str) -> None:
    OUTCOMES[(operation, fault.name)] = outcome


def run_cell(operation: str, fault: Fault, action: Callable[[], Any]) -> Any:
    """Run ``action``; return its result or the typed error it raised, after checking it is
    what this cell must end in (``check_outcome``). An untyped error fails the cell."""
    try:
        got = action()
        outcome = "result"
    except CvatOrmError as error:
        got, outcome = error, f"typed:{type(error).__name__}"
        MESSAGES[(operation, fault.name)] = str(error)
    except Exception as error:  # an untyped error: the cell fails
        _record(operation, fault, f"untyped:{type(error).__name__}")
        raise AssertionError(f"{operation} x {fault.name}: untyped {error!r}") from error
    _record(operation, fault, outcome)
    try:
        check_outcome(operation, fault, got)
    except AssertionError:
        _record(operation, fault, f"wrong:{outcome}")
        raise
    return got


#: Operations that only read (GET): a same-resource redirect is followed for them. The
#: models' operations (``test_fault_matrix_models.py``) are classed with the raw ones.
READS = frozenset({"get", "list", "wait", "download", "retrieve", "walk", "annotations", "frame"})
#: Operations whose requests are not idempotent: a fault may end them in an error.
NOT_IDEMPOTENT = frozenset({"post", "patch", "create", "save", "export", "backup", "from_data"})


def check_outcome(operation: str, fault: Fault, got: Any) -> None:
    """What each cell must end in. Every fault applies once and the client may retry twice, so
    an operation that can recover must: only what cannot be retried safely, or must not be
    followed, may end in an error, and only in the error that names what happened."""
    error = got if isinstance(got, Exception) else None
    name = fault.name
    if name == "none":
        assert error is None, f"{operation} without a fault failed: {error!r}"
    elif name.startswith("redirect") and not name.endswith("same-path"):
        assert isinstance(error, RedirectError), f"expected RedirectError, got {got!r}"
    elif name.endswith("same-path"):
        if operation in READS:
            assert error is None, f"a same-resource redirect of a GET is followed: {error!r}"
        else:
            assert isinstance(error, RedirectError), f"expected RedirectError, got {got!r}"
    elif name == "drip":
        assert error is None or isinstance(error, DeadlineExceededError), repr(got)
    elif operation in NOT_IDEMPOTENT:
        allowed: tuple[type[Exception], ...] = (TransportError, ServerError, TooManyRequestsError)
        if operation in ("export", "backup") and name == "malformed":
            # An identical export already runs: the server answers 409 with its id, and a proxy
            # that swaps that answer for another JSON page leaves only the 409 to report.
            allowed = (*allowed, ConflictError)
        assert error is None or isinstance(error, allowed), f"unexpected {got!r}"
        if name.startswith(("html", "malformed", "server-malformed", "unframed")):
            assert error is None or isinstance(error, (MalformedResponseError, *allowed[3:])), repr(
                got
            )
    elif name == "server-500" and operation in READS | {"delete", "remove"}:
        # 500 is not retried: a server error is not a passing network trouble.
        assert isinstance(error, ServerError), f"expected ServerError, got {got!r}"
    else:
        assert error is None, f"{operation} should have recovered from {name}: {error!r}"


ids = [f.name for f in FAULTS]


# --------------------------------------------------------------------------- reads


def _without_urls(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "url"}


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_get_one_object(cell: Rig, fault: Fault) -> None:
    expected = cell.direct.request("GET", "/api/users/self").json()
    cell.arm(fault, "GET", "/api/users/self")
    got = run_cell("get", fault, lambda: cell.client_for(fault).request("GET", "/api/users/self"))
    if isinstance(got, Exception):
        return
    # URLs in the answer name the host the client used (the proxy): compare the rest.
    assert _without_urls(got.json()) == _without_urls(expected)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_list_through_low_level_api(cell: Rig, fault: Fault) -> None:
    expected, _ = cell.direct.api_client.projects_api.list(page_size=5, sort="id")
    cell.arm(fault, "GET", "/api/projects")
    got = run_cell(
        "list",
        fault,
        lambda: cell.client_for(fault).api_client.projects_api.list(page_size=5, sort="id"),
    )
    if isinstance(got, Exception):
        return
    page, _ = got
    assert page is not None and [p["id"] for p in page["results"]] == [
        p["id"] for p in expected["results"]
    ]
    assert page["count"] == expected["count"]


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_wait_for_background_request(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        answer = cell.direct.request(
            "POST", f"/api/projects/{project}/backup/export", params={}
        ).json()
        rq_id = answer["rq_id"]
        cell.arm(fault, "GET", pattern=r"/api/requests/.+")
        got = run_cell(
            "wait",
            fault,
            lambda: wait_for_request(
                cell.client_for(fault), rq_id, progress=NullProgress(), timeout=120
            ),
        )
        if isinstance(got, Exception):
            return
        assert got.status == "finished" and got.id == rq_id
    finally:
        _delete_project(cell, project)


# --------------------------------------------------------------------------- writes


def _make_project(cell: Rig) -> int:
    name = f"fault-matrix-{uuid.uuid4().hex[:10]}"
    return int(cell.direct.request("POST", "/api/projects", json={"name": name}).json()["id"])


def _delete_project(cell: Rig, project: int) -> None:
    with contextlib.suppress(NotFoundError):
        cell.direct.request("DELETE", f"/api/projects/{project}")


def _projects_named(cell: Rig, name: str) -> list[dict[str, Any]]:
    found = cell.direct.request("GET", "/api/projects", params={"name": name}).json()
    return [p for p in found["results"] if p["name"] == name]


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_post_creates_at_most_once(cell: Rig, fault: Fault) -> None:
    name = f"fault-matrix-{uuid.uuid4().hex[:10]}"
    cell.arm(fault, "POST", "/api/projects")
    got = run_cell(
        "post",
        fault,
        lambda: cell.client_for(fault).request("POST", "/api/projects", json={"name": name}),
    )
    made = _projects_named(cell, name)
    try:
        assert len(made) <= 1, "the POST was duplicated"
        posts = [s for s in cell.proxy.seen("POST", "/api/projects")]
        # A 429 refuses before any work: the one answer after which a POST is sent again.
        assert len(posts) <= (2 if fault.name == "429" else 1), "the client sent the POST twice"
        if isinstance(got, Exception):
            if made:  # applied although it failed: the error must say it may have been
                assert fault.applied and "may have" in str(got), got
            return
        assert len(made) == 1 and got.json()["id"] == made[0]["id"]
        assert got.json()["name"] == name
    finally:
        for project in made:
            _delete_project(cell, project["id"])


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_patch_changes_as_reported(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        new = f"renamed-{uuid.uuid4().hex[:10]}"
        cell.arm(fault, "PATCH", f"/api/projects/{project}")
        got = run_cell(
            "patch",
            fault,
            lambda: cell.client_for(fault).request(
                "PATCH", f"/api/projects/{project}", json={"name": new}
            ),
        )
        now = cell.direct.request("GET", f"/api/projects/{project}").json()
        if isinstance(got, Exception):
            if now["name"] == new:
                assert fault.applied and "may have" in str(got), got
            return
        assert got.json()["id"] == project and got.json()["name"] == new == now["name"]
    finally:
        _delete_project(cell, project)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_delete_reports_what_happened(cell: Rig, fault: Fault) -> None:
    project = _make_project(cell)
    try:
        cell.arm(fault, "DELETE", f"/api/projects/{project}")
        got = run_cell(
            "delete",
            fault,
            lambda: cell.client_for(fault).request("DELETE", f"/api/projects/{project}"),
        )
        try:
            cell.direct.request("GET", f"/api/projects/{project}")
            gone = False
        except NotFoundError:
            gone = True
        if isinstance(got, Exception):
            if gone:
                assert fault.applied and "may have" in str(got), got
            return
        assert got.status_code == 204 and gone, "a reported delete must have happened"
    finally:
        _delete_project(cell, project)


# --------------------------------------------------------------------------- transfers


def _png(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8 + seed, 6), (seed * 20 % 256, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
@pytest.mark.parametrize("step", ["multipart", "tus"])
def test_task_data_upload(cell: Rig, fault: Fault, step: str, tmp_path: Path) -> None:
    files = []
    for index in range(3):
        path = tmp_path / f"frame_{index}.png"
        path.write_bytes(_png(index))
        files.append(path)
    task = cell.direct.request(
        "POST", "/api/tasks", json={"name": f"fault-upload-{uuid.uuid4().hex[:8]}",
                                     "labels": [{"name": "car"}]}
    ).json()["id"]  # fmt: skip
    endpoint = f"/api/tasks/{task}/data/"
    try:
        if step == "multipart":
            if fault.applied and not _server_refuses_same_name(cell, tmp_path):
                pytest.skip("LocalCVAT lacks the real server's 409 for a TUS upload of a name "
                            "already uploaded, which the multipart recovery relies on")  # fmt: skip
            # The whole group fits one multipart request; the fault hits that request.
            cell.arm(fault, "POST", f"/api/tasks/{task}/data/",
                     when=lambda headers: "upload-multiple" in headers)  # fmt: skip
            max_size = 1 << 20
        else:
            # Every file goes by TUS in 2 chunks: break the *last* chunk of the first file.
            cell.arm(fault, "PATCH", pattern=rf"/api/tasks/{task}/data/[^/]+",
                     when=lambda headers: headers.get("upload-offset", "0") != "0")  # fmt: skip
            max_size = 1
        chunk = max(1, (files[0].stat().st_size + 1) // 2)
        client = cell.client_for(fault)
        got = run_cell(
            f"upload-{step}",
            fault,
            lambda: _upload_and_wait(client, endpoint, files, max_size, chunk),
        )
        if isinstance(got, Exception):
            return
        meta = cell.direct.request("GET", f"/api/tasks/{task}/data/meta").json()
        assert meta["size"] == 3, f"the task has {meta['size']} frames, not 3"
    finally:
        with contextlib.suppress(CvatOrmError):
            cell.direct.request("DELETE", f"/api/tasks/{task}")


def _server_refuses_same_name(cell: Rig, tmp_path: Path) -> bool:
    """Does the server answer 409 to a TUS upload of a name already in the upload folder (as
    the real server's ``UploadMixin`` does)?"""
    task = cell.direct.request(
        "POST", "/api/tasks", json={"name": "probe-409", "labels": [{"name": "car"}]}
    ).json()["id"]
    endpoint = f"/api/tasks/{task}/data/"
    try:
        cell.direct.request("POST", endpoint, headers={"Upload-Start": "true"})
        cell.direct.request(
            "POST", endpoint, files=[("client_files[0]", ("same.png", _png(1)))],
            data={"image_quality": "70"}, headers={"Upload-Multiple": "true"},
        )  # fmt: skip
        import base64

        try:
            cell.direct.request(
                "POST", endpoint,
                headers={"Tus-Resumable": "1.0.0", "Upload-Length": "3",
                         "Upload-Metadata": "filename " + base64.b64encode(b"same.png").decode()},
            )  # fmt: skip
        except CvatOrmError as error:
            return getattr(error, "status", None) == 409
        return False
    finally:
        cell.direct.request("DELETE", f"/api/tasks/{task}")


def _upload_and_wait(
    client: Client, endpoint: str, files: list[Path], max_size: int, chunk: int
) -> Any:
    response = upload_files(
        client,
        endpoint,
        files,
        fields={"image_quality": 70},
        progress=NullProgress(),
        max_request_size=max_size,
        chunk_size=chunk,
    )
    return wait_for_request(client, response.json()["rq_id"], progress=NullProgress(), timeout=120)


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_download_never_replaces_a_good_file_with_a_bad_one(
    cell: Rig, fault: Fault, tmp_path: Path
) -> None:
    project = _make_project(cell)
    try:
        rq_id = cell.direct.request(
            "POST", f"/api/projects/{project}/backup/export", params={}
        ).json()["rq_id"]
        request, _ = cell.direct.wait_for_completion(rq_id, status_check_period=0.05, timeout=120)
        assert request.result_url
        split = urlsplit(request.result_url)
        path = split.path + (f"?{split.query}" if split.query else "")
        target = tmp_path / "backup.zip"
        good = _zip_bytes({"keep.txt": b"the previous good export"})
        target.write_bytes(good)
        cell.arm(fault, "GET", split.path)
        client = cell.client_for(fault)
        got = run_cell(
            "download",
            fault,
            lambda: download(client, path, target, progress=NullProgress(), overwrite=True),
        )
        if isinstance(got, Exception):
            assert target.read_bytes() == good, "a failed download replaced the good file"
            return
        with zipfile.ZipFile(target) as archive:
            assert archive.testzip() is None and archive.namelist()
        assert target.read_bytes() != good
    finally:
        _delete_project(cell, project)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "backup.zip"]
    assert leftovers == [], "temporary files were left behind"


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
