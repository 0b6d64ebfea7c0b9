"""The demo: a synthetic takedown scenario, ingested, resolved into persons, profiled.

Later issues extend it into the whole flow (triage, outreach, evaluation).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intercop.evidence.geography import CountryCounts, by_country
from intercop.evidence.ingest import IngestRequest, IngestResult, ingest
from intercop.identity.evaluate import Scores, load_truth, score
from intercop.identity.persons import person_of
from intercop.identity.resolve import ResolveOptions, ResolveResult, resolve
from intercop.settings import Settings
from intercop.store.database import open_store
from intercop.synth import Scenario, generate_takedowns
from intercop.workspace import Workspace, init_workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoReport:
    """What the demo did and where to look."""

    workspace: Workspace
    scenario: Scenario
    results: tuple[IngestResult, ...]
    countries: tuple[CountryCounts, ...]
    resolved: ResolveResult
    scores: Scores


def run_demo(
    root: Path,
    settings: Settings,
    *,
    seed: int = 1,
    scale: float = 1.0,
    step: Callable[[str], None] | None = None,
) -> DemoReport:
    """Generate a scenario in ``root/scenario`` and ingest every file into ``root``."""
    workspace = init_workspace(root)
    say = step or (lambda _msg: None)
    say(f"generating a synthetic takedown scenario (seed {seed}, scale {scale})")
    scenario = generate_takedowns(root / "scenario", seed=seed, scale=scale)
    results = []
    for f in scenario.files:
        say(f"ingesting {f.path} ({f.platform}, {f.kind})")
        request = IngestRequest(
            paths=(scenario.out / f.path,),
            platform=f.platform,
            kind=f.kind,
            seized_on=f.seized_on,
            agency=settings.agency,
        )
        results.append(ingest(workspace, request, settings))
    countries = [
        c
        for r in results
        for c in by_country(
            r.manifest.dataset_id, workspace.vault / r.manifest.dataset_id / "canonical"
        )
    ]
    say("resolving accounts into persons and profiling them")
    with open_store(workspace) as store:
        resolved = resolve(workspace, store, ResolveOptions(), step=say)
    scores = score(person_of(workspace), load_truth(workspace, scenario.out))
    return DemoReport(workspace, scenario, tuple(results), tuple(countries), resolved, scores)
