"""LocalCVAT as an HTTP server: lifecycle, keep-alive, concurrency, seeds, about and schema."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from cvatorm.testing import LocalCVAT
from cvatorm.testing.__main__ import main

PASSWORD = "!Q@W#E$R"


def test_about_reports_a_2_64_server(url: str, admin: requests.Session) -> None:
    response = admin.get(f"{url}/api/server/about")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.cvat+json"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    body = response.json()
    assert body["version"].startswith("2.64.")
    assert body["name"] == "Computer Vision Annotation Tool"


def test_schema_is_yaml_by_default_and_json_on_request(url: str, admin: requests.Session) -> None:
    yaml_doc = admin.get(f"{url}/api/schema/")
    assert yaml_doc.headers["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml_doc.text.startswith("openapi: 3.0.3")
    by_format = admin.get(f"{url}/api/schema/", params={"scheme": "json"})
    assert by_format.headers["Content-Type"] == "application/vnd.oai.openapi+json"
    by_yaml = admin.get(f"{url}/api/schema/", params={"scheme": "yaml"})
    assert by_yaml.content == yaml_doc.content
    # CVAT's URL_FORMAT_OVERRIDE is "scheme": ?format= is not a renderer choice
    assert admin.get(f"{url}/api/schema/", params={"format": "json"}).content == yaml_doc.content
    assert admin.get(f"{url}/api/schema/", params={"scheme": "xml"}).status_code == 404
    assert by_format.json()["info"]["version"].startswith("2.64")
    by_accept = admin.get(f"{url}/api/schema/", headers={"Accept": "application/json"})
    assert by_accept.headers["Content-Type"] == "application/json"
    assert by_accept.json() == by_format.json()
    refused = admin.get(f"{url}/api/schema/", headers={"Accept": "text/csv"})
    assert refused.status_code == 406


@pytest.mark.local_only
def test_keep_alive_serves_many_requests_on_one_connection(server: LocalCVAT) -> None:
    connection = http.client.HTTPConnection(server.host, server.port)
    headers = {"Authorization": "Basic YWRtaW4xOiFRQFcjRSRS"}  # admin1:!Q@W#E$R
    sockets = set()
    for _ in range(5):
        connection.request("GET", "/api/users/self", headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["username"] == "admin1"
        sockets.add(id(connection.sock))
    assert len(sockets) == 1
    connection.close()


@pytest.mark.local_only
def test_concurrent_clients(url: str) -> None:
    def work(index: int) -> int:
        with requests.Session() as session:
            session.auth = ("admin1", PASSWORD)
            created = session.post(f"{url}/api/projects", json={"name": f"c{index}"})
            return int(created.json()["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(24)))
    assert len(set(ids)) == 24


@pytest.mark.local_only
def test_empty_server_has_only_admin1() -> None:
    with LocalCVAT(data="empty") as empty:
        session = requests.Session()
        session.auth = ("admin1", PASSWORD)
        users = session.get(f"{empty.url}/api/users").json()
        assert [user["username"] for user in users["results"]] == ["admin1"]
        assert session.get(f"{empty.url}/api/tasks").json()["count"] == 0
        task = session.post(f"{empty.url}/api/tasks", json={"name": "t", "labels": [{"name": "a"}]})
        assert task.status_code == 201
        assert task.json()["id"] == 1


@pytest.mark.local_only
def test_seed_from_a_folder(tmp_path: Path) -> None:
    users = {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "date_joined": "2024-01-01T00:00:00Z",
                "email": "boss@example.com",
                "first_name": "B",
                "groups": ["admin"],
                "has_analytics_access": True,
                "id": 7,
                "is_active": True,
                "is_staff": True,
                "is_superuser": True,
                "last_login": None,
                "last_name": "C",
                "url": "http://localhost:8080/api/users/7",
                "username": "boss",
            }
        ],
    }
    (tmp_path / "users.json").write_text(json.dumps(users))
    with LocalCVAT(data=tmp_path) as custom:
        me = requests.get(f"{custom.url}/api/users/self", auth=("boss", PASSWORD))
        assert me.status_code == 200
        assert me.json()["url"] == f"{custom.url}/api/users/7"


@pytest.mark.local_only
def test_an_unknown_seed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LocalCVAT(data=tmp_path / "missing").start()


@pytest.mark.local_only
def test_start_stop_and_restart() -> None:
    local = LocalCVAT(data="empty")
    with pytest.raises(RuntimeError):
        _ = local.url
    local.start()
    first = local.url
    assert requests.get(f"{first}/api/server/about", auth=("admin1", PASSWORD)).ok
    local.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first}/api/server/about", timeout=2)
    local.start()
    assert requests.get(f"{local.url}/api/server/about", auth=("admin1", PASSWORD)).ok
    local.stop()


@pytest.mark.local_only
def test_command_line_serves_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(main(["--port", "0", "--data", "empty"], stop=stop))
    )
    thread.start()
    try:
        for _ in range(200):
            out = capsys.readouterr().out
            if "serving at" in out:
                break
            stop.wait(0.02)
        served = out.split("serving at ")[1].split()[0]
        about = requests.get(f"{served}/api/server/about", auth=("admin1", PASSWORD))
        assert about.status_code == 200
    finally:
        stop.set()
        thread.join()
    assert result == [0]


@pytest.mark.local_only
def test_command_line_reports_a_busy_port(
    server: LocalCVAT, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--port", str(server.port)], stop=threading.Event()) == 1
    assert "cannot listen" in capsys.readouterr().err


@pytest.mark.local_only
def test_responses_are_not_delayed_by_nagle(
    server: LocalCVAT, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The accepted sockets carry TCP_NODELAY (else each keep-alive response stalls ~40 ms)."""
    from cvatorm.testing import server as server_module

    seen: list[int] = []
    original_setup = server_module._Handler.setup

    def setup(handler: server_module._Handler) -> None:
        original_setup(handler)
        seen.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(server_module._Handler, "setup", setup)
    assert requests.get(f"{server.url}/api/server/about").status_code == 200
    assert seen and all(seen)


