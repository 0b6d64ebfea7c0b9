"""A resolved workspace (persons from the scenario's ground truth, profiles built) to evaluate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from intercop.evidence.ingest import IngestResult
from intercop.profiles import build_profiles
from intercop.synth import Scenario
from intercop.workspace import Workspace, init_workspace
from tests.profiles.conftest import TODAY, truth_persons


@pytest.fixture(scope="session")
def resolved(
    tmp_path_factory: pytest.TempPathFactory,
    ingested: tuple[Workspace, dict[str, IngestResult]],
    takedowns: Scenario,
) -> Workspace:
    """A workspace sharing ``ingested``'s vault, with persons and profiles in ``derived``."""
    return build_resolved(tmp_path_factory.mktemp("resolved"), ingested, takedowns)


def build_resolved(
    folder: Path, ingested: tuple[Workspace, dict[str, IngestResult]], takedowns: Scenario
) -> Workspace:
    """A workspace in ``folder`` sharing ``ingested``'s vault, with persons and profiles."""
    source = ingested[0]
    workspace = init_workspace(folder / "ws")
    shutil.rmtree(workspace.vault)  # only the empty staging folder
    workspace.vault.symlink_to(source.vault, target_is_directory=True)
    persons = truth_persons(source, takedowns.out / "truth" / "accounts.csv")
    pq.write_table(persons, workspace.derived / "persons.parquet")
    profiles = build_profiles(workspace, persons, today=TODAY)
    pq.write_table(profiles, workspace.derived / "profiles.parquet")
    return workspace


def truth_path(takedowns: Scenario) -> Path:
    """The scenario's persons ground truth."""
    return takedowns.out / "truth" / "persons.csv"
