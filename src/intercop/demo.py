"""The demo: the whole flow on a synthetic takedown scenario.

Generate the seized dumps, ingest them, resolve accounts into persons and profile them;
then triage, run a randomised pilot of a warning (two users: an analyst prepares, a
supervisor approves), send the treatment arm's e-mails to the outbox, draw a later
takedown in which the warned come back less often, and evaluate the pilot into an HTML
report (``intercop.simulation``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intercop.auth.passwords import set_password
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
from intercop.store.database import Store, open_store
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
    logins: tuple[DemoLogin, ...] = ()


@dataclass(frozen=True)
class DemoLogin:
    """A web login the demo made: a fresh random password, shown once."""

    name: str
    role: str
    agency: str
    password: str


#: the demo's web users: two agencies, so that the separation between them shows
DEMO_LOGINS = (
    ("ana", "analyst", None),
    ("sam", "supervisor", None),
    ("dpo", "auditor", None),
    ("fin", "officer", "FI"),
)


def make_logins(store: Store, home_agency: str) -> tuple[DemoLogin, ...]:
    """Give the demo users random passwords (and add the Finnish officer)."""
    made = []
    with store.session() as session:
        for name, role, agency in DEMO_LOGINS:
            ensure_user(session, name, role, agency or home_agency)
            password = secrets.token_urlsafe(12)
            set_password(session, name, password, name)
            made.append(DemoLogin(name, role, agency or home_agency, password))
        session.commit()
    return tuple(made)


def write_logins(workspace: Workspace, logins: tuple[DemoLogin, ...]) -> Path:
    """``demo-logins.txt`` (mode 0600) beside the case store."""
    path = workspace.root / "demo-logins.txt"
    lines = [f"{x.name}\t{x.password}\t{x.role}\t{x.agency}" for x in logins]
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("user\tpassword\trole\tagency\n" + "\n".join(lines) + "\n")
    return path


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
        logins = make_logins(store, settings.agency)
        write_logins(workspace, logins)
    (workspace.root / "reports").mkdir(exist_ok=True)
    report = write_report(
        pilot_document(pilot.evaluation),
        workspace.root / "reports" / f"pilot-{pilot.pilot_id}.html",
    )
    say(f"evaluation report written to {report}")
    return DemoReport(
        workspace,
        scenario,
        tuple(results),
        tuple(countries),
        resolved,
        scores,
        pilot,
        report,
        logins,
    )


class DemoError(IntercopError):
    """The demo cannot run in this workspace."""
