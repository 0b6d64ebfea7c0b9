"""Results told as documents: findings in plain words, tables and charts, and the caveats."""

from __future__ import annotations

from dataclasses import asdict

from intercop.evaluation import wording
from intercop.evaluation.charts import its_chart, km_chart
from intercop.evaluation.document import Document, Section, Table, interval, number, p_value
from intercop.evaluation.imported import LogisticAnalysis, SurvivalAnalysis, its_as_json
from intercop.evaluation.jsonable import to_jsonable
from intercop.evaluation.logistic import LogisticResult
from intercop.evaluation.pilot import PilotEvaluation
from intercop.evaluation.power import PowerResult
from intercop.evaluation.survival import CoxResult, KMCurve, LogRank
from intercop.evaluation.timeseries import ITSResult


def _cox_table(cox: CoxResult) -> Table:
    return Table(
        ("term", "hazard ratio", "95% CI", "coef", "se", "p", "PH check p"),
        tuple(
            (
                c.name,
                number(c.exp_coef),
                interval(c.exp_ci_low, c.exp_ci_high, 3),
                number(c.coef, 5),
                number(c.se, 5),
                p_value(c.p),
                next((p_value(t.p) for t in cox.ph_tests if t.name == c.name), "—"),
            )
            for c in cox.coefficients
        ),
        f"Cox proportional hazards, Efron ties; n = {cox.n}, events = {cox.events}, "
        f"concordance = {cox.concordance:.3f}",
    )


def _logistic_table(result: LogisticResult) -> Table:
    return Table(
        ("term", "odds ratio", "95% CI", "coef", "se", "p"),
        tuple(
            (
                t.name,
                number(t.odds_ratio),
                interval(t.ci_low, t.ci_high, 3),
                number(t.coef, 4),
                number(t.se, 4),
                p_value(t.p),
            )
            for t in result.terms
        ),
        f"Logistic regression; n = {result.n}, with the outcome = {result.events}",
    )


def _km_section(curves: tuple[KMCurve, ...], logrank: LogRank | None, unit: str) -> Section:
    rows = tuple(
        (c.arm, str(c.n), str(c.events), "not reached" if c.median is None else number(c.median, 1))
        for c in curves
    )
    words: tuple[str, ...] = ()
    if logrank is not None:
        words = (
            f"Log-rank test of equal survival across the groups: chi² = {logrank.statistic:.2f} "
            f"on {logrank.df} df, p = {p_value(logrank.p)}.",
        )
    return Section(
        "Kaplan-Meier curves",
        words,
        (km_chart(curves, unit=unit),) if curves else (),
        (Table(("group", "persons", "events", f"median time ({unit})"), rows),),
    )


def survival_document(analysis: SurvivalAnalysis) -> Document:
    """The report of a Cox model (and KM/log-rank) of an imported table."""
    cox = analysis.cox
    flagged = [t.name for t in cox.ph_tests if t.violated]
    sections = [
        Section(
            "Cox proportional-hazards model",
            (wording.HAZARD, wording.PH)
            + ((f"The check flags: {', '.join(flagged)}.",) if flagged else ()),
            tables=(_cox_table(cox),),
        )
    ]
    if analysis.treatment is not None:
        sections.append(_km_section(analysis.kaplan_meier, analysis.logrank, analysis.duration))
    first = cox.coefficients[0]
    return Document(
        title="Survival analysis",
        subtitle=f"{analysis.source}: time {analysis.duration}, event {analysis.event}",
        summary=(
            f"{cox.n} persons, {cox.events} events. {first.name}: hazard ratio "
            f"{first.exp_coef:.2f} (95% CI {interval(first.exp_ci_low, first.exp_ci_high)}), "
            f"p = {p_value(first.p)}.",
        ),
        sections=tuple(sections),
        caveats=(wording.INTERVALS, wording.NOT_CAUSAL),
        data=analysis.as_json(),
    )


def logistic_document(analysis: LogisticAnalysis) -> Document:
    """The report of a logistic model of an imported table."""
    result = analysis.result
    return Document(
        title="Logistic regression",
        subtitle=f"{analysis.source}: outcome {analysis.outcome}",
        summary=(f"{result.n} persons, {result.events} with the outcome.",),
        sections=(
            Section("Adjusted odds ratios", (wording.ODDS,), tables=(_logistic_table(result),)),
        ),
        caveats=(wording.INTERVALS, wording.NOT_CAUSAL),
        data=analysis.as_json(),
    )


def its_document(result: ITSResult, source: str) -> Document:
    """The report of an interrupted time series."""
    effects = [t for t in result.terms if t.kind in ("step", "ramp")]
    rows = tuple(
        (
            t.intervention or "",
            t.kind,
            number(t.rate_ratio),
            interval(t.ci_low, t.ci_high, 3),
            p_value(t.p),
        )
        for t in effects
    )
    summary = tuple(
        f"{t.intervention}: counts changed at once by a factor {t.rate_ratio:.2f} "
        f"(95% CI {interval(t.ci_low, t.ci_high)}), i.e. {abs(1 - t.rate_ratio):.0%} "
        f"{'fewer' if t.rate_ratio < 1 else 'more'} than expected."
        for t in effects
        if t.kind == "step"
    )
    other = tuple(
        (t.name, number(t.rate_ratio, 4), interval(t.ci_low, t.ci_high, 4), p_value(t.p))
        for t in result.terms
        if t.kind in ("trend", "season")
    )
    return Document(
        title="Interrupted time series",
        subtitle=f"{source}: {len(result.weeks)} weeks, {result.weeks[0]} to {result.weeks[-1]}",
        summary=summary,
        sections=(
            Section(
                "Effect of the interventions",
                (
                    "Negative-binomial regression of the weekly counts with a trend"
                    + (", annual seasonality" if result.seasonality else "")
                    + " and, per intervention, a step (immediate change, as a rate ratio) and "
                    "a ramp (further change per week after it). Dispersion alpha = "
                    f"{result.alpha:.4f}.",
                    wording.ITS,
                ),
                (its_chart(result),),
                (
                    Table(("intervention", "term", "rate ratio", "95% CI", "p"), rows),
                    Table(
                        ("term", "rate ratio", "95% CI", "p"),
                        other,
                        "trend per year; season as Fourier terms",
                    ),
                ),
            ),
        ),
        caveats=(wording.INTERVALS,),
        data=its_as_json(result, source),
    )


