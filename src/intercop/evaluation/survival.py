"""Survival analysis: Cox proportional hazards (Efron ties), Kaplan-Meier, log-rank.

Everything is fitted with lifelines. The inputs are checked first (see ``design``) so
that a degenerate table raises an ``EvaluationError`` naming the arm or column instead
of returning NaN; the outputs are frozen dataclasses with finite numbers only.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, multivariate_logrank_test, proportional_hazard_test

from intercop.evaluation.design import check_covariates
from intercop.evaluation.errors import EvaluationError

log = logging.getLogger(__name__)

#: a |log hazard ratio| beyond this means the likelihood had no maximum (separation)
_SEPARATION = 15.0
#: an interval bound beyond this (on the log scale) means the data cannot bound it
_INTERVAL = 50.0
PH_ALPHA = 0.05


@dataclass(frozen=True)
class Coefficient:
    """One term of a Cox model; ``ci_*`` on the coefficient's scale, ``exp_ci_*`` as a ratio."""

    name: str
    coef: float
    exp_coef: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    exp_ci_low: float
    exp_ci_high: float


@dataclass(frozen=True)
class PHTest:
    """The Schoenfeld-residual test of proportional hazards for one term (rank time)."""

    name: str
    statistic: float
    p: float

    @property
    def violated(self) -> bool:
        return self.p < PH_ALPHA


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model: coefficients, fit statistics and the proportional-hazards check."""

    n: int
    events: int
    coefficients: tuple[Coefficient, ...]
    concordance: float
    log_likelihood: float
    ph_tests: tuple[PHTest, ...]
    ties: str = "efron"
    model: str = "cox"

    def coefficient(self, name: str) -> Coefficient:
        """The term called ``name``."""
        for c in self.coefficients:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class KMCurve:
    """The Kaplan-Meier survival curve of one arm, as steps at the event times."""

    arm: str
    n: int
    events: int
    times: tuple[float, ...]
    survival: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    median: float | None  # None while more than half have not had the event


@dataclass(frozen=True)
class LogRank:
    """The log-rank test of equal survival across the arms."""

    statistic: float
    df: int
    p: float


def _frame(durations: Sequence[float], events: Sequence[int], what: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"_duration": np.asarray(durations, dtype=float), "_event": np.asarray(events, dtype=int)}
    )
    if frame.empty:
        raise EvaluationError(f"{what}: no rows to analyse")
    if not np.isfinite(frame["_duration"]).all() or (frame["_duration"] < 0).any():
        raise EvaluationError(f"{what}: durations must be finite and not negative")
    if not frame["_event"].isin([0, 1]).all():
        raise EvaluationError(f"{what}: the event flag must be 0 or 1")
    return frame


def fit_cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    level: float = 0.95,
    what: str = "Cox model",
) -> CoxResult:
    """Fit a Cox model of ``event`` at ``duration`` on ``covariates`` (Efron ties).

    Args:
        data: one row per person; the named columns numeric.
        duration: time to the event or to censoring.
        event: 1 if the event was seen, 0 if censored.
        covariates: the terms; each must vary and none may be a combination of others.
        level: confidence level of the intervals.
        what: how errors name the model.
    """
    if not covariates:
        raise EvaluationError(f"{what}: name at least one covariate")
    frame = _frame(data[duration], data[event], what)
    for column in covariates:
        frame[column] = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    events = int(frame["_event"].sum())
    if events < 2:
        raise EvaluationError(
            f"{what}: {events} event(s) among {len(frame)} rows; a hazard ratio needs at "
            "least two events (and, as a rule of thumb, ten per covariate)"
        )
    check_covariates(frame, covariates, what=what)
    _check_separation_by_binary(frame, covariates, what)
    fitter = CoxPHFitter(alpha=1.0 - level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            fitter.fit(frame, duration_col="_duration", event_col="_event")
        except (ConvergenceError, np.linalg.LinAlgError) as exc:
            raise EvaluationError(f"{what}: the model did not converge ({exc})") from exc
    summary = fitter.summary
    coefficients = []
    for name in covariates:
        row = summary.loc[name]
        values = [float(v) for v in row[["coef", "se(coef)", "z", "p"]]]
        low, high = (float(v) for v in fitter.confidence_intervals_.loc[name])
        if not all(math.isfinite(v) for v in [*values, low, high]):
            raise EvaluationError(f"{what}: the term {name!r} could not be estimated")
        if abs(values[0]) > _SEPARATION:
            raise EvaluationError(
                f"{what}: the term {name!r} has no finite estimate (the events are all on one "
                "side of it: complete separation)"
            )
        if max(abs(low), abs(high)) > _INTERVAL:
            raise EvaluationError(
                f"{what}: the term {name!r} has no finite confidence interval (its standard "
                f"error is {values[1]:.3g}: too few persons or events on one side of it)"
            )
        coefficients.append(
            Coefficient(
                name,
                values[0],
                math.exp(values[0]),
                values[1],
                values[2],
                values[3],
                low,
                high,
                math.exp(low),
                math.exp(high),
            )
        )
    return CoxResult(
        n=len(frame),
        events=events,
        coefficients=tuple(coefficients),
        concordance=float(fitter.concordance_index_),
        log_likelihood=float(fitter.log_likelihood_),
        ph_tests=_ph_tests(fitter, frame, covariates),
    )


def _check_separation_by_binary(frame: pd.DataFrame, covariates: Sequence[str], what: str) -> None:
    """A 0/1 covariate whose one level has every event (or none) has no finite ratio."""
    for column in covariates:
        levels = frame[column].unique()
        if len(levels) != 2:
            continue
        for level in levels:
            group = frame[frame[column] == level]
            if group["_event"].sum() == 0:
                raise EvaluationError(
                    f"{what}: no event where {column!r} = {level:g}; its hazard ratio would "
                    "be zero or infinite (complete separation)"
                )


def _ph_tests(
    fitter: CoxPHFitter, frame: pd.DataFrame, covariates: Sequence[str]
) -> tuple[PHTest, ...]:
    """lifelines' proportional_hazard_test (rank-transformed time), one row per term."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = proportional_hazard_test(fitter, frame, time_transform="rank")
    table = result.summary
    tests = []
    for name in covariates:
        statistic, p = float(table.loc[name, "test_statistic"]), float(table.loc[name, "p"])
        if math.isfinite(statistic) and math.isfinite(p):
            tests.append(PHTest(name, statistic, p))
        else:
            log.info("no proportional-hazards test for %s (not finite)", name)
    return tuple(tests)


