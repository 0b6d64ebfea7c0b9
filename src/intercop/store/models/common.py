"""What the model modules share: the append-only error and the IN-list check."""

from __future__ import annotations


class AppendOnlyError(RuntimeError):
    """A row of an append-only table was about to be changed (a programming error)."""


def check_in(column: str, values: tuple[str, ...]) -> str:
    """An SQL condition: ``column`` is one of ``values`` (for CHECK constraints)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
