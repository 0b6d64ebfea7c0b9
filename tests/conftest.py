"""Shared fixtures: workspaces, and real services that skip visibly or fail under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from intercop.evidence.ingest import IngestRequest, IngestResult, ingest
from intercop.settings import Settings
from intercop.synth import Scenario, generate_takedowns
from intercop.workspace import Workspace, init_workspace

REQUIRE = os.environ.get("INTERCOP_REQUIRE_SERVICES", "") not in ("", "0", "false")


def service_missing(reason: str) -> None:
    """Skip with a visible reason, or fail when CI requires the services."""
    if REQUIRE:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def mariadb() -> Iterator[dict[str, object]]:
    """Connection settings of the local MariaDB server, checked with the mysql client."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        service_missing("the mysql/mariadb client is not installed")
    params: dict[str, object] = {
        "host": os.environ.get("INTERCOP_MARIADB_HOST", "127.0.0.1"),
        "port": int(os.environ.get("INTERCOP_MARIADB_PORT", "3306")),
        "user": os.environ.get("INTERCOP_MARIADB_USER", "root"),
        "client": client,
    }
    probe = subprocess.run(
        [
            str(client),
            f"-h{params['host']}",
            f"-P{params['port']}",
            f"-u{params['user']}",
            "-e",
            "SELECT 1",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    if probe.returncode != 0:
        service_missing(
            f"MariaDB at {params['host']}:{params['port']} not reachable: "
            f"{probe.stderr.strip()[:200]}"
        )
    yield params


@pytest.fixture(scope="session")
def postgres() -> Iterator[list[str]]:
    """psql/pg_dump connection arguments of the local PostgreSQL server, checked with psql."""
    psql = shutil.which("psql")
    if psql is None or shutil.which("pg_dump") is None:
        service_missing("the psql/pg_dump clients are not installed")
    conn = [
        "-h", os.environ.get("INTERCOP_POSTGRES_HOST", "127.0.0.1"),
        "-p", os.environ.get("INTERCOP_POSTGRES_PORT", "5432"),
        "-U", os.environ.get("INTERCOP_POSTGRES_USER", "postgres"),
        "-d", os.environ.get("INTERCOP_POSTGRES_DB", "test"),
    ]  # fmt: skip
    probe = subprocess.run([str(psql), *conn, "-Atc", "SELECT 1"], capture_output=True,
                           text=True, timeout=20, check=False)  # fmt: skip
    if probe.returncode != 0:
        service_missing(
            f"PostgreSQL at {conn[1]}:{conn[3]} not reachable: {probe.stderr.strip()[:200]}"
        )
    yield conn


@pytest.fixture(scope="session")
def takedowns(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """A small synthetic takedown scenario shared by the ingest tests."""
    return generate_takedowns(tmp_path_factory.mktemp("takedowns"), seed=3, scale=0.3)


@pytest.fixture(scope="session")
def ingested(
    tmp_path_factory: pytest.TempPathFactory, takedowns: Scenario
) -> tuple[Workspace, dict[str, IngestResult]]:
    """Every file of ``takedowns`` ingested into one workspace, by file path."""
    ws = init_workspace(tmp_path_factory.mktemp("ingested") / "ws")
    settings = Settings()
    results = {}
    for f in takedowns.files:
        request = IngestRequest(
            paths=(takedowns.out / f.path,),
            platform=f.platform,
            kind=f.kind,
            seized_on=f.seized_on,
        )
        results[f.path] = ingest(ws, request, settings)
    return ws, results
