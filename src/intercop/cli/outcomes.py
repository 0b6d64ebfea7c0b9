"""``intercop outcome add/import/list``: what happened after contact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
from intercop.cli.triage import JsonOpt, UserOpt
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
