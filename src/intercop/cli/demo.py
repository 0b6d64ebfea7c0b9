"""``intercop demo``: the main job on embedded defaults."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, err, out, print_json
from intercop.demo import run_demo


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the synthetic scenario.")] = 1,
    scale: Annotated[float, typer.Option(help="Size of the scenario (1.0 ~ 8 MB).")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Generate a synthetic takedown scenario, ingest it, and show the datasets per country."""
    report = run_demo(
        STATE.root(),
        STATE.settings(),
        seed=seed,
        scale=scale,
        step=None if as_json else (lambda msg: err.print(f"[dim]- {msg}[/dim]")),
    )
    if as_json:
        print_json(
            {
                "workspace": str(report.workspace.root),
                "datasets": [r.summary() for r in report.results],
                "by_country": [c.__dict__ for c in report.countries],
            }
        )
        return
    table = Table(
        title="Datasets: accounts, identifiers and events per country of the account's IPs"
    )
    for col in (
        "dataset",
        "platform",
        "kind",
        "seized",
        "country",
        "accounts",
        "identifiers",
        "events",
    ):
        table.add_column(
            col, justify="right" if col in ("accounts", "identifiers", "events") else "left"
        )
    per_dataset = defaultdict(list)
    for c in report.countries:
        per_dataset[c.dataset_id].append(c)
    for r in report.results:
        m = r.manifest
        first = True
        for c in per_dataset[m.dataset_id]:
            table.add_row(
                m.dataset_id if first else "",
                m.platform if first else "",
                m.kind if first else "",
                str(m.seized_on or "") if first else "",
                c.country,
                f"{c.accounts:,}",
                f"{c.identifiers:,}",
                f"{c.events:,}",
            )
            first = False
        table.add_section()
    out.print(table)
    total_q = sum(r.manifest.quarantined for r in report.results)
    dropped = [
        f"{r.manifest.platform}:{c}" for r in report.results for c in r.manifest.dropped_columns
    ]
    out.print(
        f"Quarantined rows: {total_q:,}. Dropped secret columns: {', '.join(dropped) or 'none'}."
    )
    out.print(
        f"Look at: the scenario and its ground truth in {report.scenario.out}, the vault in "
        f"{report.workspace.vault}; try `intercop --workspace {report.workspace.root} datasets` "
        f"and `intercop --workspace {report.workspace.root} dataset show "
        f"{report.results[0].manifest.dataset_id} --explain`."
    )
