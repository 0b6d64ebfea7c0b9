"""Options shared by many commands, declared once so that they read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

UserOpt = Annotated[
    str | None, typer.Option("--user", help="Acting user (default: $INTERCOP_USER).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
LimitOpt = Annotated[
    int, typer.Option("--limit", help="Persons listed in the table (0: all).", min=0)
]
