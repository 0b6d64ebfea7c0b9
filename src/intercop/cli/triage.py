"""``intercop triage``: every profiled person through routing and the triage policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intercop.access import require
from intercop.casework.agencies import workspace_agencies
from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.casework.policy import load_policy_set
from intercop.casework.triage import TriageReport, read_profiles, run_triage
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, LimitOpt, UserOpt
from intercop.store.database import open_store

CatalogueOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="Agency interventions catalogue (default: <workspace>/config/interventions.yaml).",
    ),
]


def triage(
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="Triage policy YAML (default: the workspace's or built-in)."),
    ] = None,
    catalogue: CatalogueOpt = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only the persons routed to this agency.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Recommend only; open or change no case.")
    ] = False,
    limit: LimitOpt = 50,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recommend an intervention for every person and open or update their cases."""
    ws = STATE.workspace()
    code = agency.upper() if agency else None
    interventions = load_catalogue(catalogue_path(ws.root, catalogue))
    policies = load_policy_set(ws.root, interventions, policy)
    agencies = workspace_agencies(ws.root)
    with open_store(ws) as store, store.session() as session:
        acting = require(session, user, "triage.run", code)
        rows = read_profiles(ws)
        report = run_triage(
            session, rows, policies, agencies, acting.name, agency=code, dry_run=dry_run
        )
        if not dry_run:
            session.commit()
    if as_json:
        print_json(_as_json(report, dry_run))
        return
    _show(report, dry_run, limit)


def _as_json(report: TriageReport, dry_run: bool) -> dict[str, object]:
    return {
        "dry_run": dry_run,
        "persons": len(report.items),
        "policy_hashes": dict(report.policy_hashes),
        "actions": dict(report.counts),
        "summary": report.summary(),
        "seconds": {"evaluate": report.evaluate_seconds, "write": report.write_seconds},
        "recommendations": [
            {
                "person_id": t.person_id,
                "agency": t.agency,
                "intervention": t.intervention,
                "rule": t.rule,
                "reasons": list(t.reasons),
                "routing": list(t.routing),
                "skipped": list(t.skipped),
                "policy_hash": t.policy_hash,
                "case_id": t.case_id,
                "action": t.action,
            }
            for t in report.items
        ],
    }


def _show(report: TriageReport, dry_run: bool, limit: int) -> None:
    shown = report.items if limit == 0 else report.items[:limit]
    table = Table("person", "agency", "intervention", "rule", "why", "case")
    for t in shown:
        why = "; ".join(t.reasons + t.routing)
        case = "-" if t.case_id is None else f"{t.case_id} ({t.action})"
        table.add_row(t.person_id, t.agency, t.intervention, t.rule, why, case)
    out.print(table)
    if len(shown) < len(report.items):
        out.print(f"… {len(report.items) - len(shown):,} more (--limit 0 or --json for all)")
    summary = Table("agency", "intervention", "persons", title="By agency and intervention")
    for agency, counts in report.summary().items():
        for intervention, n in counts.items():
            summary.add_row(agency, intervention, f"{n:,}")
    out.print(summary)
    done = ", ".join(f"{n:,} {a}" for a, n in report.counts.items())
    verb = "dry run, nothing written" if dry_run else done
    out.print(f"{len(report.items):,} persons triaged ({verb})")
