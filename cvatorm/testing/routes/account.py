"""``POST /api/auth/password/change``: dj-rest-auth's ``PasswordChangeView`` as CVAT runs it.

The serializer checks the old password first ("Your old password was entered incorrectly"),
then Django's ``SetPasswordForm``: the two new passwords must match, then the validators of
``settings.AUTH_PASSWORD_VALIDATORS`` (minimum 8, a common-password list, not entirely numeric,
at most 256), every message under ``new_password2``. The session stays valid.
"""

from __future__ import annotations

from cvatorm.testing.errors import HttpError
from cvatorm.testing.messages import Response
from cvatorm.testing.routes.common import ok
from cvatorm.testing.routing import Context, Router

#: A sample of Django's ``common-passwords.txt.gz`` (the real list has 20,000 entries).
_COMMON = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "password",
        "password1",
        "qwertyui",
        "qwerty123",
        "iloveyou",
        "11111111",
        "00000000",
        "abc12345",
        "sunshine",
        "princess",
        "football",
    }
)


def _validator_messages(password: str) -> list[str]:
    messages = []
    if len(password) < 8:
        messages.append("This password is too short. It must contain at least 8 characters.")
    if password.lower().strip() in _COMMON:
        messages.append("This password is too common.")
    if password.isdigit():
        messages.append("This password is entirely numeric.")
    if len(password) > 256:
        messages.append("This password is too long. It must contain at most 256 characters.")
    return messages


def change_password(ctx: Context) -> Response:
    body = ctx.request.json_object()
    required = {
        key: ["This field is required."]
        for key in ("old_password", "new_password1", "new_password2")
        if key not in body
    }
    if required:
        raise HttpError(400, required)
    user = ctx.user
    store = ctx.app.store
    if store.passwords.get(user["id"]) != str(body["old_password"]):
        raise HttpError(
            400,
            {"old_password": ["Your old password was entered incorrectly. Please enter it again."]},
        )
    first, second = str(body["new_password1"]), str(body["new_password2"])
    if first != second:
        raise HttpError(400, {"new_password2": ["The two password fields didn\u2019t match."]})
    messages = _validator_messages(second)
    if messages:
        raise HttpError(400, {"new_password2": messages})
    store.passwords[user["id"]] = second
    return ok({"detail": "New password has been saved."})


def register(router: Router) -> None:
    router.add("POST", "/api/auth/password/change", change_password)
