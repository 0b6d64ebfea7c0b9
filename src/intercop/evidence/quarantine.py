"""Quarantine: rows or statements that could not be read, kept aside and counted.

A quarantined item never stops the ingest; it is written (truncated) to
``quarantine.ndjson`` in the dataset, with where it came from and why, so an
analyst can look at it and nothing is silently lost.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

MAX_RAW = 2048


@dataclass(frozen=True)
class QuarantineItem:
    """One thing that could not be read."""

    source: str
    line: int | None
    table: str | None
    reason: str
    raw: str


class Quarantine:
    """Collects quarantined items into an NDJSON file and counts them by reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.by_reason: Counter[str] = Counter()
        self._fh: IO[str] | None = None

    def add(
        self,
        *,
        source: str,
        reason: str,
        raw: bytes | str = b"",
        line: int | None = None,
        table: str | None = None,
        rows: int = 1,
    ) -> None:
        """Quarantine ``rows`` rows (or one statement) read from ``source`` at ``line``."""
        text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
        if len(text) > MAX_RAW:
            text = text[:MAX_RAW] + f"... [{len(text) - MAX_RAW} more characters]"
        item = QuarantineItem(source=source, line=line, table=table, reason=reason, raw=text)
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self._fh.write(json.dumps(item.__dict__, ensure_ascii=False) + "\n")
        self.count += rows
        self.by_reason[reason] += rows
        if self.by_reason[reason] == rows:
            where = f"{source}:{line}" if line is not None else source
            log.warning("quarantined %s: %s (more like it are counted, not logged)", where, reason)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
