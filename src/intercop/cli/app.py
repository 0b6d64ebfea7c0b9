"""The ``intercop`` entry point: builds the Typer app and turns errors into one line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from intercop import __version__
from intercop.cli import (
    agency,
    audit,
    campaigns,
    cases,
    cohorts,
    datasets,
    demo,
    evaluate,
    exchange,
    ingest,
    judge,
    knowledge,
    mapping,
    outcomes,
    persons,
    pilots,
    resolve,
    retention,
    serve,
    share,
    splash,
    synth,
    tokens,
    triage,
    users,
)
from intercop.cli.context import STATE, err, out, print_json
from intercop.errors import IntercopError
from intercop.logconfig import configure
from intercop.settings import get_settings
from intercop.workspace import init_workspace

log = logging.getLogger(__name__)

app = typer.Typer(
    name="intercop",
    help="InterCOP: seized-platform data to prevention, for cyber-offender-prevention teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"intercop {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder (default: $INTERCOP_HOME)."),
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs.")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """InterCOP platform command line."""
    STATE.workspace_path = workspace
    level = get_settings().log_level if verbose == 0 else ("INFO" if verbose == 1 else "DEBUG")
    configure(level)


@app.command()
def init(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a workspace (safe to run again)."""
    ws = init_workspace(STATE.root())
    if as_json:
        print_json({"workspace": str(ws.root)})
    else:
        out.print(f"Workspace ready at [bold]{ws.root}[/bold]")


app.add_typer(synth.app, name="synth")
app.command("ingest")(ingest.ingest)
app.command("datasets")(datasets.list_datasets)
app.add_typer(datasets.dataset_app, name="dataset")
app.add_typer(mapping.app, name="mapping")
app.command("resolve")(resolve.resolve)
app.command("persons")(persons.persons)
app.command("review")(persons.review)
app.add_typer(persons.person_app, name="person")
app.command("judge")(judge.judge)
app.command("cohorts")(cohorts.cohorts)
app.command("demo")(demo.demo)
app.add_typer(users.app, name="user")
app.add_typer(tokens.app, name="token")
app.add_typer(audit.app, name="audit")

app.command("triage")(triage.triage)
app.add_typer(cases.app, name="case")
app.add_typer(pilots.app, name="pilot")
app.add_typer(outcomes.app, name="outcome")
app.add_typer(campaigns.app, name="campaign")
app.add_typer(campaigns.bounces_app, name="bounces")
app.add_typer(campaigns.contact_app, name="contact")
app.command("splash")(splash.splash)
app.add_typer(evaluate.app, name="evaluate")
app.command("serve")(serve.serve)
app.add_typer(agency.agency_app, name="agency")
app.add_typer(exchange.exchange_app, name="exchange")
app.add_typer(retention.app, name="retention")
app.add_typer(share.share_app, name="share")
app.add_typer(knowledge.knowledge_app, name="knowledge")


def main() -> None:
    """Console script: an ``IntercopError`` becomes one line on stderr and exit code 1.

    Usage errors are reported by Typer itself (exit code 2).
    """
    try:
        app()
    except IntercopError as exc:
        # one line, never wrapped, so scripts and people read the same thing
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was kept")
        sys.exit(130)
