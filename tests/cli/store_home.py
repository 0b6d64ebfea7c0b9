"""A workspace whose case store is SQLite or PostgreSQL, and a runner of the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intercop.cli.app import app
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

runner = CliRunner()


@pytest.fixture(params=BACKENDS)
def home(
    request: pytest.FixtureRequest, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The workspace folder, its case store on each backend, no acting user set."""
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        monkeypatch.delenv("INTERCOP_USER", raising=False)
        yield workspace.root


def run(home: Path, *args: str) -> tuple[int, str]:
    """``intercop --workspace HOME ARGS``: the exit code and stdout (or the error)."""
    result = runner.invoke(app, ["--workspace", str(home), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        return 1, str(result.exception)
    return result.exit_code, result.stdout
