"""The encoding file: schema, secret fingerprint and per record an opaque ref and a CLK.

Format (JSON, docs/pprl.md)::

    {"format": "intercop-pprl-clk", "version": 1, "schema": {...},
     "secret_fingerprint": "<hex>", "created_at": "<ISO 8601>", "count": N,
     "records": [{"ref": "<hex>", "clk": "<base64>"}, ...]}

Nothing else about a person is written: no ids, no counts per field, no names.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from intercop.exchange.pprl.clk import ClkEncoder, Values
from intercop.exchange.pprl.errors import EncodingFileError
from intercop.exchange.pprl.schema import Schema
from intercop.exchange.pprl.secret import ExchangeSecret

log = logging.getLogger(__name__)

FORMAT = "intercop-pprl-clk"
VERSION = 1


@dataclass(frozen=True)
class Encoding:
    """Encoded records of one side: ``clks`` holds one packed row per ref."""

    schema: Schema
    secret_fingerprint: str
    created_at: str
    refs: tuple[str, ...]
    clks: np.ndarray

    @property
    def count(self) -> int:
        return len(self.refs)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "schema": self.schema.as_json(),
            "secret_fingerprint": self.secret_fingerprint,
            "created_at": self.created_at,
            "count": self.count,
            "records": [
                {"ref": ref, "clk": base64.b64encode(row.tobytes()).decode("ascii")}
                for ref, row in zip(self.refs, self.clks, strict=True)
            ],
        }


def encode_records(
    records: Iterable[tuple[str, Values]], schema: Schema, secret: ExchangeSecret
) -> Encoding:
    """Encode ``(ref, values)`` pairs; records without any value of the schema are left out."""
    wanted = [f.name for f in schema.fields]
    kept = [(ref, v) for ref, v in records if any(s.strip() for f in wanted for s in v.get(f, ()))]
    encoder = ClkEncoder(schema, secret)
    clks = encoder.encode(values for _, values in kept)
    return Encoding(
        schema=schema,
        secret_fingerprint=secret.fingerprint,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        refs=tuple(ref for ref, _ in kept),
        clks=clks,
    )


def write_encoding(encoding: Encoding, path: Path) -> None:
    """Write atomically (temporary file, then rename)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(encoding.as_json()) + "\n")
    partial.replace(path)
    log.info("wrote %d CLKs to %s", encoding.count, path)


def read_encoding(path: Path) -> Encoding:
    """Read and check an encoding file."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise EncodingFileError(f"{path} does not exist") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncodingFileError(f"{path} is not JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EncodingFileError(f"{path} is not a PPRL encoding file")
    if data.get("version") != VERSION:
        raise EncodingFileError(
            f"{path} has version {data.get('version')}, this intercop reads {VERSION}",
            hint="Encode again with the same intercop version on both sides",
        )
    schema = Schema.from_json(data.get("schema", {}))
    width = schema.output_bits // 8
    try:
        records = data["records"]
        refs = tuple(str(r["ref"]) for r in records)
        raw = b"".join(base64.b64decode(r["clk"], validate=True) for r in records)
        fingerprint = str(data["secret_fingerprint"])
        created = str(data.get("created_at", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise EncodingFileError(f"{path}: malformed record ({exc})") from exc
    if len(raw) != width * len(refs):
        raise EncodingFileError(f"{path}: CLKs are not all {schema.output_bits} bits long")
    clks = np.frombuffer(raw, dtype=np.uint8).reshape(len(refs), width)
    return Encoding(schema, fingerprint, created, refs, clks)
