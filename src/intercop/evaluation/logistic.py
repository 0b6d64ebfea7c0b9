"""Logistic regression of a 0/1 outcome: adjusted odds ratios with confidence intervals.

Fitted with statsmodels ``Logit`` (maximum likelihood, Wald intervals). Degenerate data
(no or only events, a constant or collinear covariate, perfect separation) raise an
``EvaluationError`` naming the column, never a NaN table.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from intercop.evaluation.design import check_covariates
from intercop.evaluation.errors import EvaluationError

_SEPARATION = 15.0
#: an interval bound beyond this (on the log scale) means the data cannot bound it
_INTERVAL = 50.0


@dataclass(frozen=True)
class OddsRatio:
    """One term: log-odds coefficient, odds ratio and its interval."""

    name: str
    coef: float
    se: float
    z: float
    p: float
    odds_ratio: float
    ci_low: float  # of the odds ratio
    ci_high: float


@dataclass(frozen=True)
class LogisticResult:
    """A fitted logistic model (the intercept is not among ``terms``)."""

    n: int
    events: int
    intercept: float
    terms: tuple[OddsRatio, ...]
    pseudo_r2: float
    log_likelihood: float
    model: str = "logistic"

    def term(self, name: str) -> OddsRatio:
        """The term called ``name``."""
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)


def fit_logistic(
    data: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    *,
    level: float = 0.95,
    what: str = "logistic model",
) -> LogisticResult:
    """Fit ``outcome`` (0/1) on ``covariates`` with an intercept.

    Args:
        data: one row per person.
        outcome: the 0/1 column.
        covariates: the terms; each must vary and none may be a combination of others.
        level: confidence level of the intervals.
        what: how errors name the model.
    """
    if not covariates:
        raise EvaluationError(f"{what}: name at least one covariate")
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    if len(y) == 0:
        raise EvaluationError(f"{what}: no rows to analyse")
    if not np.isin(y, [0.0, 1.0]).all():
        raise EvaluationError(f"{what}: the outcome {outcome!r} must be 0 or 1 in every row")
    events = int(y.sum())
    if events < 2 or len(y) - events < 2:
        raise EvaluationError(
            f"{what}: {events} of {len(y)} rows have the outcome {outcome!r}; odds ratios need "
            "at least two rows with it and two without"
        )
    frame = pd.DataFrame(
        {c: pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in covariates}
    )
    check_covariates(frame, covariates, what=what)
    exog = sm.add_constant(frame, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = sm.Logit(y, exog).fit(disp=0, maxiter=200)
        except (PerfectSeparationError, PerfectSeparationWarning) as exc:
            raise EvaluationError(
                f"{what}: perfect separation: a covariate predicts {outcome!r} exactly, so its "
                "odds ratio is infinite"
            ) from exc
        except np.linalg.LinAlgError as exc:
            raise EvaluationError(f"{what}: the model could not be fitted ({exc})") from exc
    intervals = fit.conf_int(alpha=1.0 - level)
    terms = []
    for name in covariates:
        coef, se = float(fit.params[name]), float(fit.bse[name])
        z, p = float(fit.tvalues[name]), float(fit.pvalues[name])
        low, high = (float(v) for v in intervals.loc[name])
        if not all(math.isfinite(v) for v in (coef, se, z, p, low, high)):
            raise EvaluationError(f"{what}: the term {name!r} could not be estimated")
        if abs(coef) > _SEPARATION:
            raise EvaluationError(
                f"{what}: the term {name!r} has no finite estimate (quasi-complete separation)"
            )
        if max(abs(low), abs(high)) > _INTERVAL:
            raise EvaluationError(
                f"{what}: the term {name!r} has no finite confidence interval (its standard "
                f"error is {se:.3g}: too few persons or events on one side of it)"
            )
        terms.append(OddsRatio(name, coef, se, z, p, math.exp(coef), math.exp(low), math.exp(high)))
    if not fit.mle_retvals.get("converged", True):
        raise EvaluationError(f"{what}: the fit did not converge in 200 iterations")
    return LogisticResult(
        n=len(y),
        events=events,
        intercept=float(fit.params["const"]),
        terms=tuple(terms),
        pseudo_r2=float(fit.prsquared),
        log_likelihood=float(fit.llf),
    )
