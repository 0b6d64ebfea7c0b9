"""Proportions and their contrasts: Wilson intervals, Newcombe risk differences, risk ratios.

Formulas (z = the standard normal quantile for the confidence level, 1.96 for 95 %):

* proportion p = x/n with the Wilson score interval
  (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n);
* risk difference p1 - p0 with Newcombe's hybrid score interval (his method 10), built
  from the two Wilson intervals: [d - sqrt((p1-l1)² + (u0-p0)²), d + sqrt((u1-p1)² + (p0-l0)²)];
* risk ratio p1/p0 with the log method: exp(log RR ± z·sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0)).
  When an arm has no events (or only events) 0.5 is added to every cell (Haldane) and
  ``corrected`` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from intercop.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class Proportion:
    """Events out of persons in one arm, with a Wilson confidence interval."""

    arm: str
    n: int
    events: int
    proportion: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Contrast:
    """An arm against the reference arm: risk difference (Newcombe) and risk ratio (log)."""

    arm: str
    reference: str
    risk_difference: float
    rd_ci_low: float
    rd_ci_high: float
    risk_ratio: float
    rr_ci_low: float
    rr_ci_high: float
    corrected: bool  # 0.5 added to every cell for the risk ratio
    rd_method: str = "newcombe-wilson"
    rr_method: str = "log"


def z_value(level: float) -> float:
    """The two-sided standard normal quantile of a confidence ``level`` (0.95 -> 1.96)."""
    if not 0.0 < level < 1.0:
        raise EvaluationError(f"confidence level {level} is not between 0 and 1")
    return float(norm.ppf(0.5 + level / 2.0))


def proportion(arm: str, events: int, n: int, level: float = 0.95) -> Proportion:
    """``events``/``n`` with its Wilson score interval."""
    _check_counts(arm, events, n)
    z = z_value(level)
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Proportion(arm, n, events, p, max(0.0, centre - half), min(1.0, centre + half))


def contrast(treated: Proportion, reference: Proportion, level: float = 0.95) -> Contrast:
    """Risk difference and risk ratio of ``treated`` against ``reference``."""
    p1, p0 = treated.proportion, reference.proportion
    diff = p1 - p0
    low = diff - math.sqrt((p1 - treated.ci_low) ** 2 + (reference.ci_high - p0) ** 2)
    high = diff + math.sqrt((treated.ci_high - p1) ** 2 + (p0 - reference.ci_low) ** 2)
    x1, n1, x0, n0 = (
        float(treated.events),
        float(treated.n),
        float(reference.events),
        float(reference.n),
    )
    corrected = min(x1, x0, n1 - x1, n0 - x0) == 0
    if corrected:
        x1, n1, x0, n0 = x1 + 0.5, n1 + 1.0, x0 + 0.5, n0 + 1.0
    ratio = (x1 / n1) / (x0 / n0)
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
    z = z_value(level)
    return Contrast(
        arm=treated.arm,
        reference=reference.arm,
        risk_difference=diff,
        rd_ci_low=max(-1.0, low),
        rd_ci_high=min(1.0, high),
        risk_ratio=ratio,
        rr_ci_low=math.exp(math.log(ratio) - z * se),
        rr_ci_high=math.exp(math.log(ratio) + z * se),
        corrected=corrected,
    )


def _check_counts(arm: str, events: int, n: int) -> None:
    if n <= 0:
        raise EvaluationError(f"arm {arm!r} is empty: no person to measure")
    if not 0 <= events <= n:
        raise EvaluationError(f"arm {arm!r}: {events} events among {n} persons is impossible")
