"""``intercop datasets`` and ``intercop dataset show ID``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.evidence.manifest import Manifest
from intercop.evidence.mapping import Mapping
from intercop.evidence.vault import Vault

dataset_app = typer.Typer(help="Look at one dataset.", no_args_is_help=True)


def list_datasets(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """List the datasets in the vault."""
    manifests = Vault(STATE.workspace()).manifests()
    if as_json:
        print_json([_row(m) for m in manifests])
        return
    if not manifests:
        out.print("No datasets yet: `intercop ingest FILE --platform NAME` adds one.")
        return
    table = Table(title="Datasets")
    for col in (
        "id",
        "platform",
        "kind",
        "seized",
        "agency",
        "tables",
        "accounts",
        "identifiers",
        "events",
        "quarantined",
    ):
        table.add_column(
            col,
            justify="right"
            if col in ("accounts", "identifiers", "events", "quarantined", "tables")
            else "left",
        )
    for m in manifests:
        r = _row(m)
        table.add_row(
            *(
                str(r[k]) if r[k] is not None else ""
                for k in (
                    "dataset_id",
                    "platform",
                    "kind",
                    "seized_on",
                    "agency",
                    "tables",
                    "accounts",
                    "identifiers",
                    "events",
                    "quarantined",
                )
            )
        )
    out.print(table)


def _row(m: Manifest) -> dict[str, object]:
    return {
        "dataset_id": m.dataset_id,
        "platform": m.platform,
        "kind": m.kind,
        "seized_on": m.seized_on.isoformat() if m.seized_on else None,
        "agency": m.agency,
        "ingested_at": m.ingested_at.isoformat(),
        "tables": len(m.tables),
        "accounts": m.canonical.get("accounts", 0),
        "identifiers": m.canonical.get("identifiers", 0),
        "events": m.canonical.get("events", 0),
        "quarantined": m.quarantined,
    }


@dataset_app.command("show")
def show(
    dataset_id: Annotated[str, typer.Argument(help="Dataset id (a unique prefix is enough).")],
    explain: Annotated[bool, typer.Option(help="Also show each column's role and why.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Show a dataset's manifest: sources and hashes, tables, mapping, secrets, quarantine."""
    manifest = Vault(STATE.workspace()).manifest(dataset_id)
    if as_json:
        print_json(manifest.model_dump(mode="json"))
        return
    render_manifest(manifest)
    if explain:
        from intercop.cli.mapping import render_mapping

        render_mapping(Mapping.model_validate(manifest.mapping))


def render_manifest(m: Manifest) -> None:
    """Human view of a manifest."""
    out.print(
        f"[bold]{m.dataset_id}[/bold]  {m.platform} ({m.kind}), agency {m.agency}, "
        f"seized {m.seized_on or 'unknown'}, retained until {m.retention_until}"
    )
    sources = Table(title="Sources", show_lines=False)
    for col in ("file", "bytes", "sha256", "read as"):
        sources.add_column(col)
    for s in m.sources:
        sources.add_row(s.name, f"{s.size:,}", s.sha256, ", ".join(sorted(set(s.formats))))
    out.print(sources)
    tables = Table(title=f"Tables (mapping: {m.mapping_software})")
    for col in ("table", "rows", "role", "columns"):
        tables.add_column(col, justify="right" if col == "rows" else "left")
    # the manifest keeps the mapping as validated JSON: read it back through its model
    roles = {name: t.role.value for name, t in Mapping.model_validate(m.mapping).tables.items()}
    for name, t in m.tables.items():
        tables.add_row(name, f"{t.rows:,}", roles.get(name, ""), str(len(t.columns)))
    out.print(tables)
    c = m.canonical
    out.print(
        f"canonical: {c.get('accounts', 0):,} accounts, "
        f"{c.get('identifiers', 0):,} identifiers, {c.get('events', 0):,} events"
    )
    if m.secrets:
        out.print(
            "minimised: " + ", ".join(f"{s.table}.{s.column} ({s.action})" for s in m.secrets)
        )
    if m.quarantined:
        reasons = "; ".join(f"{r}: {n}" for r, n in m.quarantine_reasons.items())
        out.print(f"[yellow]quarantined {m.quarantined:,}[/yellow] ({reasons})")
