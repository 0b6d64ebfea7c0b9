"""``intercop user add/list/password``: the people who use the platform, roles, passwords."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intercop.access import add_user, list_users
from intercop.auth.passwords import read_password_file, set_password, store_password
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.store.database import open_store
from intercop.store.models import ROLES

app = typer.Typer(help="Users, roles, agencies and passwords.", no_args_is_help=True)

PasswordFileOpt = Annotated[
    Path | None,
    typer.Option("--password-file", help="File whose first line is the password (for logins)."),
]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, . _ -")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    agency: Annotated[str, typer.Option("--agency", help="Agency (ISO country code), e.g. NL.")],
    password_file: PasswordFileOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user; once an admin exists, only an admin may add users."""
    password = read_password_file(password_file) if password_file else None
    with open_store(STATE.workspace()) as store, store.session() as session:
        created = add_user(session, name, role, agency, acting=user)
        if password is not None:
            # add_user has authorised the creator, who sets the first password
            store_password(session, created, password, created.created_by)
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


@app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="The user whose password is set.")],
    password_file: Annotated[
        Path, typer.Option("--password-file", help="File whose first line is the new password.")
    ],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a user's password (the user themselves or an admin); ends their web sessions."""
    secret = read_password_file(password_file)
    with open_store(STATE.workspace()) as store, store.session() as session:
        target = set_password(session, name, secret, user)
        session.commit()
    if as_json:
        print_json({"name": target.name, "password_set": True})
        return
    out.print(f"Password of [bold]{target.name}[/bold] set")
