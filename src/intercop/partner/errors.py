"""The errors of the ``partner`` package."""

from __future__ import annotations

from intercop.errors import IntercopError


class PartnerError(IntercopError):
    """A partner request is invalid (the message names the field and what is expected)."""


class NotFoundError(PartnerError):
    """No such object for this caller (another agency's or partner's object looks the same)."""


class ConflictError(PartnerError):
    """An idempotency key was reused with a different request."""

    hint = "Use a new Idempotency-Key for a different signal"
