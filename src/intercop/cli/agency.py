"""``intercop agency add/list``: the network's agencies and their public keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.agencies import add_agency, agency_json, list_agencies
from intercop.store.database import open_store

agency_app = typer.Typer(help="Agencies of the network and their public keys.",
                         no_args_is_help=True)  # fmt: skip


@agency_app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Agency (ISO country code), e.g. FI.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Name (default: the network list).")
    ] = None,
    eu: Annotated[
        bool | None,
        typer.Option("--eu/--no-eu", help="Bound by the EU LED (default: the network list)."),
    ] = None,
    sign_key: Annotated[
        str | None, typer.Option("--sign-key", help="Its Ed25519 public key (base64).")
    ] = None,
    box_key: Annotated[
        str | None, typer.Option("--box-key", help="Its X25519 public key (base64).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace keys already registered (rotation).")
    ] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an agency (or its new keys), as given by its `intercop exchange keys`."""
    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        agency, outcome = add_agency(session, code, user=user, name=name, eu=eu,
                                     sign_key=sign_key, box_key_text=box_key, replace=replace,
                                     root=workspace.root)  # fmt: skip
        session.commit()
        data = {**agency_json(agency), "outcome": outcome}
    if as_json:
        print_json(data)
        return
    out.print(f"Agency [bold]{data['code']}[/bold] {outcome}: {data['name']}"
              f" ({'EU' if data['eu'] else 'outside the EU'})")  # fmt: skip
    if data["sign_fingerprint"]:
        out.print(f"  signing key {data['sign_fingerprint']}, "
                  f"encryption key {data['box_fingerprint']}")  # fmt: skip


@agency_app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """List the registered agencies with their key fingerprints."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        data = [agency_json(a) for a in list_agencies(session)]
    if as_json:
        print_json(data)
        return
    table = Table("code", "name", "EU", "signing key", "encryption key")
    for a in data:
        table.add_row(a["code"], a["name"], "yes" if a["eu"] else "no",
                      a["sign_fingerprint"] or "-", a["box_fingerprint"] or "-")  # fmt: skip
    out.print(table)