def power_document(result: PowerResult) -> Document:
    """The report of a sample-size calculation."""
    return Document(
        title="Sample size for a pilot",
        subtitle=f"baseline {result.baseline:.0%}, effect (risk ratio) {result.effect:g}",
        summary=(
            f"To detect a fall from {result.baseline:.1%} to {result.treated:.1%} reoffending "
            f"with {result.power:.0%} power at alpha {result.alpha:g} "
            f"({'two' if result.two_sided else 'one'}-sided), each arm needs {result.n_per_arm} "
            f"persons ({result.n_total} in all; {result.n_per_arm_continuity} per arm with a "
            "continuity correction).",
        ),
        sections=(Section("Method", (result.method + ".",)),),
        caveats=(wording.POWER, wording.LOWER_BOUND),
        data=power_json(result),
    )


def power_json(result: PowerResult) -> dict[str, object]:
    """A sample-size result as JSON-ready values."""
    return {"model": "power", **asdict(result)}


def pilot_document(ev: PilotEvaluation) -> Document:
    """The report of a pilot evaluation."""
    flow = Table(
        ("arm", "allocated", "reached (message sent)", "excluded", "analysed"),
        tuple(
            (f.arm, str(f.allocated), str(f.reached), str(f.excluded), str(f.analysed))
            for f in ev.flow
        ),
        f"{ev.eligible} eligible persons were allocated",
    )
    reasons = tuple((f.arm, reason, str(n)) for f in ev.flow for reason, n in f.exclusions)
    balance = Table(
        ("covariate", *ev.arms, *(f"SMD {a}" for a in ev.arms[1:]), "unknown"),
        tuple(
            (
                row.covariate + (" (share)" if row.kind == "proportion" else " (mean)"),
                *(number(s.value, 2) for s in row.arms),
                *(number(v, 2) for _, v in row.smd),
                str(row.missing),
            )
            for row in ev.balance
        ),
        "standardised mean difference (SMD) against the reference arm; |SMD| > 0.1 suggests "
        "imbalance",
    )
    shares = Table(
        ("arm", "persons", "reoffended", "proportion", "95% CI (Wilson)"),
        tuple(
            (
                p.arm,
                str(p.n),
                str(p.events),
                f"{p.proportion:.1%}",
                interval(p.ci_low, p.ci_high, 3),
            )
            for p in ev.proportions
        ),
    )
    contrasts = Table(
        (
            "arm vs " + ev.reference,
            "risk difference",
            "95% CI (Newcombe)",
            "risk ratio",
            "95% CI (log)",
        ),
        tuple(
            (
                c.arm,
                f"{c.risk_difference:+.3f}",
                interval(c.rd_ci_low, c.rd_ci_high, 3),
                number(c.risk_ratio),
                interval(c.rr_ci_low, c.rr_ci_high, 3),
            )
            for c in ev.contrasts
        ),
    )
    sections = [
        Section(
            "Flow of persons",
            tables=(flow,)
            + ((Table(("arm", "reason excluded", "persons"), reasons),) if reasons else ()),
        ),
        Section("Balance of the arms", tables=(balance,)),
        Section(
            "Reoffending per arm",
            (
                f"Follow-up starts {ev.grace_days} days after t0 and ends at the event, the end "
                f"of the seized data (the newest takedown), or {ev.as_of.date()}. The "
                "proportion ignores how long each person was followed; the survival analysis "
                "below does not.",
            ),
            tables=(shares, contrasts),
        ),
    ]
    if ev.logistic is not None:
        sections.append(
            Section("Logistic regression", (wording.ODDS,), tables=(_logistic_table(ev.logistic),))
        )
    if ev.kaplan_meier:
        sections.append(_km_section(ev.kaplan_meier, ev.logrank, "days"))
    if ev.cox is not None:
        sections.append(
            Section(
                "Cox proportional-hazards model",
                (wording.HAZARD, wording.PH),
                tables=(_cox_table(ev.cox),),
            )
        )
    if ev.notes:
        sections.append(Section("Notes", ev.notes))
    summary = [
        f"{p.arm}: {p.events} of {p.n} seen reoffending ({p.proportion:.1%})."
        for p in ev.proportions
    ]
    if ev.cox is not None:
        for c in ev.cox.coefficients:
            if c.name.startswith("arm="):
                summary.append(
                    f"Hazard ratio of {c.name[4:]} against {ev.reference}: {c.exp_coef:.2f} "
                    f"(95% CI {interval(c.exp_ci_low, c.exp_ci_high)})."
                )
    return Document(
        title=f"Pilot evaluation: {ev.pilot.name}",
        subtitle=f"pilot {ev.pilot.id}, {ev.pilot.intervention}, agency {ev.pilot.agency}",
        summary=tuple(summary),
        sections=tuple(sections),
        caveats=(wording.RANDOMISED, wording.LOWER_BOUND, wording.INTERVALS),
        data=to_jsonable(ev.as_json()),
    )
