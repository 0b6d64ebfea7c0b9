"""``intercop cohorts``: offender profiles of groups, small cells suppressed, for sharing."""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow.parquet as pq
import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import UserOpt
from intercop.errors import IntercopError
from intercop.profiles.cohorts import DEFAULT_BY, cohort_json, cohort_table


def cohorts(
    by: Annotated[str, typer.Option(help="Comma-separated dimensions.")] = ",".join(DEFAULT_BY),
    min_cell: Annotated[int, typer.Option(help="Smallest count shown as a number.", min=2)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    network: Annotated[
        bool,
        typer.Option(
            "--network", help="Over every dataset --user's agency may see at aggregate level."
        ),
    ] = False,
    user: UserOpt = None,
) -> None:
    """Counts of persons by country, age band, platform kind, role and spend band."""
    path = STATE.workspace().derived / "profiles.parquet"
    if not path.exists():
        raise IntercopError("no profiles yet", hint="Run `intercop resolve` first")
    dims = [d.strip() for d in by.split(",") if d.strip()]
    if network:
        _network(dims, min_cell, user, as_json)
        return
    profiles = pq.read_table(path)
    unknown = [d for d in dims if d not in profiles.column_names]
    if unknown:
        raise IntercopError(
            f"unknown dimension {', '.join(unknown)}",
            hint=f"Use columns of the profiles, e.g. {', '.join(DEFAULT_BY)}",
        )
    rows = cohort_table(profiles, by=dims, min_cell=min_cell)
    if as_json:
        print_json(cohort_json(rows))
        return
    _print(cohort_json(rows))


def _network(dims: list[str], min_cell: int, user: str | None, as_json: bool) -> None:
    """The network cohort table of the user's agency (see ``exchange.knowledge``)."""
    from intercop.access import require
    from intercop.exchange.knowledge import network_cohorts
    from intercop.store.database import open_store

    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        agency = require(session, user, "knowledge.read").agency
        doc = network_cohorts(workspace, session, agency, dims, min_cell)
    if as_json:
        print_json(doc)
        return
    out.print(f"Network cohorts of {agency}: {len(doc['datasets'])} datasets of "
              f"{', '.join(doc['agencies']) or 'no agency'}")  # fmt: skip
    _print(doc)


def _print(doc: dict[str, Any]) -> None:
    out.print(f"Persons: {doc['total']} ({doc['suppression']})")
    for dim, values in doc["marginals"].items():
        table = Table(title=f"by {dim}")
        table.add_column(dim)
        table.add_column("persons", justify="right")
        table.add_column("%", justify="right")
        for v in values:
            share = "" if v["share_pct"] is None else f"{v['share_pct']:.1f}"
            table.add_row(v["value"], str(v["persons"]), share)
        out.print(table)
