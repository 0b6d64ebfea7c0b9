"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


def measure(cmd: list[str], *, stdin: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of one command (its own rusage, from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errs:
        stdin_fh = stdin.open("rb") if stdin else None
        try:
            started = time.perf_counter()
            proc = subprocess.Popen(
                cmd,
                stdin=stdin_fh or subprocess.DEVNULL,
                stdout=out,
                stderr=errs,
                env={**os.environ, **(env or {})},
            )
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdin_fh is not None:
                stdin_fh.close()
        out.seek(0)
        errs.seek(0)
        if proc.returncode != 0:
            tail = errs.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {tail}")
        # ru_maxrss is in KiB on Linux
        return Run(elapsed, usage.ru_maxrss / 1024, out.read().decode(errors="replace"))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
