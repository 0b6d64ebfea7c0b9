"""Profiles of the ``ingested`` scenario, with the persons taken from its ground truth."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from intercop.evidence.ingest import IngestResult
from intercop.evidence.vault import Vault
from intercop.identity.record import uid
from intercop.profiles import build_profiles
from intercop.synth import Scenario
from intercop.workspace import Workspace

#: the synthetic population is aged against 2024-06-01; profiles use a fixed "today"
TODAY = date(2026, 6, 1)


def truth_persons(workspace: Workspace, truth: Path) -> pa.Table:
    """The persons table a perfect resolver would write, from ``truth/accounts.csv``."""
    dataset_of = {s.name: m.dataset_id for m in Vault(workspace).manifests() for s in m.sources}
    rows: dict[str, list[str]] = {"person_id": [], "uid": [], "dataset_id": [], "account_key": []}
    with truth.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            dataset = dataset_of[Path(r["file"]).name]
            rows["person_id"].append(r["person_id"])
            rows["uid"].append(uid(dataset, r["account_key"]))
            rows["dataset_id"].append(dataset)
            rows["account_key"].append(r["account_key"])
    return pa.table(rows)


def truth_of_persons(truth: Path) -> dict[str, dict[str, str]]:
    """``truth/persons.csv`` by person id."""
    with truth.open(encoding="utf-8", newline="") as handle:
        return {r["person_id"]: r for r in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def persons(ingested: tuple[Workspace, dict[str, IngestResult]], takedowns: Scenario) -> pa.Table:
    return truth_persons(ingested[0], takedowns.out / "truth" / "accounts.csv")


@pytest.fixture(scope="session")
def profiles(ingested: tuple[Workspace, dict[str, IngestResult]], persons: pa.Table) -> pa.Table:
    return build_profiles(ingested[0], persons, today=TODAY)


@pytest.fixture(scope="session")
def truth(takedowns: Scenario) -> dict[str, dict[str, str]]:
    return truth_of_persons(takedowns.out / "truth" / "persons.csv")
