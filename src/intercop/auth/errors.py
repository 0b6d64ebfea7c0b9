"""The errors of the ``auth`` package: each says what the user can do about it."""

from __future__ import annotations

from intercop.errors import IntercopError


class AuthError(IntercopError):
    """Authentication or account management was refused."""


class PasswordError(AuthError):
    """A password is unacceptable or its file cannot be read."""


class TokenError(AuthError):
    """An API token is unknown, revoked, expired, or cannot be issued."""


class LoginError(AuthError):
    """A password login failed (the message never says whether the user exists)."""

    hint = "Check the user name and password"


class ThrottledError(AuthError):
    """Too many failed logins recently: wait ``wait_seconds`` before trying again."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__("too many failed logins", hint=f"Try again in {wait_seconds} seconds")
