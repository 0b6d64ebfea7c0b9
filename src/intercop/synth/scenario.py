"""What a generator wrote: the files, their platforms and row counts (``scenario.json``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ScenarioFile:
    """One generated file (path relative to the scenario folder)."""

    path: str
    format: str
    platform: str
    kind: str
    seized_on: date | None
    tables: dict[str, int]
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Scenario:
    """A generated scenario: its parameters, files and ground-truth files."""

    out: Path
    seed: int
    scale: float
    warning_effect: float
    files: tuple[ScenarioFile, ...]
    persons: int
    accounts: int
    truth: tuple[str, ...] = field(default=("truth/accounts.csv", "truth/persons.csv"))

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready description (what ``scenario.json`` holds)."""
        data = asdict(self)
        data["out"] = str(self.out)
        data["files"] = [
            {**asdict(f), "seized_on": f.seized_on.isoformat() if f.seized_on else None}
            for f in self.files
        ]
        data["truth"] = list(self.truth)
        return data

    def write(self) -> Path:
        """Write ``scenario.json`` into the scenario folder."""
        path = self.out / "scenario.json"
        payload = self.as_json()
        payload.pop("out")  # keep the file identical wherever the scenario was written
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return path


def file_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def describe(
    root: Path,
    path: Path,
    *,
    fmt: str,
    platform: str,
    kind: str,
    seized_on: date | None,
    tables: dict[str, int],
) -> ScenarioFile:
    """Describe a written file (size and hash read back from disk)."""
    size, sha = file_digest(path)
    return ScenarioFile(
        str(path.relative_to(root)), fmt, platform, kind, seized_on, dict(tables), size, sha
    )
