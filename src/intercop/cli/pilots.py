"""``intercop pilot create/assign/show``: randomised pilots of an intervention."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from intercop.access import require
from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.casework.pilots import (
    arms_for_control,
    assign_pilot,
    create_pilot,
    get_pilot,
    parse_arms,
    pilot_summary,
)
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.cli.triage import CatalogueOpt
from intercop.store.database import open_store

app = typer.Typer(help="Randomised pilots of interventions.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Pilot name (unique in the agency).")],
    intervention: Annotated[str, typer.Option("--intervention", help="Intervention tested.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the randomisation.")],
    control: Annotated[
        float | None, typer.Option("--control", help="Share in the control arm, e.g. 0.5.")
    ] = None,
    arms: Annotated[
        str | None, typer.Option("--arms", help="Arms and ratios: treatment:1,control:1.")
    ] = None,
    strata: Annotated[
        str, typer.Option("--strata", help="Fields to stratify by: country[,risk_band].")
    ] = "",
    agency: Annotated[
        str | None, typer.Option("--agency", help="Agency (default: the user's).")
    ] = None,
    catalogue: CatalogueOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a pilot: its design is frozen and hashed now, before any outcome exists."""
    if (control is None) == (arms is None):
        raise typer.BadParameter("give either --control SHARE or --arms NAME:RATIO,...")
    design_arms = parse_arms(arms) if arms is not None else arms_for_control(control or 0.0)
    fields = [s.strip() for s in strata.split(",") if s.strip()]
    ws = STATE.workspace()
    interventions = load_catalogue(catalogue_path(ws.root, catalogue))
    with open_store(ws) as store, store.session() as session:
        pilot = create_pilot(
            session,
            user,
            name=name,
            intervention=intervention,
            arms=design_arms,
            strata=fields,
            seed=seed,
            agency=agency,
            catalogue=interventions,
        )
        session.commit()
        summary = pilot_summary(session, pilot)
    if as_json:
        print_json(summary)
        return
    out.print(
        f"Pilot [bold]{pilot.id}[/bold] {pilot.name} ({pilot.agency}, {pilot.intervention}) "
        f"frozen; design hash {pilot.design_hash}. Assign with `intercop pilot assign {pilot.id}`"
    )


@app.command("assign")
def assign(
    pilot_id: Annotated[int, typer.Argument(help="Pilot id.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Randomise the pilot's eligible persons into its arms (once)."""
    ws = STATE.workspace()
    with open_store(ws) as store, store.session() as session:
        pilot = assign_pilot(session, ws, user, pilot_id)
        session.commit()
        summary = pilot_summary(session, pilot)
    _print(summary, as_json)


@app.command("show")
def show(
    pilot_id: Annotated[int, typer.Argument(help="Pilot id.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a pilot's design, hashes and counts per arm and stratum."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        pilot = get_pilot(session, pilot_id)
        require(session, user, "case.read", pilot.agency)
        summary = pilot_summary(session, pilot)
    _print(summary, as_json)


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    design = summary["design"]
    arms = ", ".join(f"{a['name']}:{a['ratio']}" for a in design["arms"])
    out.print(
        f"Pilot [bold]{summary['id']}[/bold] {summary['name']} ({summary['agency']}, "
        f"{summary['intervention']}): {summary['state']}; arms {arms}; strata "
        f"{', '.join(design['strata']) or 'none'}; seed {design['seed']}"
    )
    ok = "intact" if summary["design_intact"] else "[red]CHANGED[/red]"
    out.print(f"design hash {summary['design_hash']} ({ok})")
    if summary["assignment_hash"]:
        ok = "intact" if summary["assignment_intact"] else "[red]CHANGED[/red]"
        out.print(f"assignment hash {summary['assignment_hash']} ({ok})")
    names = [a["name"] for a in design["arms"]]
    table = Table("stratum", *names, "total")
    for stratum, counts in summary["strata"].items():
        cells = [str(counts.get(n, 0)) for n in names]
        table.add_row(stratum, *cells, str(sum(counts.values())))
    table.add_row("[bold]all[/bold]", *(str(summary["arms"].get(n, 0)) for n in names),
                  str(summary["persons"]))  # fmt: skip
    out.print(table)
