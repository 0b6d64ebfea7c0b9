"""Interrupted time series of weekly counts: negative-binomial regression around interventions.

The model (after Collier et al., "Booting the Booters", IMC 2019) of the count in week t:

    log E[y_t] = b0 + b1·years_t
                 + sum_k (s_k·sin(2πk·t/52.18) + c_k·cos(2πk·t/52.18))
                 + sum_i (step_i·[t >= d_i] + ramp_i·weeks since d_i)

with k = 1, 2 (annual seasonality, left out for series shorter than a year) and one
step and one ramp per dated intervention i. The dispersion alpha (Var = mu + alpha·mu²)
is estimated by maximum likelihood with statsmodels' discrete ``NegativeBinomial``;
the terms are then fitted as a GLM with that alpha, its standard errors scaled by the
Pearson chi²/df (a quasi-likelihood guard against dispersion the model misses).
exp(step) is the immediate rate ratio, exp(ramp) the further rate ratio per week after
the intervention. The counterfactual is the fitted series with every step and ramp set to 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from intercop.evaluation.design import check_covariates
from intercop.evaluation.errors import EvaluationError

YEAR_WEEKS = 365.25 / 7
HARMONICS = 2
MIN_SIDE = 4  # weeks needed before the first and after each intervention


@dataclass(frozen=True)
class Intervention:
    """A dated operation: a takedown, an ad campaign, a wave of warnings."""

    on: date
    name: str


@dataclass(frozen=True)
class RateRatio:
    """One term of the model as a rate ratio with its interval."""

    name: str
    kind: str  # trend, season, step, ramp
    coef: float
    se: float
    p: float
    rate_ratio: float
    ci_low: float
    ci_high: float
    intervention: str | None = None


@dataclass(frozen=True)
class ITSResult:
    """A fitted interrupted time series with the observed, fitted and counterfactual series."""

    weeks: tuple[date, ...]
    observed: tuple[int, ...]
    fitted: tuple[float, ...]
    counterfactual: tuple[float, ...]
    interventions: tuple[Intervention, ...]
    terms: tuple[RateRatio, ...]
    alpha: float  # negative-binomial dispersion
    seasonality: bool
    model: str = "its-negative-binomial"

    def term(self, name: str) -> RateRatio:
        """The term called ``name``."""
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)


def parse_intervention(text: str) -> Intervention:
    """``2018-12-19`` or ``2018-12-19:name`` as an ``Intervention``."""
    day, _, name = text.partition(":")
    try:
        on = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise EvaluationError(
            f"intervention {text!r}: {day!r} is not a date (YYYY-MM-DD[:name])"
        ) from exc
    return Intervention(on, name.strip() or on.isoformat())


def fit_its(
    weeks: Sequence[date],
    counts: Sequence[int],
    interventions: Sequence[Intervention],
    *,
    seasonality: bool | None = None,
    level: float = 0.95,
) -> ITSResult:
    """Fit the interrupted time series of weekly ``counts`` around ``interventions``.

    Args:
        weeks: the first day of each week, increasing.
        counts: the count of each week (non-negative integers).
        interventions: one or more dated interventions inside the series.
        seasonality: annual Fourier terms; by default only when the series spans a year.
        level: confidence level of the intervals.
    """
    days = pd.to_datetime(pd.Series(list(weeks)))
    y = np.asarray(counts, dtype=float)
    _check_series(days, y, interventions)
    t = ((days - days.iloc[0]).dt.days / 7.0).to_numpy()
    if seasonality is None:
        seasonality = t[-1] >= YEAR_WEEKS
    design = pd.DataFrame({"trend": t / YEAR_WEEKS})
    if seasonality:
        for k in range(1, HARMONICS + 1):
            design[f"sin{k}"] = np.sin(2 * math.pi * k * t / YEAR_WEEKS)
            design[f"cos{k}"] = np.cos(2 * math.pi * k * t / YEAR_WEEKS)
    effect_columns = []
    for item in interventions:
        since = ((days - pd.Timestamp(item.on)).dt.days / 7.0).to_numpy()
        design[f"step:{item.name}"] = (since >= 0).astype(float)
        design[f"ramp:{item.name}"] = np.clip(since, 0, None)
        effect_columns += [f"step:{item.name}", f"ramp:{item.name}"]
    check_covariates(design, list(design.columns), what="time series")
    exog = sm.add_constant(design, has_constant="add")
    alpha = _dispersion(y, exog)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = sm.GLM(y, exog, family=sm.families.NegativeBinomial(alpha=alpha)).fit(
            maxiter=200, scale="X2"
        )
    intervals = fit.conf_int(alpha=1.0 - level)
    terms = []
    for name in design.columns:
        coef, se, p = float(fit.params[name]), float(fit.bse[name]), float(fit.pvalues[name])
        low, high = (float(v) for v in intervals.loc[name])
        if not all(math.isfinite(v) for v in (coef, se, p, low, high)):
            raise EvaluationError(f"time series: the term {name!r} could not be estimated")
        kind, _, owner = name.partition(":")
        kind = "season" if kind.startswith(("sin", "cos")) else kind
        terms.append(
            RateRatio(
                name,
                kind,
                coef,
                se,
                p,
                math.exp(coef),
                math.exp(low),
                math.exp(high),
                owner or None,
            )
        )
    fitted = np.asarray(fit.predict(exog), dtype=float)
    baseline = exog.copy()
    baseline[effect_columns] = 0.0
    counterfactual = np.asarray(fit.predict(baseline), dtype=float)
    return ITSResult(
        weeks=tuple(d.date() for d in days),
        observed=tuple(int(v) for v in y),
        fitted=tuple(float(v) for v in fitted),
        counterfactual=tuple(float(v) for v in counterfactual),
        interventions=tuple(interventions),
        terms=tuple(terms),
        alpha=alpha,
        seasonality=bool(seasonality),
    )


def _check_series(days: pd.Series, y: np.ndarray, interventions: Sequence[Intervention]) -> None:
    if len(days) != len(y):
        raise EvaluationError("time series: as many weeks as counts are needed")
    if not interventions:
        raise EvaluationError("time series: name at least one intervention date")
    if len(y) < 2 * MIN_SIDE + 4:
        raise EvaluationError(f"time series: {len(y)} weeks are too few for a model")
    if not np.isfinite(y).all() or (y < 0).any() or (y != np.round(y)).any():
        raise EvaluationError("time series: counts must be whole numbers, not negative")
    if y.sum() == 0:
        raise EvaluationError("time series: every count is 0; there is nothing to model")
    gaps = days.diff().dt.days.iloc[1:]
    if (gaps <= 0).any():
        first = days.iloc[int(np.argmax((gaps <= 0).to_numpy())) + 1].date()
        raise EvaluationError(f"time series: weeks must increase; {first} repeats or goes back")
    if not 6 <= float(gaps.median()) <= 8:
        raise EvaluationError(
            f"time series: the dates are {float(gaps.median()):g} days apart; weekly counts "
            "are expected (aggregate the series by week first)"
        )
    names = [i.name for i in interventions]
    if len(set(names)) != len(names):
        raise EvaluationError("time series: two interventions share a name; name them apart")
    first, last = days.iloc[0].date(), days.iloc[-1].date()
    for item in interventions:
        before = int((days < pd.Timestamp(item.on)).sum())
        after = len(days) - before
        if before < MIN_SIDE or after < MIN_SIDE:
            raise EvaluationError(
                f"time series: intervention {item.name!r} on {item.on} needs {MIN_SIDE} weeks "
                f"before and after it inside the series ({first} to {last})"
            )


def _dispersion(y: np.ndarray, exog: pd.DataFrame) -> float:
    """The maximum-likelihood NB2 dispersion alpha (0 when there is no overdispersion)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = sm.NegativeBinomial(y, exog, loglike_method="nb2").fit(
                disp=0, maxiter=500, method="bfgs"
            )
        except np.linalg.LinAlgError as exc:
            raise EvaluationError(
                f"time series: the dispersion could not be estimated ({exc})"
            ) from exc
    alpha = float(result.params["alpha"])
    if not math.isfinite(alpha):
        raise EvaluationError("time series: the dispersion could not be estimated")
    return max(alpha, 1e-8)
