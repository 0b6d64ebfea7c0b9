"""``intercop exchange send/outbox/push/endpoint``: bundles to partners' servers over HTTP."""

from __future__ import annotations

from typing import Annotated

import typer

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.bundles import DEFAULT_DAYS, DEFAULT_HANDLING, DEFAULT_TLP
from intercop.exchange.transport import (
    Delivery,
    export_and_queue,
    outbox,
    outbox_json,
    send_pending,
    set_endpoint,
)
from intercop.store.database import open_store
from intercop.store.models import OUTBOX_STATES

# merged into ``exchange_app`` (cli/exchange.py): its commands are ``intercop exchange X``
app = typer.Typer()


def _show(deliveries: list[Delivery], as_json: bool) -> None:
    if as_json:
        print_json([d.as_json() for d in deliveries])
        return
    if not deliveries:
        out.print("Nothing pending.")
    for d in deliveries:
        line = f"{d.bundle_id} -> {d.recipient}: [bold]{d.state}[/bold] ({d.attempts} attempts)"
        if d.receipt:
            line += f", {d.receipt['status']} as case {d.receipt['case_id']}"
        out.print(line + (f" — {d.error}" if d.error else ""))


@app.command("send")
def send(
    person_id: Annotated[str, typer.Argument(help="Person id (see `intercop persons`).")],
    to: Annotated[str, typer.Option("--to", help="Receiving agency (country code), e.g. FI.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is disclosed (audit log).")
    ] = None,
    handling: Annotated[str, typer.Option("--handling", help="Handling code.")] = DEFAULT_HANDLING,
    tlp: Annotated[str, typer.Option("--tlp", help="TLP label.")] = DEFAULT_TLP,
    days: Annotated[
        int, typer.Option("--days", help="Days until the bundle expires.", min=1, max=365)
    ] = DEFAULT_DAYS,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export a referral into the outbox and deliver it to the agency's server now."""
    workspace = STATE.workspace()
    with open_store(workspace) as store:
        with store.session() as session:
            row = export_and_queue(workspace, session, person_id, to, user, reason,
                                   handling=handling, tlp=tlp, days=days)  # fmt: skip
            bundle_id = row.bundle_id
        _show(send_pending(workspace, store, only=bundle_id), as_json)


@app.command("push")
def push(as_json: JsonOpt = False) -> None:
    """Retry delivering every pending bundle of the outbox (safe to repeat)."""
    workspace = STATE.workspace()
    with open_store(workspace) as store:
        _show(send_pending(workspace, store), as_json)


@app.command("outbox")
def outbox_command(
    state: Annotated[
        str | None, typer.Option("--state", help=f"Only one state: {', '.join(OUTBOX_STATES)}.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the bundles queued for partners' servers and what became of them."""
    if state is not None and state not in OUTBOX_STATES:
        raise typer.BadParameter(f"choose one of {', '.join(OUTBOX_STATES)}", param_hint="--state")
    with open_store(STATE.workspace()) as store, store.session() as session:
        rows = [outbox_json(r) for r in outbox(session, state)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("The outbox is empty.")
    for r in rows:
        out.print(f"{r['bundle_id']}  {r['sender']} -> {r['recipient']}  {r['person_id']}  "
                  f"[bold]{r['state']}[/bold]  attempts {r['attempts']}"
                  + (f"  {r['last_error']}" if r["last_error"] else ""))  # fmt: skip


@app.command("endpoint")
def endpoint(
    agency: Annotated[str, typer.Argument(help="The partner agency, e.g. FI.")],
    url: Annotated[str, typer.Option("--url", help="Base URL of its server (https://...).")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the base URL of a partner agency's InterCOP server."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        row = set_endpoint(session, agency, url, user)
        session.commit()
        data = {"agency": row.code, "endpoint": row.endpoint}
    if as_json:
        print_json(data)
        return
    out.print(f"{data['agency']} is reached at {data['endpoint']}")
