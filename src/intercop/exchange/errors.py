"""Errors of the agency network and the referral bundles."""

from __future__ import annotations

from intercop.errors import IntercopError


class ExchangeError(IntercopError):
    """A referral bundle is refused, or an exchange step cannot be done; the message says why."""

    hint = "See docs/exchange.md"


class AgencyError(ExchangeError):
    """An agency is unknown to the case store, or its details are not usable."""

    hint = "List the known agencies with `intercop agency list`; add one with `intercop agency add`"


class KeyFileError(ExchangeError):
    """An agency's key file is missing, unreadable or readable by others."""

    hint = "Create the agency's keys with `intercop exchange keys --agency CC`"
