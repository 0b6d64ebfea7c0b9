"""Errors of the PPRL exchange."""

from __future__ import annotations

from intercop.errors import IntercopError


class PprlError(IntercopError):
    """A PPRL secret, encoding file or match request is not usable."""

    hint = "See docs/pprl.md"


class SecretError(PprlError):
    """The exchange secret is missing or too weak."""

    hint = (
        "Agree a fresh random secret of at least 32 bytes with the partner for this exchange, "
        "e.g. `head -c 32 /dev/urandom > exchange.secret`"
    )


class EncodingMismatchError(PprlError):
    """Two encoding files cannot be compared (different secret or schema)."""

    hint = "Both sides must encode with the same secret file and the same --fields"


class EncodingFileError(PprlError):
    """An encoding or result file is not in the documented format."""

    hint = "Pass a file written by `intercop exchange pprl encode` (or `match`)"
