"""Compressed and archived sources: gzip, bzip2, xz and zip, opened as guarded members.

Invariants: formats are recognised by their magic bytes (suffixes only name
things); every decompressing stream counts what it yields and raises
``ArchiveBombError`` past ``max(FLOOR, max_ratio * compressed size)`` or
``max_bytes``, so a bomb is refused after reading at most that much and nothing
is ever written out unguarded; zip member paths are never used as file paths,
and absolute or ``..`` paths are refused outright as a sign of a hostile archive.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import logging
import lzma
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

from intercop.errors import ArchiveBombError, InputError
from intercop.evidence.source import Opened, SourceFile

log = logging.getLogger(__name__)

#: small archives of repetitive text (a 1 MB gzip of a 100 MB dump) are fine up to this
FLOOR = 64 * 1024 * 1024
#: leading bytes of a SQLite database, which the SQLite reader needs as a real file
SQLITE_MAGIC = b"SQLite format 3\x00"

_GZIP = b"\x1f\x8b"
_BZ2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
Closer = Callable[[], None]
_COMPRESSION_SUFFIXES = (".gz", ".gzip", ".tgz", ".bz2", ".xz", ".zip")
_DECOMPRESSORS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gzip": lambda fh: cast(IO[bytes], gzip.GzipFile(fileobj=fh, mode="rb")),
    "bzip2": lambda fh: cast(IO[bytes], bz2.BZ2File(fh, mode="rb")),
    "xz": lambda fh: cast(IO[bytes], lzma.LZMAFile(fh, mode="rb")),  # noqa: SIM115
}


def compression_of(head: bytes) -> str | None:
    """The stream compression a file starting with ``head`` uses, if any."""
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_BZ2) and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(_XZ):
        return "xz"
    return None


def inner_name(member_name: str) -> str:
    """The file name inside ``member_name`` (``dump.zip!dir/users.csv`` -> ``users.csv``)."""
    return PurePosixPath(member_name.rsplit("!", 1)[-1].replace("\\", "/")).name


class _Guard(io.RawIOBase):
    """Counts decompressed bytes and refuses to yield more than ``limit``."""

    def __init__(
        self, inner: IO[bytes], closers: list[Closer], limit: int, label: str, why: str
    ) -> None:
        super().__init__()
        self._inner = inner
        self._closers = closers
        self._limit = limit
        self._label = label
        self._why = why
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        # never ask for more than one byte past the limit, so a bomb is caught early
        want = min(len(buffer), self._limit - self.count + 1)
        try:
            data = self._inner.read(want)
        except (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
            raise InputError(
                f"compressed data damaged or cut off after {self.count:,} bytes: {exc}",
                path=self._label,
                hint="Check the copy against its hash; the seizure may be incomplete",
            ) from exc
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.count > self._limit:
            raise ArchiveBombError(
                f"expands past {self._limit:,} bytes ({self._why}); refused as an archive bomb",
                path=self._label,
            )
        return n

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            for close in self._closers:
                close()
        super().close()


def _limit(compressed: int, max_ratio: float, max_bytes: int) -> tuple[int, str]:
    by_ratio = max(FLOOR, int(max_ratio * max(compressed, 1)))
    if by_ratio <= max_bytes:
        return by_ratio, f"more than {max_ratio:g}x its compressed size of {compressed:,} bytes"
    return max_bytes, "the INTERCOP_MAX_EXPANDED_BYTES limit"


def _guarded(
    inner: IO[bytes], closers: list[Closer], compressed: int, label: str, ratio: float, cap: int
) -> BinaryIO:
    limit, why = _limit(compressed, ratio, cap)
    guard = _Guard(inner, closers, limit, label, why)
    return cast(BinaryIO, io.BufferedReader(guard, buffer_size=1 << 20))


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return stem + ".tar" if suffix == ".tgz" else stem
    return name


def _gzip_fname(head: bytes) -> str | None:
    """The original file name stored in a gzip header (FNAME), when present."""
    flags = head[3] if len(head) > 3 else 0
    pos = 10
    if flags & 0x04:  # FEXTRA precedes FNAME
        if len(head) < 12:
            return None
        pos += 2 + int.from_bytes(head[10:12], "little")
    if not flags & 0x08:
        return None
    end = head.find(b"\x00", pos)
    if end < 0:
        return None
    name = PurePosixPath(head[pos:end].decode("latin-1").replace("\\", "/")).name
    return name or None


def _safe_member_path(name: str, archive: str) -> str:
    path = name.replace("\\", "/")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in parts:
        raise InputError(
            f"member {name!r} has an absolute or '..' path; refused as a path-traversal archive",
            path=archive,
            hint="Inspect the archive by hand; a legitimate export never needs such paths",
        )
    return path


def _with_sqlite_path(member: Opened, scratch: Path) -> Opened:
    """Materialise a compressed SQLite database, which can only be read from a file."""
    with member.open() as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        return member
    path = materialise(member, scratch)
    return Opened(name=member.name, source=member.source, open=member.open, path=path)


def materialise(member: Opened, scratch: Path) -> Path:
    """A real file holding ``member``'s bytes: its own path, or a guarded copy in ``scratch``."""
    if member.path is not None:
        return member.path
    scratch.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256(f"{member.source.sha256}!{member.name}".encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", inner_name(member.name))[:80]
    target = scratch / f"{tag}-{safe}"
    partial = target.with_name(target.name + ".partial")
    try:
        with member.open() as src, partial.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def _open_stream(
    source: SourceFile, name: str, max_ratio: float, max_bytes: int
) -> tuple[Opened, bytes]:
    """The source itself, or its single decompressed stream; also its first bytes."""
    with source.path.open("rb") as fh:
        head = fh.read(512)
    kind = compression_of(head)
    if kind is None:

        def plain() -> BinaryIO:
            return source.path.open("rb")

        return Opened(name=name, source=source, open=plain, path=source.path), head

    decompress = _DECOMPRESSORS[kind]
    inner = _strip_suffix(source.name)
    if inner == source.name and kind == "gzip":
        inner = _gzip_fname(head) or inner
    label = f"{name}!{inner}"

    def decompressed() -> BinaryIO:
        raw = source.path.open("rb")
        return _guarded(decompress(raw), [raw.close], source.size, label, max_ratio, max_bytes)

    try:
        with decompressed() as stream:
            inner_head = stream.read(512)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise InputError(
            f"{kind} stream cannot be decompressed: {exc}",
            path=name,
            hint="The file is damaged or truncated; check the copy against its hash",
        ) from exc
    return Opened(name=label, source=source, open=decompressed), inner_head


def _zip_members(
    source: SourceFile, max_ratio: float, max_bytes: int, scratch: Path
) -> list[Opened]:
    try:
        with zipfile.ZipFile(source.path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(
            f"not a readable zip archive: {exc}",
            path=source.name,
            hint="The archive is damaged or truncated; check the copy against its hash",
        ) from exc
    total = 0
    members: list[Opened] = []
    for info in infos:
        path = _safe_member_path(info.filename, source.name)
        label = f"{source.name}!{path}"
        if info.flag_bits & 0x1:
            raise InputError(
                f"member {path!r} is encrypted",
                path=source.name,
                hint="Decrypt the archive first (the password is part of the seizure record)",
            )
        limit, why = _limit(info.compress_size, max_ratio, max_bytes)
        total += info.file_size
        # the declared sizes refuse most bombs before a byte is inflated; the stream
        # guard catches archives whose headers lie
        if info.file_size > limit or total > max_bytes:
            raise ArchiveBombError(
                f"member {path!r} declares {info.file_size:,} bytes ({why}); "
                "refused as an archive bomb",
                path=source.name,
            )
        members.append(
            Opened(
                name=label,
                source=source,
                open=_zip_opener(source, info, label, max_ratio, max_bytes),
            )
        )
    log.debug("%s: %d zip members", source.name, len(members))
    return [_with_sqlite_path(m, scratch) for m in members]


def _zip_opener(
    source: SourceFile, info: zipfile.ZipInfo, label: str, max_ratio: float, max_bytes: int
) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        zf = zipfile.ZipFile(source.path)
        try:
            inner = zf.open(info)
        except (NotImplementedError, zipfile.BadZipFile, RuntimeError) as exc:
            zf.close()
            raise InputError(
                f"member {info.filename!r} cannot be opened: {exc}", path=source.name
            ) from exc
        return _guarded(inner, [zf.close], info.compress_size, label, max_ratio, max_bytes)

    return opener


def open_members(
    source: SourceFile, *, max_ratio: float, max_bytes: int, scratch: Path
) -> list[Opened]:
    """The readable members of ``source``: itself, its decompressed stream, or its zip entries.

    Args:
        source: the file as received.
        max_ratio: refuse members expanding more than this times their compressed size
            (never below ``FLOOR`` bytes).
        max_bytes: refuse members expanding past this many bytes.
        scratch: folder for members that must be real files (compressed SQLite).
    """
    with source.path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP):
        return _zip_members(source, max_ratio, max_bytes, scratch)
    member, inner_head = _open_stream(source, source.name, max_ratio, max_bytes)
    if member.path is None and inner_head.startswith(_ZIP):
        raise InputError(
            "a zip archive inside a compressed file is not supported",
            path=member.name,
            hint="Decompress the outer layer by hand, then ingest the zip",
        )
    if member.path is None and inner_head.startswith(SQLITE_MAGIC):
        member = _with_sqlite_path(member, scratch)
    return [member]
