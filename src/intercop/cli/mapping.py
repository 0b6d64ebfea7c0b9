"""``intercop mapping init DUMP``: write an editable mapping for a dump."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, out
from intercop.evidence.ingest import draft_mapping
from intercop.evidence.known import dump
from intercop.evidence.mapping import Mapping

app = typer.Typer(
    help="Platform mappings: which table and column means what.", no_args_is_help=True
)


@app.command("init")
def init(
    paths: Annotated[list[Path], typer.Argument(help="The dump(s) to describe.")],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the YAML here (default: stdout).")
    ] = None,
    kind: Annotated[str, typer.Option(help="booter | forum | market | other")] = "other",
    fmt: Annotated[str | None, typer.Option("--format", help="Force a reader.")] = None,
) -> None:
    """Detect the mapping of a dump and write it as YAML to edit and pass to --mapping."""
    mapping = draft_mapping(STATE.workspace(), paths, STATE.settings(), kind=kind, fmt=fmt)
    text = dump(mapping)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")
        out.print(f"Mapping written to {output}; edit it, then ingest with --mapping {output}")


def render_mapping(mapping: Mapping) -> None:
    """The mapping with the reason for each choice (``--explain``)."""
    table = Table(title=f"Mapping: {mapping.software}")
    for col in ("table", "column", "role", "format", "why"):
        table.add_column(col)
    for name, t in mapping.tables.items():
        table.add_row(name, "", t.role.value, "", t.reason, style="bold")
        for col, c in t.columns.items():
            table.add_row("", col, c.role.value, c.format or "", c.reason)
    out.print(table)
