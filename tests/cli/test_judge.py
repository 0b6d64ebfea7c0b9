"""``intercop judge``, run through Typer on a small app that mounts it like the real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from intercop.cli.context import STATE
from intercop.cli.judge import judge
from intercop.errors import IntercopError
from intercop.evidence.ingest import IngestRequest, ingest
from intercop.identity.judgements import effective_judgements, list_judgements
from intercop.settings import Settings
from intercop.store import open_store
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

app = typer.Typer()
app.command("judge")(judge)


@app.callback()
def root() -> None:
    """Stands in for ``intercop`` so that ``judge`` is a sub-command."""


@pytest.fixture(params=BACKENDS)
def home(
    request: pytest.FixtureRequest,
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Workspace, str]]:
    """A workspace with one tiny dataset, and the case store the CLI will open."""
    users = tmp_path / "users.csv"
    users.write_text("id,username,email\n1,alice,alice@example.org\n2,al1ce,al@example.org\n")
    dataset = ingest(
        workspace, IngestRequest(paths=(users,), platform="tiny", kind="forum"), Settings()
    ).manifest.dataset_id
    monkeypatch.setattr(STATE, "workspace_path", None)
    monkeypatch.setenv("INTERCOP_HOME", str(workspace.root))
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        yield workspace, dataset


def test_judge_records_and_prints_json(home: tuple[Workspace, str]) -> None:
    workspace, ds = home
    done = CliRunner().invoke(
        app,
        [
            "judge",
            f"{ds}:2",
            f"{ds}:1",
            "different",
            "--reason",
            "different birth dates",
            "--user",
            "analyst1",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert shown["left"] == f"{ds}:1" and shown["right"] == f"{ds}:2"
    assert (shown["decision"], shown["user"]) == ("different", "analyst1")
    with open_store(workspace) as store:
        [stored] = list_judgements(store)
        assert stored.id == shown["id"] and stored.reason == "different birth dates"
        assert effective_judgements(store) == {(f"{ds}:1", f"{ds}:2"): "different"}


def test_the_user_comes_from_the_environment(
    home: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, ds = home
    monkeypatch.setenv("INTERCOP_USER", "analyst2")
    done = CliRunner().invoke(
        app, ["judge", f"{ds}:1", f"{ds}:2", "same", "--reason", "same PayPal"]
    )
    assert done.exit_code == 0, done.output
    assert "analyst2" in done.stdout and "same" in done.stdout
    with open_store(workspace) as store:
        assert [j.user_name for j in list_judgements(store)] == ["analyst2"]


def test_no_user_is_refused_in_one_line(home: tuple[Workspace, str]) -> None:
    workspace, ds = home
    done = CliRunner().invoke(app, ["judge", f"{ds}:1", f"{ds}:2", "same", "--reason", "x"])
    assert isinstance(done.exception, IntercopError)  # the real entry point prints it, exit 1
    message = str(done.exception)
    assert "\n" not in message and "--user" in message and "INTERCOP_USER" in message
    with open_store(workspace) as store:
        assert list_judgements(store) == []


def test_an_unknown_account_is_refused(home: tuple[Workspace, str]) -> None:
    _, ds = home
    done = CliRunner().invoke(
        app, ["judge", f"{ds}:1", f"{ds}:99", "same", "--reason", "x", "--user", "a"]
    )
    assert isinstance(done.exception, IntercopError)
    assert "has no account with key '99'" in str(done.exception)


@pytest.mark.parametrize(
    "args",
    [
        ["judge", "a:1", "b:1", "maybe", "--reason", "x", "--user", "u"],
        ["judge", "a:1", "b:1", "same", "--user", "u"],
    ],
)
def test_usage_errors_exit_2(home: tuple[Workspace, str], args: list[str]) -> None:
    assert CliRunner().invoke(app, args).exit_code == 2
