"""``intercop case list/show/approve/reject/route/follow-up/close``: the case queues."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.access import require
from intercop.casework.agencies import NETWORK, workspace_agencies
from intercop.casework.decisions import Decided, approve, move, route_case
from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.casework.queue import CaseFilter, case_history, case_json, event_json, list_cases
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.cli.triage import CatalogueOpt
from intercop.store.database import open_store

app = typer.Typer(help="Cases: one person at one agency, and the decisions on it.",
                  no_args_is_help=True)  # fmt: skip

IdsArg = Annotated[list[int], typer.Argument(help="Case ids.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the case history).")]


@app.command("list")
def list_command(
    agency: Annotated[
        str | None, typer.Option("--agency", help="Agency (default: the user's own).")
    ] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state.")] = None,
    intervention: Annotated[
        str | None, typer.Option("--intervention", help="Only cases recommending this.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).", min=0)] = 0,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List cases of an agency's queue (NETWORK is the network queue)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        code = agency.upper() if agency else None
        acting = require(session, user, "case.read", code)
        if code is None and acting.agency != NETWORK:
            code = acting.agency
        cases = list_cases(session, CaseFilter(code, state, intervention, limit or None))
    if as_json:
        print_json([case_json(c) for c in cases])
        return
    table = Table("id", "person", "agency", "state", "intervention", "rule", "updated")
    for c in cases:
        table.add_row(str(c.id), c.person_id, c.agency, c.state, c.intervention or "-",
                      c.rule or "-", f"{c.updated_at:%Y-%m-%d %H:%M} {c.updated_by}")  # fmt: skip
    out.print(table)
    out.print(f"{len(cases):,} cases")


@app.command("show")
def show(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a case and its history of events."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        case, events = case_history(session, case_id)
        require(session, user, "case.read", case.agency)
    data = {**case_json(case), "events": [event_json(e) for e in events]}
    if as_json:
        print_json(data)
        return
    out.print(
        f"Case [bold]{case.id}[/bold]: person {case.person_id} at {case.agency}, "
        f"[bold]{case.state}[/bold], {case.intervention or 'no recommendation'} "
        f"(rule {case.rule or '-'})"
    )
    for reason in data["reasons"]:
        out.print(f"  why: {reason}")
    table = Table("at", "user", "from", "to", "intervention", "reason")
    for e in events:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.user_name, e.from_state or "-",
                      e.to_state, e.intervention or "-", e.reason)  # fmt: skip
    out.print(table)


def _report(done: list[Decided], as_json: bool) -> None:
    if as_json:
        print_json([d.__dict__ for d in done])
        return
    for d in done:
        out.print(f"case {d.case_id} ({d.person_id}, {d.agency}): [bold]{d.state}[/bold]")


@app.command("approve")
def approve_command(
    case_ids: IdsArg,
    reason: ReasonOpt,
    confirm: Annotated[
        list[str] | None,
        typer.Option("--confirm", help="A fact the intervention asks to confirm (repeatable)."),
    ] = None,
    catalogue: CatalogueOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve recommended cases (the intervention's approver role or above)."""
    ws = STATE.workspace()
    interventions = load_catalogue(catalogue_path(ws.root, catalogue))
    with open_store(ws) as store, store.session() as session:
        done = approve(session, user, case_ids, reason, interventions, confirm or ())
        session.commit()
    _report(done, as_json)


def _move(case_ids: list[int], to_state: str, reason: str, user: str | None) -> list[Decided]:
    with open_store(STATE.workspace()) as store, store.session() as session:
        done = move(session, user, case_ids, to_state, reason)
        session.commit()
    return done


@app.command("reject")
def reject(case_ids: IdsArg, reason: ReasonOpt, user: UserOpt = None,
           as_json: JsonOpt = False) -> None:  # fmt: skip
    """Reject the recommendation of cases."""
    _report(_move(case_ids, "rejected", reason, user), as_json)


@app.command("follow-up")
def follow_up(case_ids: IdsArg, reason: ReasonOpt, user: UserOpt = None,
              as_json: JsonOpt = False) -> None:  # fmt: skip
    """Record a follow-up of contacted cases."""
    _report(_move(case_ids, "followed_up", reason, user), as_json)


@app.command("close")
def close(case_ids: IdsArg, reason: ReasonOpt, user: UserOpt = None,
          as_json: JsonOpt = False) -> None:  # fmt: skip
    """Close cases."""
    _report(_move(case_ids, "closed", reason, user), as_json)


@app.command("route")
def route(
    case_id: Annotated[int, typer.Argument(help="Case id in the network queue.")],
    to: Annotated[str, typer.Option("--to", help="Receiving agency, e.g. FI.")],
    reason: ReasonOpt,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hand a case of the network queue to an agency."""
    ws = STATE.workspace()
    agencies = workspace_agencies(ws.root)
    with open_store(ws) as store, store.session() as session:
        closed, opened = route_case(session, user, case_id, to, reason, agencies)
        session.commit()
    if as_json:
        print_json({"closed": closed.__dict__, "opened": opened.__dict__})
        return
    out.print(
        f"case {closed.case_id} closed in the network queue; case [bold]{opened.case_id}"
        f"[/bold] at {opened.agency} is {opened.state} ({opened.intervention or '-'})"
    )
