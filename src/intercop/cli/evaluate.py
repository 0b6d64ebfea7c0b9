"""``intercop evaluate``: survival, logistic, its, power and pilot evaluations with reports."""

from __future__ import annotations

# The statistics modules load scipy, statsmodels, lifelines and matplotlib (seconds):
# each command imports them itself so that `intercop` starts fast for everything else.
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt
from intercop.evaluation.errors import EvaluationError
from intercop.store.database import open_store

if TYPE_CHECKING:
    from intercop.evaluation.document import Document

#: days after t0 before activity counts (as intercop.evaluation.reoffending)
GRACE_DAYS = 14

app = typer.Typer(
    help="Does an intervention reduce reoffending? Pilots, survival, time series, power.",
    no_args_is_help=True,
)

ReportOption = Annotated[
    Path | None,
    typer.Option("--report", help="Also write a report: FILE.html, FILE.pdf or FILE.json."),
]
DataOption = Annotated[
    Path, typer.Option("--data", help="The table: CSV/TSV with a header line, or Parquet.")
]
CovariatesOption = Annotated[
    str, typer.Option("--covariates", help="Comma-separated numeric covariate columns.")
]
TreatmentOption = Annotated[
    str | None,
    typer.Option("--treatment", help="Column of the arm or group (KM and log-rank by it)."),
]


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _finish(doc: Document, as_json: bool, report: Path | None) -> None:
    """Write the report if asked, then print the JSON or the plain-word summary."""
    from intercop.evaluation.reports import write_report

    if report is not None:
        write_report(doc, report)
    if as_json:
        print_json(doc.data)
        return
    out.print(f"[bold]{doc.title}[/bold] — {doc.subtitle}")
    for line in doc.summary:
        out.print(line)
    for section in doc.sections:
        for table in section.tables:
            shown = Table(*table.headers, title=section.heading, caption=table.caption or None)
            for row in table.rows:
                shown.add_row(*row)
            out.print(shown)
    if report is not None:
        out.print(f"\nReport written to [bold]{report}[/bold]")


@app.command("survival")
def survival(
    data: DataOption,
    duration: Annotated[str, typer.Option("--duration", help="Column: time to event or end.")],
    event: Annotated[str, typer.Option("--event", help="Column: 1 event seen, 0 censored.")],
    covariates: CovariatesOption = "",
    treatment: TreatmentOption = None,
    report: ReportOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Cox proportional-hazards model (Efron ties) of an imported outcome table."""
    from intercop.evaluation.imported import survival_from_table
    from intercop.evaluation.narratives import survival_document

    analysis = survival_from_table(data, duration, event, _columns(covariates), treatment=treatment)
    _finish(survival_document(analysis), as_json, report)


@app.command("logistic")
def logistic(
    data: DataOption,
    outcome: Annotated[str, typer.Option("--outcome", help="Column: the 0/1 outcome.")],
    covariates: CovariatesOption = "",
    treatment: TreatmentOption = None,
    report: ReportOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Logistic regression of a 0/1 outcome: adjusted odds ratios with 95% CIs."""
    from intercop.evaluation.imported import logistic_from_table
    from intercop.evaluation.narratives import logistic_document

    analysis = logistic_from_table(data, outcome, _columns(covariates), treatment=treatment)
    _finish(logistic_document(analysis), as_json, report)


@app.command("its")
def its(
    data: DataOption,
    date: Annotated[str, typer.Option("--date", help="Column: the week (YYYY-MM-DD).")],
    count: Annotated[str, typer.Option("--count", help="Column: the count of the week.")],
    intervention: Annotated[
        list[str],
        typer.Option("--intervention", help="DATE or DATE:name of an intervention (repeatable)."),
    ],
    season: Annotated[
        bool | None,
        typer.Option("--season/--no-season", help="Annual seasonality (default: a year+ of data)."),
    ] = None,
    report: ReportOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Interrupted time series of weekly counts around dated interventions."""
    from intercop.evaluation.imported import its_from_table
    from intercop.evaluation.narratives import its_document
    from intercop.evaluation.timeseries import parse_intervention

    items = [parse_intervention(text) for text in intervention]
    result = its_from_table(data, date, count, items, seasonality=season)
    _finish(its_document(result, str(data)), as_json, report)


@app.command("power")
def power(
    baseline: Annotated[float, typer.Option("--baseline", help="Control arm's proportion.")],
    effect: Annotated[float, typer.Option("--effect", help="Risk ratio to detect, e.g. 0.7.")],
    alpha: Annotated[float, typer.Option("--alpha", help="False-positive rate.")] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Chance to detect the effect.")] = 0.8,
    one_sided: Annotated[bool, typer.Option("--one-sided", help="A one-sided test.")] = False,
    report: ReportOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Sample size per arm to detect a change in reoffending (two proportions)."""
    from intercop.evaluation.narratives import power_document
    from intercop.evaluation.power import sample_size

    result = sample_size(baseline, effect, alpha=alpha, power=power, two_sided=not one_sided)
    _finish(power_document(result), as_json, report)


def _as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise EvaluationError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@app.command("pilot")
def pilot(
    pilot_id: Annotated[int, typer.Argument(help="The pilot's id.")],
    grace: Annotated[
        int, typer.Option("--grace", help="Days after t0 before activity counts.", min=0)
    ] = GRACE_DAYS,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of follow-up (default: now).")
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Arm to compare with (default: control).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who runs it (default: $INTERCOP_USER).")
    ] = None,
    report: ReportOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate a pilot: flow, balance, reoffending per arm, logistic, KM, log-rank, Cox."""
    from intercop.evaluation.narratives import pilot_document
    from intercop.evaluation.pilot import evaluate_pilot_as

    workspace = STATE.workspace()
    with open_store(workspace) as store:
        result = evaluate_pilot_as(
            store,
            workspace,
            pilot_id,
            user,
            grace_days=grace,
            as_of=_as_of(as_of),
            reference=reference,
            report=str(report) if report else None,
        )
    doc = pilot_document(result)
    _finish(doc, as_json, report)
    if not as_json:
        for note in result.notes:
            out.print(f"[yellow]note:[/yellow] {note}")