def kaplan_meier(
    durations: Sequence[float],
    events: Sequence[int],
    arms: Sequence[str],
    *,
    order: Sequence[str] | None = None,
    level: float = 0.95,
) -> tuple[KMCurve, ...]:
    """One Kaplan-Meier curve per arm (in ``order`` when given, else sorted)."""
    frame = _frame(durations, events, "Kaplan-Meier")
    frame["_arm"] = [str(a) for a in arms]
    names = list(order) if order is not None else sorted(frame["_arm"].unique())
    curves = []
    for arm in names:
        group = frame[frame["_arm"] == arm]
        if group.empty:
            raise EvaluationError(f"arm {arm!r} is empty: no person to follow")
        fitter = KaplanMeierFitter(alpha=1.0 - level)
        fitter.fit(group["_duration"], group["_event"], label=arm)
        survival = fitter.survival_function_[arm].to_numpy(dtype=float)
        bounds = fitter.confidence_interval_survival_function_.to_numpy(dtype=float)
        low = np.where(np.isfinite(bounds[:, 0]), bounds[:, 0], survival)
        high = np.where(np.isfinite(bounds[:, 1]), bounds[:, 1], survival)
        median = float(fitter.median_survival_time_)
        curves.append(
            KMCurve(
                arm=arm,
                n=len(group),
                events=int(group["_event"].sum()),
                times=tuple(float(t) for t in fitter.survival_function_.index),
                survival=tuple(float(s) for s in survival),
                ci_low=tuple(float(v) for v in low),
                ci_high=tuple(float(v) for v in high),
                median=median if math.isfinite(median) else None,
            )
        )
    return tuple(curves)


def log_rank(durations: Sequence[float], events: Sequence[int], arms: Sequence[str]) -> LogRank:
    """The log-rank test across the arms (two or more)."""
    frame = _frame(durations, events, "log-rank test")
    frame["_arm"] = [str(a) for a in arms]
    names = sorted(frame["_arm"].unique())
    if len(names) < 2:
        raise EvaluationError(f"log-rank test: only one arm ({names[0]!r}); two are needed")
    if frame["_event"].sum() == 0:
        raise EvaluationError("log-rank test: no events in any arm; nothing to compare")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(names) == 2:
            a, b = (frame[frame["_arm"] == n] for n in names)
            result = logrank_test(a["_duration"], b["_duration"], a["_event"], b["_event"])
        else:
            result = multivariate_logrank_test(frame["_duration"], frame["_arm"], frame["_event"])
    statistic, p = float(result.test_statistic), float(result.p_value)
    if not (math.isfinite(statistic) and math.isfinite(p)):
        raise EvaluationError("log-rank test: the statistic could not be computed")
    return LogRank(statistic, int(result.degrees_of_freedom), p)
