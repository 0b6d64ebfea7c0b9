"""The pilot round end to end: triage, pilot, warning, a later takedown, evaluation."""

from __future__ import annotations

import json
import shutil

import pytest

from intercop.demo import DemoError, run_demo
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.settings import Settings
from intercop.simulation import RoundOptions, run_pilot_round
from intercop.store import open_store
from intercop.workspace import Workspace, init_workspace


@pytest.fixture(scope="module")
def resolved(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    """A resolved copy of the ingested scenario with its own (writable) vault."""
    workspace = init_workspace(tmp_path_factory.mktemp("simulation") / "ws")
    shutil.rmtree(workspace.vault)
    shutil.copytree(ingested[0].vault, workspace.vault)
    resolve(workspace, None, ResolveOptions())
    return workspace


def test_a_pilot_round_finds_every_return_and_estimates_the_effect(
    resolved: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERCOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    steps: list[str] = []
    with open_store(resolved) as store:
        result = run_pilot_round(
            resolved, store, Settings(), RoundOptions(agency="NL", seed=3), step=steps.append
        )
    assert steps[0].startswith("triage") and steps[-1] == "evaluating the pilot"
    assert set(result.allocated) == {"control", "treatment"}
    assert min(result.allocated.values()) > 0
    assert result.sent > 0
    assert len(list((result.outbox / "new").iterdir())) == result.sent
    flow = {f.arm: f for f in result.reachable.flow}
    assert flow["treatment"].reached == result.sent and flow["control"].reached == 0
    # every return drawn in the later takedown is linked back to its person and found
    truth = json.loads(result.followup.truth.read_text())["persons"]
    returned = {t["person_id"] for t in truth if t["observed"]}
    assert len(returned) == result.followup.returned > 0
    found = sum(p.events for p in result.reachable.proportions)
    assert found == len(returned)
    assert result.reachable.cox is not None and result.evaluation.cox is not None
    # the demo will not run again over a case store that holds its pilot
    with pytest.raises(DemoError, match="holds the case store of an earlier demo"):
        run_demo(resolved.root, Settings(), scale=0.1)
