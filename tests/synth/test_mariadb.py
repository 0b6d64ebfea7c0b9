"""The MySQL dumps load unchanged into MariaDB with the ``mysql`` client."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from intercop.synth import Scenario

pytestmark = pytest.mark.service


def _mysql(params: dict[str, object], *args: str, stdin: Path | None = None) -> str:
    cmd = [str(params["client"]), f"-h{params['host']}", f"-P{params['port']}",
           f"-u{params['user']}", *args]  # fmt: skip
    data = stdin.read_bytes() if stdin is not None else b""
    done = subprocess.run(cmd, input=data, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode()


def test_every_mysql_dump_loads(mariadb: dict[str, object], scenario: Scenario) -> None:
    db = f"intercop_synth_test_{os.getpid()}"  # concurrent runs must not share databases
    try:
        for f in scenario.files:
            if not f.path.endswith(".sql"):
                continue
            _mysql(mariadb, "-e", f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}")
            _mysql(mariadb, db, stdin=scenario.out / f.path)
            for table, rows in f.tables.items():
                counted = _mysql(mariadb, "-N", db, "-e", f"SELECT COUNT(*) FROM `{table}`")
                assert int(counted) == rows, (f.path, table)
    finally:
        _mysql(mariadb, "-e", f"DROP DATABASE IF EXISTS {db}")
