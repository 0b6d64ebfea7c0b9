"""Analyses of an imported table: survival, logistic regression and interrupted time series.

These read the file (``outcome_table``), turn named columns into model inputs and call
the pure fitting functions; the CLI only parses options and prints the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from intercop.evaluation.errors import EvaluationError, OutcomeTableError
from intercop.evaluation.jsonable import by_name, to_jsonable
from intercop.evaluation.logistic import LogisticResult, fit_logistic
from intercop.evaluation.outcome_table import OutcomeTable, read_outcome_table
from intercop.evaluation.pilot import pick_reference
from intercop.evaluation.survival import (
    CoxResult,
    KMCurve,
    LogRank,
    fit_cox,
    kaplan_meier,
    log_rank,
)
from intercop.evaluation.timeseries import Intervention, ITSResult, fit_its


@dataclass(frozen=True)
class SurvivalAnalysis:
    """A Cox model of an imported table, with Kaplan-Meier and log-rank by treatment."""

    source: str
    duration: str
    event: str
    cox: CoxResult
    treatment: str | None
    kaplan_meier: tuple[KMCurve, ...]
    logrank: LogRank | None

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready values, coefficients keyed by name."""
        cox = to_jsonable(self.cox)
        data: dict[str, Any] = {
            "model": "cox",
            "source": self.source,
            "duration": self.duration,
            "event": self.event,
            "n": cox["n"],
            "events": cox["events"],
            "ties": cox["ties"],
            "coefficients": by_name(cox["coefficients"]),
            "concordance": cox["concordance"],
            "log_likelihood": cox["log_likelihood"],
            "ph_tests": by_name(cox["ph_tests"]),
        }
        if self.treatment is not None:
            data["treatment"] = self.treatment
            data["kaplan_meier"] = to_jsonable(self.kaplan_meier)
            data["logrank"] = to_jsonable(self.logrank)
        return data


@dataclass(frozen=True)
class LogisticAnalysis:
    """A logistic model of an imported table."""

    source: str
    outcome: str
    result: LogisticResult

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready values, terms keyed by name."""
        data = to_jsonable(self.result)
        data["terms"] = by_name(data["terms"])
        return {"model": "logistic", "source": self.source, "outcome": self.outcome, **data}


def its_as_json(result: ITSResult, source: str) -> dict[str, Any]:
    """An interrupted time series as JSON-ready values, terms keyed by name."""
    data = to_jsonable(result)
    data["terms"] = by_name(data["terms"])
    return {"source": source, **data}


def _covariate_frame(
    table: OutcomeTable, covariates: Sequence[str], treatment: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """The numeric covariates, plus the treatment as 0/1 terms when it is not among them."""
    table.require([*covariates, *([treatment] if treatment else [])])
    frame = pd.DataFrame({c: table.numeric(c) for c in covariates})
    terms = list(covariates)
    if treatment is not None and treatment not in covariates:
        labels = table.labels(treatment)
        levels = sorted(labels.unique())
        numeric = pd.to_numeric(labels, errors="coerce")
        if numeric.notna().all() and set(numeric.unique()) <= {0.0, 1.0}:
            frame[treatment] = numeric.to_numpy(dtype=float)
            terms.insert(0, treatment)
        else:
            ref = pick_reference(levels, None)
            for level in levels:
                if level != ref:
                    frame[f"{treatment}={level}"] = (labels == level).to_numpy(dtype=float)
                    terms.insert(0, f"{treatment}={level}")
    return frame, terms


def survival_from_table(
    path: Path,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    treatment: str | None = None,
) -> SurvivalAnalysis:
    """A Cox model (Efron ties) of ``event`` at ``duration``; KM and log-rank by ``treatment``."""
    if not covariates and treatment is None:
        raise EvaluationError("name the covariates (--covariates) or a treatment column")
    table = read_outcome_table(path)
    table.require([duration, event])
    frame, terms = _covariate_frame(table, covariates, treatment)
    frame["_duration"] = table.duration(duration)
    frame["_event"] = table.event(event)
    cox = fit_cox(frame, "_duration", "_event", terms, what=f"{path.name}: Cox model")
    curves: tuple[KMCurve, ...] = ()
    logrank = None
    if treatment is not None:
        arms = table.labels(treatment)
        curves = kaplan_meier(frame["_duration"], frame["_event"], arms)
        logrank = log_rank(frame["_duration"], frame["_event"], arms)
    return SurvivalAnalysis(str(path), duration, event, cox, treatment, curves, logrank)


def logistic_from_table(
    path: Path, outcome: str, covariates: Sequence[str], *, treatment: str | None = None
) -> LogisticAnalysis:
    """Adjusted odds ratios of the 0/1 ``outcome`` on ``covariates`` (and ``treatment``)."""
    if not covariates and treatment is None:
        raise EvaluationError("name the covariates (--covariates) or a treatment column")
    table = read_outcome_table(path)
    table.require([outcome])
    frame, terms = _covariate_frame(table, covariates, treatment)
    frame["_outcome"] = table.event(outcome)
    result = fit_logistic(frame, "_outcome", terms, what=f"{path.name}: logistic model")
    return LogisticAnalysis(str(path), outcome, result)


def its_from_table(
    path: Path,
    date_column: str,
    count_column: str,
    interventions: Sequence[Intervention],
    *,
    seasonality: bool | None = None,
) -> ITSResult:
    """The interrupted time series of an imported weekly series."""
    table = read_outcome_table(path)
    table.require([date_column, count_column])
    counts = table.numeric(count_column)
    weeks: list[date] = []
    for i, text in enumerate(table.labels(date_column)):
        try:
            weeks.append(date.fromisoformat(text[:10]))
        except ValueError as exc:
            raise OutcomeTableError(
                f"column {date_column!r}: {text!r} is not a date (YYYY-MM-DD)",
                path=path,
                line=table.where(i),
            ) from exc
    for i, value in enumerate(counts):
        if value < 0 or value != int(value):
            raise OutcomeTableError(
                f"column {count_column!r}: {value:g} is not a count (a whole number, 0 or more)",
                path=path,
                line=table.where(i),
            )
    return fit_its(weeks, [int(v) for v in counts], interventions, seasonality=seasonality)
