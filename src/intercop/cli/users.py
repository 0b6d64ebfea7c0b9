"""``intercop user add/list``: the people who use the platform, and their roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.access import add_user, list_users
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.store.database import open_store
from intercop.store.models import ROLES

app = typer.Typer(help="Users, roles and agencies.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, . _ -")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    agency: Annotated[str, typer.Option("--agency", help="Agency (ISO country code), e.g. NL.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user; once an admin exists, only an admin may add users."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        created = add_user(session, name, role, agency, acting=user)
        session.commit()
    if as_json:
        print_json({"name": created.name, "role": created.role, "agency": created.agency,
                    "created_by": created.created_by})  # fmt: skip
        return
    out.print(f"User [bold]{created.name}[/bold]: {created.role} of {created.agency}")


@app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """List the users with their roles and agencies."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        users = list_users(session)
    if as_json:
        print_json([{"name": u.name, "role": u.role, "agency": u.agency, "active": u.active}
                    for u in users])  # fmt: skip
        return
    table = Table("user", "role", "agency", "active")
    for u in users:
        table.add_row(u.name, u.role, u.agency, "yes" if u.active else "no")
    out.print(table)
