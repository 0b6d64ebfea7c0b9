"""``generate_bad_inputs``: the broken files the ingest must refuse or quarantine cleanly."""

from __future__ import annotations

import json
import random
import struct
import zlib
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from intercop.synth.booter_panel import ATTACK_LOGS, USERS, attack_row, bcrypt_like
from intercop.synth.mysqldump import MysqldumpWriter

#: the decompression bomb expands to this many bytes of zeros
BOMB_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BadInput:
    """One bad file and what is wrong with it."""

    path: str
    problem: str
    detail: str


def _small_panel(path: Path, *, users: int, attacks: int) -> None:
    """A tiny but valid booter-panel dump, the raw material of the broken ones."""
    rng = random.Random("bad-inputs")
    with MysqldumpWriter(path, database="badpanel", dumped_at=datetime(2025, 1, 2, 3, 4, 5)) as w:
        u, a = w.table(USERS), w.table(ATTACK_LOGS)
        for i in range(1, users + 1):
            u.add((i, f"user{i}", bcrypt_like(rng), "Gold", None, None, None,
                   datetime(2024, 1, 1, 12, 0, i % 60), 0))  # fmt: skip
        for i in range(1, attacks + 1):
            a.add_literal(attack_row(rng, i, rng.randrange(1, users + 1), 1_700_000_000, 86_400))
        w.close()


def _truncated(path: Path) -> str:
    _small_panel(path, users=50, attacks=30_000)
    data = path.read_bytes()
    last_insert = data.rindex(b"INSERT INTO `attack_logs`")
    cut = last_insert + (len(data) - last_insert) // 2
    path.write_bytes(data[:cut])
    return f"cut at byte {cut} of {len(data)}, inside the last INSERT of attack_logs"


def _latin1(path: Path) -> str:
    _small_panel(path, users=5, attacks=5)
    text = path.read_bytes()
    row = "(6,'José Müller','x','Gold',NULL,NULL,NULL,'2024-01-02 00:00:00',0)".encode("latin-1")
    marker = b"INSERT INTO `users` VALUES "
    at = text.index(marker) + len(marker)
    path.write_bytes(text[:at] + row + b"," + text[at:])
    return "users row 6 holds 'José Müller' as latin1 bytes (0xE9, 0xFC) in a utf8mb4 dump"


def _unparsable(path: Path) -> str:
    _small_panel(path, users=5, attacks=20)
    text = path.read_text("utf-8")
    broken = "INSERT INTO `users` VALUES (7,'broken',,'Gold' 'x');\n"
    at = text.index("/*!40000 ALTER TABLE `users` ENABLE KEYS */;")
    path.write_text(text[:at] + broken + text[at:], "utf-8", newline="")
    return "one INSERT into users has an empty value and two adjacent strings"


def _undeclared(path: Path) -> str:
    _small_panel(path, users=5, attacks=5)
    text = path.read_text("utf-8")
    stray = (
        "LOCK TABLES `chat_messages` WRITE;\n"
        "INSERT INTO `chat_messages` VALUES (1,3,'hello'),(2,4,'hi');\n"
        "UNLOCK TABLES;\n"
    )
    at = text.index("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;")
    path.write_text(text[:at] + stray + text[at:], "utf-8", newline="")
    return "rows are inserted into chat_messages, a table no CREATE TABLE declares"


def _ragged_csv(path: Path) -> str:
    lines = ["customer_id,username,email,country"]
    lines += [f"{i},buyer{i},buyer{i}@example.com,NL" for i in range(1, 9)]
    lines.insert(4, "4,buyer4,buyer4@example.com")  # a short row
    lines.insert(7, "7,buyer7,buyer7@example.com,NL,extra,fields")  # a long row
    path.write_text("\n".join(lines) + "\n", "utf-8", newline="")
    return "line 5 has 3 fields and line 8 has 6, the header has 4"


def _jpeg(path: Path) -> str:
    rng = random.Random("jpeg")
    header = (
        b"\xff\xd8\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    path.write_bytes(header + rng.randbytes(4096) + b"\xff\xd9")
    return "a JPEG image (JFIF header) named like a dump"


def _bomb(path: Path) -> str:
    """Gzip of a valid dump whose rows repeat: one compressed block written again and again.

    It starts like any mysqldump, so only the expansion guard (not sniffing) stops it.
    """
    header = (
        b"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n"
        b"/*!40101 SET NAMES utf8mb4 */;\n"
        b"CREATE TABLE `flood` (\n  `id` int(11) NOT NULL,\n  `v` varchar(64)\n);\n"
    )
    row = b"(1,'0000000000000000000000000000000000000000'),"
    block = b"INSERT INTO `flood` VALUES " + row * ((1 << 20) // len(row)) + b"(2,'');\n"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    # a full flush resets the compressor, so the same input gives the same bytes again
    head = packer.compress(header) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_BYTES // len(block)
    total = len(header) + count * len(block)
    crc = zlib.crc32(header)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # no name, no mtime
        out.write(head)
        for _ in range(count):
            out.write(again)
        out.write(packer.flush(zlib.Z_FINISH))
        out.write(struct.pack("<II", crc, total & 0xFFFFFFFF))
    return f"gzip of a dump that expands to {total} bytes of repeated rows"


def generate_bad_inputs(out: Path) -> tuple[BadInput, ...]:
    """Write the bad inputs into ``out`` (and ``bad_inputs.json`` describing them)."""
    out.mkdir(parents=True, exist_ok=True)
    makers = (
        ("truncated.sql", "truncated", _truncated),
        ("latin1_in_utf8mb4.sql", "mojibake", _latin1),
        ("unparsable_statement.sql", "syntax", _unparsable),
        ("undeclared_table.sql", "undeclared-table", _undeclared),
        ("ragged.csv", "ragged-rows", _ragged_csv),
        ("not_a_dump.sql", "not-a-dump", _jpeg),
        ("bomb.sql.gz", "archive-bomb", _bomb),
    )
    found = [BadInput(name, problem, make(out / name)) for name, problem, make in makers]
    (out / "empty.sql").write_bytes(b"")
    found.append(BadInput("empty.sql", "empty", "a file of zero bytes"))
    payload = [asdict(b) for b in found]
    (out / "bad_inputs.json").write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    return tuple(found)
