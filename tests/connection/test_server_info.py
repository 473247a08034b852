"""Server information on the client: about(), plugins(), annotation_formats(), share(), and the
logged-in user's password change. The same tests run against LocalCVAT and a real CVAT."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

import pytest

from cvatorm.connection import Client
from cvatorm.connection.server_info import AnnotationFormats, ServerAbout, ShareEntry
from cvatorm.exceptions import (
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    InvalidArgumentError,
    UnknownFormatError,
    ValidationError,
)

SEED_PASSWORD = "!Q@W#E$R"


@pytest.mark.covers("GET /api/server/about", call="client.about()")
def test_about_names_the_server_and_its_version(admin_client: Client) -> None:
    about = admin_client.about()
    assert isinstance(about, ServerAbout)
    assert about.name == "Computer Vision Annotation Tool"
    assert about.version.startswith("2.")
    assert about.version == str(admin_client.get_server_version())


@pytest.mark.covers("GET /api/server/plugins", call="client.plugins()")
def test_plugins_say_which_optional_parts_run(admin_client: Client) -> None:
    plugins = admin_client.plugins()
    assert isinstance(plugins.analytics, bool) and isinstance(plugins.models, bool)
    assert set(plugins.raw) >= {"ANALYTICS", "MODELS"}


@pytest.mark.covers("GET /api/server/annotation/formats", call="client.annotation_formats()")
def test_annotation_formats_are_typed_and_asked_once(admin_client: Client, traffic: Any) -> None:
    traffic.clear()
    formats = admin_client.annotation_formats()
    assert isinstance(formats, AnnotationFormats)
    cvat = admin_client.check_format("CVAT for images 1.1", "export")
    assert cvat.name == "CVAT for images 1.1" and "ZIP" in cvat.extensions
    assert "CVAT 1.1" in formats.names("import")
    assert admin_client.annotation_formats() is formats
    assert traffic.count("GET", "/api/server/annotation/formats") == 1


def test_an_unknown_format_names_the_close_ones(admin_client: Client) -> None:
    formats = admin_client.annotation_formats()
    with pytest.raises(UnknownFormatError) as caught:
        formats.get("cvat for images 1.1", "export")
    assert caught.value.suggestions == ["CVAT for images 1.1"]
    assert isinstance(caught.value, ValidationError)
    with pytest.raises(UnknownFormatError, match=r"no import format .CVAT for images 1\.1."):
        formats.get("CVAT for images 1.1", "import")  # an export-only format


@pytest.mark.covers("GET /api/server/share", call="client.share(directory)")
def test_share_lists_folders_first_then_files_by_name(admin_client: Client) -> None:
    top = list(admin_client.share())
    assert top, "the test servers have a share"
    kinds = [entry.type for entry in top]
    assert kinds == sorted(kinds)  # "DIR" < "REG": folders first
    folders = [entry for entry in top if entry.is_dir]
    assert [f.name for f in folders] == sorted(f.name for f in folders)
    images = next(entry for entry in folders if entry.name == "images")
    assert images.path == "images/"
    files = [entry for entry in admin_client.share("images") if not entry.is_dir]
    assert files and all(f.path.startswith("images/") for f in files)
    assert {f.mime_type for f in files} == {"image"}
    first = files[0]
    assert [e.path for e in admin_client.share("/images", search=first.name)] == [first.path]


def test_a_recursive_share_walk_asks_for_a_folder_only_when_it_gets_there(
    admin_client: Client, traffic: Any
) -> None:
    traffic.clear()
    walk = admin_client.share(recursive=True)
    assert traffic.count("GET", "/api/server/share") == 0  # lazy: nothing asked yet
    first = next(walk)
    assert isinstance(first, ShareEntry) and first.is_dir
    assert traffic.count("GET", "/api/server/share") == 1
    list(islice(walk, 1))  # the first folder's content
    assert traffic.count("GET", "/api/server/share") == 2


def test_share_refuses_paths_outside_it_before_any_request(
    admin_client: Client, traffic: Any
) -> None:
    traffic.clear()
    with pytest.raises(ValidationError, match="leaves the share"):
        admin_client.share("../etc")
    with pytest.raises(InvalidArgumentError):
        admin_client.share(5)  # type: ignore[arg-type]
    assert traffic.calls() == []
    with pytest.raises(ValidationError, match="no folder of the share"):
        list(admin_client.share("no-such-folder"))


def test_a_worker_may_not_list_the_share(client_as: Callable[[str], Client]) -> None:
    with pytest.raises(ForbiddenError):
        list(client_as("worker1").share())


def test_share_entries_tells_which_paths_exist(admin_client: Client) -> None:
    files = [e for e in admin_client.share("images") if not e.is_dir]
    found = admin_client.share_entries([files[0].path, "images/absent.png", "nowhere/x.png"])
    assert found[files[0].path] == files[0]
    assert found["images/absent.png"] is None and found["nowhere/x.png"] is None


@pytest.mark.covers("POST /api/auth/password/change", call="client.change_password(old, new)")
def test_change_password_keeps_the_session_and_the_new_one_logs_in(
    client_as: Callable[[str], Client], cvat_target: Any
) -> None:
    client = client_as("dummy4")
    new = "Kq8!mZ2#rT5w"
    client.change_password(SEED_PASSWORD, new)
    try:
        assert client.request("GET", "/api/users/self").json()["username"] == "dummy4"
        with pytest.raises(AuthenticationError):
            client_as("dummy4")  # the old password no longer logs in
        client_as("dummy4", new)
    finally:
        client.change_password(new, SEED_PASSWORD)
    client_as("dummy4")


def test_a_refused_password_change_says_why(client_as: Callable[[str], Client]) -> None:
    client = client_as("dummy4")
    with pytest.raises(BadRequestError) as wrong_old:
        client.change_password("not-my-password", "Kq8!mZ2#rT5w")
    assert "old_password" in wrong_old.value.field_errors
    with pytest.raises(BadRequestError) as weak:
        client.change_password(SEED_PASSWORD, "12345678")
    assert weak.value.field_errors["new_password2"] == [
        "This password is too common.",
        "This password is entirely numeric.",
    ]


def test_a_bad_new_password_is_refused_before_any_request(
    client_as: Callable[[str], Client], traffic: Any
) -> None:
    client = client_as("dummy4")
    traffic.clear()
    with pytest.raises(ValidationError, match="8 to 256"):
        client.change_password(SEED_PASSWORD, "short")
    with pytest.raises(InvalidArgumentError):
        client.change_password(None, "Kq8!mZ2#rT5w")  # type: ignore[arg-type]
    assert traffic.calls() == []
