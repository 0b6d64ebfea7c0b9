"""``intercop resolve``: accounts -> persons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intercop.cli.context import STATE, err, out, print_json
from intercop.identity.resolve import ResolveOptions
from intercop.identity.resolve import resolve as run_resolve
from intercop.lawful.recording import record_resolve
from intercop.store.database import open_store


def resolve(
    engine: Annotated[str, typer.Option(help="Linkage engine: duckdb or spark.")] = "duckdb",
    retrain: Annotated[bool, typer.Option(help="Train the linkage model again.")] = False,
    threshold: Annotated[
        float, typer.Option(help="Match probability a model link needs.", min=0.0, max=1.0)
    ] = 0.7,
    evaluate: Annotated[
        Path | None,
        typer.Option(help="Score against a synthetic scenario folder's ground truth."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Resolve every account in the vault into persons, with the evidence for each link."""
    ws = STATE.workspace()
    with open_store(ws) as store:
        result = run_resolve(
            ws,
            store,
            ResolveOptions(engine=engine, retrain=retrain, threshold=threshold),
            step=None if as_json else (lambda msg: err.print(f"[dim]- {msg}[/dim]")),
        )
        record_resolve(store, result.as_json())  # LED art. 25: combination (issue 7)
    summary = result.as_json()
    if evaluate is not None:
        from intercop.identity.evaluate import load_truth, score
        from intercop.identity.persons import person_of

        summary["evaluation"] = score(person_of(ws), load_truth(ws, evaluate)).__dict__
    if as_json:
        print_json(summary)
        return
    out.print(
        f"{result.accounts:,} accounts -> [bold]{result.persons:,} persons[/bold] "
        f"({result.links:,} links merged: {result.strong_links:,} strong, "
        f"{result.model_links:,} model pairs, {result.judgements:,} judgements) "
        f"in {result.seconds:.1f} s on {result.engine}"
    )
    if result.review:
        reasons = "; ".join(f"{r}: {n}" for r, n in result.review_reasons.items())
        out.print(f"[yellow]{result.review:,} links sent to review[/yellow] ({reasons})")
    for note in result.notes:
        out.print(f"[yellow]note:[/yellow] {note}")
    for hub in result.hubs[:10]:
        out.print(f"hub not used as evidence: {hub['kind']} shared by {hub['accounts']} accounts")
    if "evaluation" in summary:
        ev = summary["evaluation"]
        out.print(
            f"against ground truth: pairwise precision {ev['precision']:.3f}, recall "
            f"{ev['recall']:.3f}, F1 {ev['f1']:.3f}; B-cubed F1 {ev['bcubed_f1']:.3f}"
        )
