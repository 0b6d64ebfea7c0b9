"""``intercop outcome add/import/list/derive``: what happened after contact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intercop.casework.derive import DeriveReport, derive_reoffending
from intercop.casework.outcomes import (
    KINDS,
    OutcomeError,
    add_outcome,
    check_fields,
    import_outcomes,
    list_outcomes,
    make_input,
)
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, LimitOpt, UserOpt
from intercop.evaluation.reoffending import DEFAULT_GRACE_DAYS
from intercop.store.database import open_store

app = typer.Typer(help="Outcomes: replies, attendance, refusals, reoffending.",
                  no_args_is_help=True)  # fmt: skip


@app.command("add")
def add(
    person_id: Annotated[str, typer.Argument(help="Person id.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(KINDS)}.")],
    at: Annotated[str, typer.Option("--at", help="When: YYYY-MM-DD or an ISO timestamp.")],
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    pilot: Annotated[int | None, typer.Option("--pilot", help="Pilot id.")] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record one outcome for a person."""
    pilot_text = str(pilot) if pilot is not None else None
    problems = check_fields(person_id, kind, at, pilot_text)
    if problems:
        raise OutcomeError("; ".join(problems), hint="Nothing was recorded")
    item = make_input(person_id, kind, at, note, pilot_text)
    with open_store(STATE.workspace()) as store, store.session() as session:
        added = add_outcome(session, user, item)
        session.commit()
    if as_json:
        print_json({"person_id": item.person_id, "kind": item.kind, "at": item.at.isoformat(),
                    "pilot": item.pilot, "added": added})  # fmt: skip
        return
    verb = "recorded" if added else "already recorded; nothing added"
    out.print(f"{item.kind} of {item.person_id} at {item.at:%Y-%m-%d %H:%M} UTC {verb}")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="CSV: person_id,kind,at[,note][,pilot].")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a CSV of outcomes (all lines checked first; re-importing adds nothing)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        report = import_outcomes(session, user, path)
        session.commit()
    if as_json:
        print_json(report.__dict__)
        return
    out.print(
        f"{path.name}: {report.lines:,} lines, [bold]{report.added:,} added[/bold], "
        f"{report.duplicates:,} duplicates skipped"
    )


@app.command("list")
def list_command(
    person_id: Annotated[str, typer.Argument(help="Person id.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List a person's outcomes."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        found = list_outcomes(session, user, person_id)
    rows = [
        {"id": o.id, "kind": o.kind, "at": o.at.isoformat(), "note": o.note,
         "pilot": o.pilot_id, "case": o.case_id, "source": o.source, "user": o.user_name}
        for o in found
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table("at", "kind", "note", "pilot", "source", "user")
    for r in rows:
        table.add_row(str(r["at"])[:16], str(r["kind"]), str(r["note"] or ""),
                      str(r["pilot"] or ""), str(r["source"]), str(r["user"]))  # fmt: skip
    out.print(table)


@app.command("derive")
def derive(
    agency: Annotated[
        str | None,
        typer.Option("--agency", help="Only this agency's cases and pilots (default: yours)."),
    ] = None,
    grace: Annotated[
        int,
        typer.Option("--grace", min=0, help="Days after t0 whose activity is ignored."),
    ] = DEFAULT_GRACE_DAYS,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Find and count; record nothing.")
    ] = False,
    limit: LimitOpt = 50,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Derive reoffending: the first activity in the vault after contact (t0) + grace."""
    ws = STATE.workspace()
    with open_store(ws) as store, store.session() as session:
        report = derive_reoffending(
            session, ws, user, agency=agency, grace_days=grace, dry_run=dry_run
        )
        if not dry_run:
            session.commit()
    if as_json:
        print_json(_derive_json(report))
        return
    _derive_show(report, limit)


def _derive_json(report: DeriveReport) -> dict[str, object]:
    return {
        "agencies": list(report.agencies) or "all",
        "grace_days": report.grace_days,
        "dry_run": report.dry_run,
        "followed": report.followed,
        "unlinked": len(report.unlinked),
        "reoffended": len(report.items),
        "added": report.added,
        "duplicates": report.duplicates,
        "by_dataset": report.by_dataset(),
        "outcomes": [
            {"person_id": d.person_id, "case": d.case_id, "pilot": d.pilot_id,
             "t0": d.t0.isoformat(), "at": d.at.isoformat(), "activity": d.activity,
             "source": d.source, "added": d.added}
            for d in report.items
        ],
    }  # fmt: skip


def _derive_show(report: DeriveReport, limit: int) -> None:
    shown = report.items if limit == 0 else report.items[:limit]
    table = Table("person", "t0", "first activity", "kind", "source", "new")
    for d in shown:
        table.add_row(d.person_id, f"{d.t0:%Y-%m-%d}", f"{d.at:%Y-%m-%d %H:%M}", d.activity,
                      d.source, "yes" if d.added else "no")  # fmt: skip
    out.print(table)
    if len(shown) < len(report.items):
        out.print(f"… {len(report.items) - len(shown):,} more (--limit 0 or --json for all)")
    verb = "would be added (dry run, nothing recorded)" if report.dry_run else "added"
    out.print(
        f"{report.followed:,} persons followed from contact + {report.grace_days} days; "
        f"{len(report.items):,} active again: [bold]{report.added:,} {verb}[/bold], "
        f"{report.duplicates:,} already recorded; {len(report.unlinked):,} not linked to "
        "any seized account"
    )
