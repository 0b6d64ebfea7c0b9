"""Registry of format readers: built-ins register exactly as a plug-in would."""

from __future__ import annotations

from intercop.errors import UnsupportedFormatError
from intercop.evidence.readers.base import Reader
from intercop.evidence.source import Opened

_REGISTRY: dict[str, type[Reader]] = {}
_BUILTINS_LOADED = False

#: bytes looked at to sniff a format
SNIFF_BYTES = 64 * 1024


def register(reader: type[Reader]) -> type[Reader]:
    """Register a reader class under its ``NAME`` (usable as a decorator)."""
    _REGISTRY[reader.NAME] = reader
    return reader


def names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> type[Reader]:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnsupportedFormatError(f"no reader named {name!r}", path=name) from None


def detect(member: Opened) -> type[Reader]:
    """The reader most confident about ``member``, or a clear error."""
    _load_builtins()
    with member.open() as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise UnsupportedFormatError(
            "the file is empty", path=member.name, hint="Check that the copy is complete"
        )
    scored = sorted(
        ((cls.sniff(head, member.name), cls.NAME, cls) for cls in _REGISTRY.values()),
        reverse=True,
    )
    best_score, _, best = scored[0]
    if best_score < 0.3:
        raise UnsupportedFormatError("not a database dump, table or JSON file", path=member.name)
    return best


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    # imported for their @register side effect
    from intercop.evidence.readers import (  # noqa: F401
        csvfile,
        jsonfile,
        mysql,
        postgres,
        sqlite,
    )
