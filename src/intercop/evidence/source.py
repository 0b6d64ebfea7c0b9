"""Seized source files: identity (size, sha256) and opened, decompressed members."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """A file as received: what the manifest records about it."""

    name: str
    path: Path
    size: int
    sha256: str


def fingerprint(path: Path) -> SourceFile:
    """Hash a file, streaming, so the manifest can prove what was ingested."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return SourceFile(name=path.name, path=path, size=size, sha256=digest.hexdigest())


@dataclass(frozen=True)
class Opened:
    """One readable member of a source: the file itself or a member of an archive.

    ``name`` is what errors and provenance call it (``dump.zip!users.sql``);
    ``open`` returns a fresh binary stream of the decompressed bytes each call;
    ``path`` is a real file holding those bytes when one exists (SQLite needs it).
    """

    name: str
    source: SourceFile
    open: Callable[[], BinaryIO]
    path: Path | None = None
