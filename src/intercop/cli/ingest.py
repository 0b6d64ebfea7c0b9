"""``intercop ingest``: seized files -> a dataset in the vault."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from intercop.cli.context import STATE, out, print_json
from intercop.cli.progress import byte_progress
from intercop.errors import InputError
from intercop.evidence.ingest import IngestRequest
from intercop.evidence.ingest import ingest as run_ingest


def parse_date(value: str | None, option: str) -> date | None:
    """An ISO date from the command line, or a clear error."""
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(
            f"{value!r} is not a date", path=option, hint="Write it as YYYY-MM-DD"
        ) from None


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Seized files (dumps, archives, tables).")],
    platform: Annotated[str, typer.Option("--platform", "-p", help="Name of the platform.")],
    kind: Annotated[str, typer.Option(help="booter | forum | market | other")] = "other",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML mapping overriding detection.")
    ] = None,
    seized_on: Annotated[
        str | None, typer.Option("--seized-on", help="Date of the seizure, YYYY-MM-DD.")
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="Owner agency (country code); default $INTERCOP_AGENCY.")
    ] = None,
    legal_basis: Annotated[
        str, typer.Option("--legal-basis", help="Warrant or case reference.")
    ] = "",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Force a reader: mysql, postgres, sqlite, csv, json."),
    ] = None,
    explain: Annotated[bool, typer.Option(help="Print the mapping chosen and why.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Ingest seized files as one immutable dataset (a no-op for bytes already ingested)."""
    settings = STATE.settings()
    ws = STATE.workspace()
    request = IngestRequest(
        paths=tuple(paths),
        platform=platform,
        kind=kind,
        mapping_file=mapping,
        seized_on=parse_date(seized_on, "--seized-on"),
        agency=(agency or settings.agency).upper(),
        legal_basis=legal_basis,
        format=fmt,
    )
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with byte_progress(total, "ingesting") as progress:
        result = run_ingest(ws, request, settings, progress)
    if result.created:  # LED art. 25: the collection is logged (issue 7)
        from intercop.lawful.recording import record_ingest
        from intercop.store.database import open_store

        with open_store(ws) as store:
            record_ingest(store, result.manifest)
    if as_json:
        summary = result.summary()
        if explain:
            summary["mapping"] = result.mapping.model_dump(mode="json")
        print_json(summary)
        return
    m = result.manifest
    if result.created:
        out.print(
            f"Dataset [bold]{m.dataset_id}[/bold] ({m.platform}, {m.kind}) ingested "
            f"in {m.seconds:.1f} s"
        )
    else:
        out.print(
            f"These bytes are already dataset [bold]{m.dataset_id}[/bold] "
            f"({m.platform}); nothing to do"
        )
    if explain:
        from intercop.cli.mapping import render_mapping

        render_mapping(result.mapping)
    from intercop.cli.datasets import render_manifest

    render_manifest(m)
