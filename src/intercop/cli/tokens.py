"""``intercop token create/list/revoke``: API tokens for scripts and partners."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.auth.tokens import create_token, list_tokens, revoke_token, token_json
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt
from intercop.store.database import open_store

app = typer.Typer(help="API tokens (hashed at rest, scoped, revocable).", no_args_is_help=True)

# --user names the token's owner here, so the acting user is --as
ActingOpt = Annotated[
    str | None, typer.Option("--as", help="Acting user (default: $INTERCOP_USER).")
]


@app.command("create")
def create(
    user: Annotated[str, typer.Option("--user", help="The user the token is for.")],
    scope: Annotated[str, typer.Option("--scope", help="read, write or partner.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", min=1, help="Days until it expires (default: never)."),
    ] = None,
    acting: ActingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token; its plaintext is shown this once and never again."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        plaintext, token = create_token(session, user, scope, label, expires_days, acting)
        session.commit()
    expires = token.expires_at.isoformat() if token.expires_at else None
    if as_json:
        print_json({"token": plaintext, "id": token.id, "user": token.user_name,
                    "scope": token.scope, "expires_at": expires})  # fmt: skip
        return
    out.print(f"Token {token.id} for [bold]{token.user_name}[/bold] ({token.scope}), "
              f"expires {expires or 'never'}. Shown once; keep it safe:")  # fmt: skip
    out.print(plaintext)


@app.command("list")
def list_command(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    acting: ActingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens (never their secrets): an admin sees all, anyone else their own."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        tokens = list_tokens(session, user_name=user, acting=acting)
    rows = [token_json(t) for t in tokens]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "prefix", "user", "scope", "label", "state", "expires", "last used")
    for r in rows:
        table.add_row(str(r["id"]), f"{r['prefix']}…", str(r["user"]), str(r["scope"]),
                      str(r["label"]), str(r["state"]), str(r["expires_at"] or "never"),
                      str(r["last_used_at"] or "-"))  # fmt: skip
    out.print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see 'intercop token list').")],
    acting: ActingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token at once (its owner or an admin)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        token = revoke_token(session, token_id, acting)
        session.commit()
    if as_json:
        print_json(token_json(token))
        return
    out.print(f"Token {token.id} of {token.user_name} revoked")
