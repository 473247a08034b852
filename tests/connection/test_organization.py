"""The organization context: the X-Organization header's three meanings, per thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cvatorm._sentinels import INHERIT
from cvatorm.connection import Client

from .stub_server import StubCVAT


def _org_header(stub: StubCVAT) -> str | None:
    return stub.received[-1].headers.get("X-Organization")


def test_by_default_no_organization_is_sent(client: Client, stub: StubCVAT) -> None:
    assert client.organization_slug is None
    client.request("GET", "/api/echo")
    assert _org_header(stub) is None


@pytest.mark.parametrize("slug", ["", "org1"])
def test_a_slug_or_the_personal_workspace_is_sent(
    client: Client, stub: StubCVAT, slug: str
) -> None:
    client.organization_slug = slug
    client.request("GET", "/api/echo")
    assert _org_header(stub) == slug
    client.organization_slug = None
    client.request("GET", "/api/echo")
    assert _org_header(stub) is None


def test_the_organization_argument_overrides_the_context(client: Client, stub: StubCVAT) -> None:
    client.organization_slug = "org1"
    sent = []
    for organization in (INHERIT, None, "", "org2"):
        client.request("GET", "/api/echo", organization=organization)
        sent.append(_org_header(stub))
    assert sent == ["org1", None, "", "org2"]


def test_explicit_headers_win(client: Client, stub: StubCVAT) -> None:
    client.request("GET", "/api/echo", organization="a", headers={"X-Organization": "b"})
    assert _org_header(stub) == "b"


def test_organization_context_restores_the_previous_value(client: Client) -> None:
    client.organization_slug = "outer"
    with client.organization_context("inner"):
        assert client.organization_slug == "inner"
        with client.organization_context(""):
            assert client.organization_slug == ""
        with client.organization_context(None):
            assert client.organization_slug is None
        assert client.organization_slug == "inner"
    assert client.organization_slug == "outer"


def test_organization_context_restores_after_an_exception(client: Client) -> None:
    with pytest.raises(RuntimeError), client.organization_context("x"):
        raise RuntimeError
    assert client.organization_slug is None


def test_a_slug_must_be_a_string_or_none(client: Client) -> None:
    with pytest.raises(TypeError):
        client.organization_slug = 3  # type: ignore[assignment]
    with pytest.raises(TypeError):
        client.request("GET", "/api/echo", organization=3)  # type: ignore[arg-type]


def test_two_threads_sharing_a_client_never_see_each_others_organization(
    client: Client, stub: StubCVAT
) -> None:
    """Both threads set their organization before either sends: a shared slug (the official
    SDK keeps it in the API client's default headers) would make both send the last one."""
    both_set = threading.Barrier(2, timeout=30)
    results: dict[str, tuple[str | None, str]] = {}
    errors: list[BaseException] = []

    def work(slug: str, use_context: bool) -> None:
        try:
            if use_context:
                with client.organization_context(slug):
                    both_set.wait()
                    seen = client.organization_slug
                    client.request("GET", "/api/echo", params={"thread": slug})
            else:
                client.organization_slug = slug
                both_set.wait()
                seen = client.organization_slug
                client.request("GET", "/api/echo", params={"thread": slug})
            results[slug] = (seen, slug)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=("org-a", False)),
        threading.Thread(target=work, args=("org-b", True)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {"org-a": ("org-a", "org-a"), "org-b": ("org-b", "org-b")}
    sent = {r.query["thread"][0]: r.headers.get("X-Organization") for r in stub.received}
    assert sent == {"org-a": "org-a", "org-b": "org-b"}
    assert client.organization_slug is None  # the main thread never set one


def test_new_threads_start_from_the_default_organization(client: Client) -> None:
    client.default_organization_slug = "shared"
    client.organization_slug = "main-only"
    seen: list[str | None] = []
    t = threading.Thread(target=lambda: seen.append(client.organization_slug))
    t.start()
    t.join()
    assert seen == ["shared"]
    assert client.organization_slug == "main-only"


def test_asyncio_tasks_inherit_and_isolate(client: Client) -> None:
    async def child(slug: str) -> str | None:
        client.organization_slug = slug
        await asyncio.sleep(0)
        return client.organization_slug

    async def main() -> tuple[list[str | None], str | None]:
        client.organization_slug = "parent"
        inherited = await asyncio.create_task(_read())
        results = await asyncio.gather(child("t1"), child("t2"))
        return [inherited, *results], client.organization_slug

    async def _read() -> str | None:
        return client.organization_slug

    seen, after = asyncio.run(main())
    assert seen == ["parent", "t1", "t2"]
    assert after == "parent"