@pytest.mark.local_only
def test_client_hang_ups_are_not_reported(
    server: LocalCVAT, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Timeouts and resets on the client side are routine; other serving errors are logged."""
    httpd = server._httpd
    assert httpd is not None
    for error in (BrokenPipeError(), ConnectionResetError(), TimeoutError()):
        try:
            raise error
        except OSError:
            httpd.handle_error(None, ("127.0.0.1", 1))
    assert not caplog.records
    assert capsys.readouterr().err == ""
    try:
        raise ValueError("boom")
    except ValueError:
        httpd.handle_error(None, ("127.0.0.1", 1))
    assert [record.levelname for record in caplog.records] == ["ERROR"]


def test_server_errors_are_djangos_html_page(
    server: LocalCVAT, admin: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django (DEBUG off) answers any unhandled exception with its own HTML 500 page."""
    crashed_query = admin.get(f"{server.url}/api/labels", params={"task_id": 99999})
    assert crashed_query.status_code == 500
    assert crashed_query.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Server Error (500)</h1>" in crashed_query.text
    route = next(r for r in server.app.router.routes if r.template == "/api/server/about")

    def boom(ctx: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(route, "handler", boom)
    crashed_view = admin.get(f"{server.url}/api/server/about")
    assert crashed_view.status_code == 500
    assert crashed_view.content == crashed_query.content


@pytest.mark.local_only
def test_absolute_urls_use_the_host_the_client_asked_for(server: LocalCVAT) -> None:
    """build_absolute_uri: Host, or X-Forwarded-Host/-Proto behind CVAT's proxy settings."""
    auth = ("admin1", PASSWORD)
    local = f"http://localhost:{server.port}"
    task = requests.get(f"{local}/api/tasks/2", auth=auth).json()
    assert task["url"] == f"{local}/api/tasks/2"
    assert task["jobs"]["url"].startswith(f"{local}/api/jobs?")
    page = requests.get(f"{local}/api/tasks", params={"page_size": 1}, auth=auth).json()
    assert page["next"].startswith(f"{local}/api/tasks?")
    proxied = requests.get(
        f"{server.url}/api/tasks/2",
        auth=auth,
        headers={"X-Forwarded-Host": "cvat.example", "X-Forwarded-Proto": "https"},
    ).json()
    assert proxied["url"] == "https://cvat.example/api/tasks/2"
    direct = requests.get(f"{server.url}/api/tasks/2", auth=auth).json()
    assert direct["url"] == f"{server.url}/api/tasks/2"


def test_annotation_formats_list_what_the_server_handles(url: str, admin: requests.Session) -> None:
    body = admin.get(f"{url}/api/server/annotation/formats").json()
    assert [f["name"] for f in body["exporters"]] == ["CVAT for images 1.1"]
    assert [f["name"] for f in body["importers"]] == ["CVAT 1.1"]
    for entry in body["exporters"] + body["importers"]:
        assert set(entry) == {"name", "ext", "version", "enabled", "dimension"}
