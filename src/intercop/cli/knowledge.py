"""``intercop knowledge add/add-pilot/list``: the network's shared intervention results."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.knowledge import (
    KnowledgeInput,
    add_entry,
    entry_json,
    from_pilot,
    list_entries,
)
from intercop.store.database import open_store

knowledge_app = typer.Typer(help="The shared knowledge base of intervention results.",
                            no_args_is_help=True)  # fmt: skip

LinkOpt = Annotated[str | None, typer.Option("--report-link", help="Where the report is (URL).")]
NoteOpt = Annotated[str | None, typer.Option(help="Anything a reader should know.")]


def _store(entry: KnowledgeInput, user: str | None, free_text: bool) -> dict[str, Any]:
    workspace = STATE.workspace()
    catalogue = set(load_catalogue(catalogue_path(workspace.root)))
    with open_store(workspace) as store, store.session() as session:
        row = add_entry(session, user, entry, catalogue, free_text=free_text)
        session.commit()
        return entry_json(row)


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    flag = "" if data["catalogued"] else " (free text, not in the catalogue)"
    out.print(f"Knowledge entry {data['id']}: {data['intervention']}{flag} in {data['country']}, "
              f"{data['measure']} {data['estimate']} [{data['ci_low']}, {data['ci_high']}], "
              f"n={data['n']}")  # fmt: skip


@knowledge_app.command("add")
def add(
    intervention: Annotated[str, typer.Option(help="A catalogue intervention, e.g. home_visit.")],
    country: Annotated[str, typer.Option(help="Country where it was studied (ISO code).")],
    design: Annotated[str, typer.Option(help="rct, quasi, observational or descriptive.")],
    population: Annotated[str, typer.Option(help="Who was studied.")],
    n: Annotated[int, typer.Option("--n", help="Persons studied.")],
    measure: Annotated[
        str, typer.Option(help="risk_ratio, hazard_ratio, odds_ratio, rate_ratio, ...")
    ],
    estimate: Annotated[float, typer.Option(help="The effect estimate.")],
    ci_low: Annotated[float, typer.Option("--ci-low", help="Lower 95% confidence limit.")],
    ci_high: Annotated[float, typer.Option("--ci-high", help="Upper 95% confidence limit.")],
    report_link: LinkOpt = None,
    note: NoteOpt = None,
    free_text: Annotated[
        bool, typer.Option("--free-text", help="Accept an intervention outside the catalogue.")
    ] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an intervention result (checked: the interval must contain the estimate, n > 0)."""
    entry = KnowledgeInput(intervention, country, design, population, n, measure, estimate,
                           ci_low, ci_high, report_link, note)  # fmt: skip
    _print(_store(entry, user, free_text), as_json)


@knowledge_app.command("add-pilot")
def add_pilot(
    pilot_id: Annotated[int, typer.Argument(help="The pilot whose evaluation is added.")],
    arm: Annotated[
        str | None, typer.Option(help="Arm compared with the reference (default: the first).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of follow-up (default: now).")
    ] = None,
    report_link: LinkOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a pilot's evaluated risk ratio (randomised design) to the knowledge base."""
    from intercop.evaluation.pilot import evaluate_pilot_as

    workspace = STATE.workspace()
    end = datetime.fromisoformat(as_of).replace(tzinfo=UTC) if as_of else None
    with open_store(workspace) as store:
        result = evaluate_pilot_as(store, workspace, pilot_id, user, as_of=end)
    entry = from_pilot(result, arm)
    if report_link:
        entry = replace(entry, report_link=report_link)
    _print(_store(entry, user, free_text=True), as_json)


@knowledge_app.command("list")
def list_command(
    intervention: Annotated[str | None, typer.Option(help="Only this intervention.")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country.")] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the knowledge base, newest first (every role but partner may read it)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        data = [
            entry_json(e)
            for e in list_entries(session, user, intervention=intervention, country=country)
        ]
    if as_json:
        print_json(data)
        return
    table = Table("id", "intervention", "country", "design", "n", "measure", "estimate (95% CI)",
                  "agency")  # fmt: skip
    for e in data:
        name = e["intervention"] + ("" if e["catalogued"] else " *")
        table.add_row(str(e["id"]), name, e["country"], e["design"], str(e["n"]), e["measure"],
                      f"{e['estimate']:g} ({e['ci_low']:g}-{e['ci_high']:g})",
                      e["agency"])  # fmt: skip
    out.print(table)
    if any(not e["catalogued"] for e in data):
        out.print("* free text: not an intervention of the catalogue")
