"""Authentication: login/logout, session cookies with CSRF, Token, Bearer (personal access
tokens, read-only by default), HTTP basic; 401/403 bodies as the real server sends them."""

from __future__ import annotations

import requests

PASSWORD = "!Q@W#E$R"
NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


def _login(url: str, username: str = "user1") -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{url}/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200
    return session


def test_anonymous_requests_are_401_with_a_token_challenge(url: str) -> None:
    for path in ("/api/tasks", "/api/users/self", "/api/labels/3", "/api/requests"):
        response = requests.get(url + path)
        assert response.status_code == 401
        assert response.json() == NOT_PROVIDED
        assert response.headers["WWW-Authenticate"] == "Token"


def test_wrong_methods_on_public_views_are_405(url: str) -> None:
    response = requests.get(f"{url}/api/auth/login")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    assert requests.delete(f"{url}/api/server/about").status_code == 405


def test_about_and_schema_are_public(url: str) -> None:
    assert requests.get(f"{url}/api/server/about").status_code == 200
    assert requests.get(f"{url}/api/schema/").status_code == 200
    bad = requests.get(f"{url}/api/server/about", headers={"Authorization": "Token nope"})
    assert bad.status_code == 401


def test_login_returns_a_key_and_sets_session_and_csrf_cookies(url: str) -> None:
    response = requests.post(
        f"{url}/api/auth/login", json={"username": "user1", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert set(response.json()) == {"key"}
    assert {"sessionid", "csrftoken"} <= set(response.cookies.keys())
    again = requests.post(f"{url}/api/auth/login", json={"username": "user1", "password": PASSWORD})
    assert again.json()["key"] == response.json()["key"]


def test_login_by_email(url: str) -> None:
    response = requests.post(
        f"{url}/api/auth/login", json={"email": "user1@cvat.org", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_login_errors(url: str) -> None:
    wrong = requests.post(f"{url}/api/auth/login", json={"username": "user1", "password": "x"})
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    missing = requests.post(f"{url}/api/auth/login", json={"username": "user1"})
    assert missing.status_code == 400
    # CVAT 2.64.1 (asked): LoginSerializer.validate() answers both, as a plain list
    assert missing.json() == ['Must include either "username" or "email" and "password".']
    nobody = requests.post(f"{url}/api/auth/login", json={"password": "x"})
    assert nobody.json() == ['Must include either "username" or "email" and "password".']
    unknown_email = requests.post(
        f"{url}/api/auth/login", json={"email": "nobody@cvat.org", "password": "x"}
    )
    assert unknown_email.json() == ["Unable to login with provided credentials"]


def test_token_authentication(url: str) -> None:
    key = requests.post(
        f"{url}/api/auth/login", json={"username": "user2", "password": PASSWORD}
    ).json()["key"]
    me = requests.get(f"{url}/api/users/self", headers={"Authorization": f"Token {key}"})
    assert me.status_code == 200
    assert me.json()["username"] == "user2"
    bad = requests.get(f"{url}/api/users/self", headers={"Authorization": "Token nope"})
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid token."}


def test_basic_authentication(url: str) -> None:
    ok = requests.get(f"{url}/api/users/self", auth=("worker1", PASSWORD))
    assert ok.status_code == 200
    assert ok.json()["username"] == "worker1"
    bad = requests.get(f"{url}/api/users/self", auth=("worker1", "wrong"))
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid username/password."}


def test_session_unsafe_methods_need_the_csrf_header(url: str) -> None:
    session = _login(url)
    assert session.get(f"{url}/api/users/self").status_code == 200
    missing = session.post(f"{url}/api/projects", json={"name": "csrf"})
    assert missing.status_code == 403
    assert missing.json() == {"detail": "CSRF Failed: CSRF token missing."}
    wrong = session.post(
        f"{url}/api/projects", json={"name": "csrf"}, headers={"X-CSRFToken": "x" * 32}
    )
    assert wrong.status_code == 403
    assert wrong.json() == {
        "detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."
    }
    short = session.post(
        f"{url}/api/projects", json={"name": "csrf"}, headers={"X-CSRFToken": "abc"}
    )
    assert short.json() == {
        "detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."
    }
    csrf = session.cookies["csrftoken"]
    created = session.post(
        f"{url}/api/projects", json={"name": "csrf"}, headers={"X-CSRFToken": csrf}
    )
    assert created.status_code == 201
    deleted = session.delete(
        f"{url}/api/projects/{created.json()['id']}", headers={"X-CSRFToken": csrf}
    )
    assert deleted.status_code == 204


def test_logout_ends_the_session_and_the_token(url: str) -> None:
    session = _login(url, "user3")
    key = requests.post(
        f"{url}/api/auth/login", json={"username": "user3", "password": PASSWORD}
    ).json()["key"]
    response = session.post(
        f"{url}/api/auth/logout", headers={"X-CSRFToken": session.cookies["csrftoken"]}
    )
    assert response.status_code == 200
    assert response.json() == {"detail": "Successfully logged out."}
    assert session.get(f"{url}/api/users/self").status_code == 401
    by_token = requests.get(f"{url}/api/users/self", headers={"Authorization": f"Token {key}"})
    assert by_token.status_code == 401


def test_access_tokens_are_read_only_unless_asked(url: str) -> None:
    owner = requests.Session()
    owner.auth = ("user4", PASSWORD)
    created = owner.post(f"{url}/api/auth/access_tokens", json={"name": "ro"})
    assert created.status_code == 201
    body = created.json()
    assert body["read_only"] is True
    assert body["owner"]["username"] == "user4"
    secret = body["value"]
    bearer = {"Authorization": f"Bearer {secret}"}

    assert requests.get(f"{url}/api/users/self", headers=bearer).json()["username"] == "user4"
    denied = requests.post(f"{url}/api/projects", json={"name": "p"}, headers=bearer)
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You do not have permission to perform this action."}

    listed = owner.get(f"{url}/api/auth/access_tokens").json()["results"]
    assert [token["name"] for token in listed] == ["ro"]
    assert all("value" not in token for token in listed)
    retrieved = owner.get(f"{url}/api/auth/access_tokens/{body['id']}").json()
    assert "value" not in retrieved
    me = requests.get(f"{url}/api/auth/access_tokens/self", headers=bearer)
    assert me.json()["id"] == body["id"]

    writable = owner.post(
        f"{url}/api/auth/access_tokens", json={"name": "rw", "read_only": False}
    ).json()
    assert writable["read_only"] is False
    rw = {"Authorization": f"Bearer {writable['value']}"}
    project = requests.post(f"{url}/api/projects", json={"name": "by token"}, headers=rw)
    assert project.status_code == 201
    assert project.json()["owner"]["username"] == "user4"

    assert owner.delete(f"{url}/api/auth/access_tokens/{body['id']}").status_code == 204
    revoked = requests.get(f"{url}/api/users/self", headers=bearer)
    assert revoked.status_code == 401
    assert revoked.json() == {"detail": "Invalid token."}


def test_access_tokens_of_others_are_not_accessible(url: str) -> None:
    mine = requests.post(
        f"{url}/api/auth/access_tokens", json={"name": "mine"}, auth=("user5", PASSWORD)
    ).json()
    other = requests.get(f"{url}/api/auth/access_tokens/{mine['id']}", auth=("user6", PASSWORD))
    assert other.status_code in (403, 404)
    listed = requests.get(f"{url}/api/auth/access_tokens", auth=("user6", PASSWORD)).json()
    assert mine["id"] not in [token["id"] for token in listed["results"]]


def test_access_token_self_needs_a_bearer_token(url: str) -> None:
    response = requests.get(f"{url}/api/auth/access_tokens/self", auth=("user1", PASSWORD))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"  # AccessTokenAuthentication only


def test_access_token_validation(url: str) -> None:
    response = requests.post(f"{url}/api/auth/access_tokens", json={}, auth=("user1", PASSWORD))
    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}


def test_token_clients_cannot_manage_tokens_and_use_is_recorded(url: str) -> None:
    owner = requests.Session()
    owner.auth = ("worker2", PASSWORD)
    token = owner.post(
        f"{url}/api/auth/access_tokens", json={"name": "rw", "read_only": False}
    ).json()
    assert token["last_used_date"] is None
    bearer = {"Authorization": f"Bearer {token['value']}"}
    assert requests.get(f"{url}/api/users/self", headers=bearer).status_code == 200
    used = owner.get(f"{url}/api/auth/access_tokens/{token['id']}").json()
    assert used["last_used_date"] is not None
    create = requests.post(f"{url}/api/auth/access_tokens", json={"name": "x"}, headers=bearer)
    assert create.status_code == 403
    delete = requests.delete(f"{url}/api/auth/access_tokens/{token['id']}", headers=bearer)
    assert delete.status_code == 403


def test_masked_csrf_tokens_are_accepted(url: str) -> None:
    import string

    chars = string.ascii_letters + string.digits
    session = _login(url, "user7")
    secret = session.cookies["csrftoken"]
    mask = "a" * 32
    cipher = "".join(
        chars[(chars.index(s) + chars.index(m)) % len(chars)]
        for s, m in zip(secret, mask, strict=True)
    )
    response = session.post(
        f"{url}/api/projects", json={"name": "masked"}, headers={"X-CSRFToken": mask + cipher}
    )
    assert response.status_code == 201


def test_token_permissions_follow_the_rules(url: str) -> None:
    nobody = requests.get(f"{url}/api/auth/access_tokens", auth=("dummy1", PASSWORD))
    assert nobody.status_code == 403
    mine = requests.post(
        f"{url}/api/auth/access_tokens", json={"name": "seen by admin"}, auth=("user8", PASSWORD)
    ).json()
    by_admin = requests.get(f"{url}/api/auth/access_tokens/{mine['id']}", auth=("admin1", PASSWORD))
    assert by_admin.status_code == 200
    admin_list = requests.get(f"{url}/api/auth/access_tokens", auth=("admin1", PASSWORD))
    assert mine["id"] not in [token["id"] for token in admin_list.json()["results"]]


def test_access_token_lists_have_the_real_filters(url: str) -> None:
    """filter/sort/search over the token fields schema.yml declares (JSON Logic included)."""
    session = requests.Session()
    session.auth = ("user2", PASSWORD)
    for name, read_only in (("alpha", True), ("beta", False)):
        made = session.post(
            f"{url}/api/auth/access_tokens", json={"name": name, "read_only": read_only}
        )
        assert made.status_code == 201, made.text
    writable = session.get(
        f"{url}/api/auth/access_tokens",
        params={"filter": '{"==":[{"var":"read_only"},false]}', "search": "bet"},
    )
    assert [token["name"] for token in writable.json()["results"]] == ["beta"]
    by_name = session.get(f"{url}/api/auth/access_tokens", params={"sort": "name"}).json()
    names = [token["name"] for token in by_name["results"]]
    assert names == sorted(names)
    bad = session.get(f"{url}/api/auth/access_tokens", params={"filter": '{"==":[{"var":"x"},1]}'})
    assert (bad.status_code, bad.json()) == (400, ["filter: term 'x' is not supported"])


def test_login_by_case_insensitive_username_or_email(url: str) -> None:
    """allauth in username_email mode, behind Django's exact-username backend."""
    for name in ("USER1", "user1@cvat.org"):
        body = {"username": name, "password": PASSWORD}
        login = requests.post(f"{url}/api/auth/login", json=body)
        assert login.status_code == 200, (name, login.text)
        basic = requests.get(f"{url}/api/users/self", auth=(name, PASSWORD))
        assert basic.json()["username"] == "user1"
    wrong = requests.post(f"{url}/api/auth/login", json={"username": "USER1", "password": "x"})
    assert wrong.status_code == 400


def test_access_tokens_may_not_change_users(url: str) -> None:
    """access_token_plugin.users.rego: tokens (even read-write) only list and view users."""
    session = requests.Session()
    session.auth = ("user3", PASSWORD)
    made = session.post(f"{url}/api/auth/access_tokens", json={"name": "rw", "read_only": False})
    bearer = {"Authorization": f"Bearer {made.json()['value']}"}
    me = requests.get(f"{url}/api/users/self", headers=bearer).json()
    assert requests.get(f"{url}/api/users/{me['id']}", headers=bearer).status_code == 200
    renamed = requests.patch(
        f"{url}/api/users/{me['id']}", json={"first_name": "Z"}, headers=bearer
    )
    assert renamed.status_code == 403
    assert requests.delete(f"{url}/api/users/{me['id']}", headers=bearer).status_code == 403
    assert session.patch(f"{url}/api/users/{me['id']}", json={"first_name": "Z"}).ok


def test_basic_headers_with_spaces_are_refused_like_drf(url: str) -> None:
    header = {"Authorization": "Basic dXNlcjE6IVFAVyNFJFI= extra"}
    response = requests.get(f"{url}/api/users/self", headers=header)
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Invalid basic header. Credentials string should not contain spaces."},
    )


def test_logout_clears_the_session_cookie_only_when_sent(url: str) -> None:
    login = requests.post(f"{url}/api/auth/login", json={"username": "user4", "password": PASSWORD})
    token = {"Authorization": f"Token {login.json()['key']}"}
    by_token = requests.post(f"{url}/api/auth/logout", headers=token)
    assert by_token.status_code == 200
    assert "sessionid" not in by_token.headers.get("Set-Cookie", "")
    session = requests.Session()
    session.post(f"{url}/api/auth/login", json={"username": "user4", "password": PASSWORD})
    csrf = {"X-CSRFToken": session.cookies["csrftoken"]}
    by_cookie = session.post(f"{url}/api/auth/logout", headers=csrf)
    assert by_cookie.status_code == 200
    assert 'sessionid=""' in by_cookie.headers["Set-Cookie"]
