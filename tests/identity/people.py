"""A resolved workspace whose datasets belong to two agencies, for the web read models.

The ``ingested`` vault is copied (its files are small) and the first dataset handed to
GB, the rest staying with NL; then it is resolved once per session. Tests that write
to the case store work on a copy (``people_copy``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from intercop.evidence.ingest import IngestResult
from intercop.evidence.vault import Vault
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.workspace import Workspace, init_workspace, open_workspace


@dataclass(frozen=True)
class People:
    """A resolved workspace: which dataset is GB's and which are NL's."""

    workspace: Workspace
    gb_dataset: str
    nl_datasets: frozenset[str]


@pytest.fixture(scope="session")
def people(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> People:
    workspace = init_workspace(tmp_path_factory.mktemp("people") / "ws")
    shutil.rmtree(workspace.vault)
    shutil.copytree(ingested[0].vault, workspace.vault, ignore=shutil.ignore_patterns(".staging"))
    ids = sorted(m.dataset_id for m in Vault(workspace).manifests())
    gb = ids[0]
    folder = workspace.vault / gb
    folder.chmod(0o755)
    manifest = folder / "manifest.json"
    manifest.chmod(0o644)
    doc = json.loads(manifest.read_text())
    doc["agency"] = "GB"
    manifest.write_text(json.dumps(doc, indent=2) + "\n")
    resolve(workspace, None, ResolveOptions())
    return People(workspace, gb, frozenset(ids[1:]))


@pytest.fixture
def people_copy(people: People, tmp_path: Path) -> People:
    """A private copy of ``people`` (the case store of each test starts empty)."""
    shutil.copytree(people.workspace.root, tmp_path / "ws", symlinks=True)
    (tmp_path / "ws" / "cases.db").unlink(missing_ok=True)
    return People(open_workspace(tmp_path / "ws"), people.gb_dataset, people.nl_datasets)
