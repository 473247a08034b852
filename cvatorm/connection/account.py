"""The logged-in user's own account: ``client.change_password(old, new)``.

Kept apart from logging in (:mod:`cvatorm.connection.credentials`): changing a password keeps
the current session (the server re-hashes it into the session), so nothing here touches the
client's authentication; both passwords are redacted from logs before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cvatorm.exceptions import InvalidArgumentError, ValidationError
from cvatorm.wire.endpoints import PASSWORD_CHANGE

if TYPE_CHECKING:
    from cvatorm.connection.client import Client

__all__ = ["AccountMixin"]

#: ``PasswordChangeSerializer``'s bounds on the new password (the server's own password
#: validators, "too common", "entirely numeric"..., answer a ``BadRequestError``).
_NEW_PASSWORD_LENGTH = (8, 256)


class AccountMixin:
    """The account calls of :class:`~cvatorm.connection.Client`."""

    def change_password(self: Client, old_password: str, new_password: str) -> None:  # type: ignore[misc]
        """Change the logged-in user's password (``POST /api/auth/password/change``).

        The session stays open. A wrong old password or a new one the server's validators
        refuse is a ``BadRequestError`` whose ``field_errors`` say why; a new password outside
        8-256 characters is a ``ValidationError`` before any request.
        """
        for name, value in (("old_password", old_password), ("new_password", new_password)):
            if not isinstance(value, str) or not value:
                raise InvalidArgumentError(name, "<hidden>", "a non-empty password (str)")
        low, high = _NEW_PASSWORD_LENGTH
        if not low <= len(new_password) <= high:
            raise ValidationError({"new_password": [f"must be {low} to {high} characters long"]})
        self._redactor.add(old_password)
        self._redactor.add(new_password)
        self.request(
            "POST",
            PASSWORD_CHANGE,
            json={
                "old_password": old_password,
                "new_password1": new_password,
                "new_password2": new_password,
            },
            organization=None,
        )
