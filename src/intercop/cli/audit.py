"""``intercop audit verify/show/export``: the hash-chained audit log, for auditors and the DPO."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intercop.access import require
from intercop.audit import record, search, verify
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.errors import IntercopError
from intercop.store.database import open_store

app = typer.Typer(help="The audit log: verify the chain, read entries.", no_args_is_help=True)


class AuditBrokenError(IntercopError):
    """The audit chain does not verify."""


@app.command("verify")
def verify_command(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Recompute the hash chain; exit 1 naming the first edited, removed or cut entry."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        who = require(session, user, "audit.read")
        result = verify(session)
        record(session, who.name, "audit.verify", agency=who.agency,
               detail={"entries": result.entries, "ok": result.ok})  # fmt: skip
        session.commit()
    if as_json:
        print_json(result.as_json())
    elif result.ok:
        out.print(f"Audit log intact: {result.entries} entries, chain verified")
    if not result.ok:
        raise AuditBrokenError(
            f"audit log broken: {result.problem}",
            hint="Preserve the database as it is and report it to the data protection officer",
        )


@app.command("show")
def show(
    user: UserOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="Only entries of this user.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Action prefix.")] = None,
    object_id: Annotated[str | None, typer.Option("--object", help="Object id.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The newest audit entries (reading the log is itself logged)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        who = require(session, user, "audit.read")
        rows = search(session, user=by, action=action, object_id=object_id, limit=limit)
        asked = {"by": by, "action": action, "object": object_id, "rows": len(rows)}
        record(session, who.name, "audit.read", agency=who.agency, detail=asked)
        session.commit()
    data = [
        {"seq": e.seq, "at": e.at.isoformat(), "user": e.user_name, "agency": e.agency,
         "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
         "reason": e.reason, "detail": json.loads(e.detail), "hash": e.hash}
        for e in rows
    ]  # fmt: skip
    if as_json:
        print_json(data)
        return
    table = Table("seq", "at", "user", "action", "object", "reason")
    for d in data:
        target = f"{d['object_type'] or ''} {d['object_id'] or ''}"
        table.add_row(
            str(d["seq"]), d["at"][:19], d["user"], d["action"], target, d["reason"] or ""
        )
    out.print(table)


@app.command("export")
def export(
    out_file: Annotated[Path, typer.Option("--out", help="File to write: .csv or .jsonl.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD), included.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Only this art. 25 category (repeatable)."),
    ] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the log with art. 25 categories for the data protection officer (audited)."""
    from intercop.cli.ingest import parse_date
    from intercop.lawful.export import export_log

    with open_store(STATE.workspace()) as store, store.session() as session:
        who = require(session, user, "audit.export")
        summary = export_log(session, out_file, start=parse_date(start, "--from"),
                             end=parse_date(end, "--to"), categories=category or ())  # fmt: skip
        record(session, who.name, "audit.export", agency=who.agency, object_type="file",
               object_id=out_file.name, reason="export for the data protection officer",
               detail={**summary, "recipient": who.name})  # fmt: skip
        session.commit()
    if as_json:
        print_json(summary)
    else:
        out.print(f"{summary['entries']:,} entries written to {out_file}")
