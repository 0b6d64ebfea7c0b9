"""The demo: the whole flow on a synthetic takedown scenario.

Generate the seized dumps, ingest them, resolve accounts into persons and profile them;
then triage, run a randomised pilot of a warning (two users: an analyst prepares, a
supervisor approves), send the treatment arm's e-mails to the outbox, draw a later
takedown in which the warned come back less often, and evaluate the pilot into an HTML
report (``intercop.simulation``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intercop.errors import IntercopError
from intercop.evaluation.narratives import pilot_document
from intercop.evaluation.reports import write_report
from intercop.evidence.geography import CountryCounts, by_country
from intercop.evidence.ingest import IngestRequest, IngestResult, ingest
from intercop.identity.evaluate import Scores, load_truth, score
from intercop.identity.persons import person_of
from intercop.identity.resolve import ResolveOptions, ResolveResult, resolve
from intercop.settings import Settings
from intercop.simulation import PilotRound, RoundOptions, ensure_user, run_pilot_round
from intercop.store.database import open_store
from intercop.store.models import Pilot
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
    pilot: PilotRound
    report: Path  # the pilot's evaluation as HTML


def run_demo(
    root: Path,
    settings: Settings,
    *,
    seed: int = 1,
    scale: float = 1.0,
    step: Callable[[str], None] | None = None,
) -> DemoReport:
    """Generate a scenario in ``root/scenario``, run the whole flow in ``root``."""
    workspace = init_workspace(root)
    say = step or (lambda _msg: None)
    with open_store(workspace) as store, store.session() as session:
        if session.query(Pilot).count():
            raise DemoError(
                f"{root} holds the case store of an earlier demo",
                hint="Remove the folder or give another --workspace (make demo starts afresh)",
            )
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
        pilot = run_pilot_round(
            workspace, store, settings, RoundOptions(agency=settings.agency, seed=seed), step=say
        )
        with store.session() as session:  # someone to read the audit log
            ensure_user(session, "dpo", "auditor", settings.agency)
            session.commit()
    (workspace.root / "reports").mkdir(exist_ok=True)
    report = write_report(
        pilot_document(pilot.evaluation),
        workspace.root / "reports" / f"pilot-{pilot.pilot_id}.html",
    )
    say(f"evaluation report written to {report}")
    return DemoReport(
        workspace, scenario, tuple(results), tuple(countries), resolved, scores, pilot, report
    )


class DemoError(IntercopError):
    """The demo cannot run in this workspace."""
