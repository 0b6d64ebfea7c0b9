"""Sample size per arm to detect a change in a proportion (two independent groups).

With baseline proportion p0 (control), treated proportion p1 = p0 × RR (the effect as a
risk ratio), p̄ = (p0 + p1)/2, two-sided z_a = z(1 - alpha/2) (one-sided: z(1 - alpha))
and z_b = z(power), the normal-approximation formula with the pooled variance under the
null (Fleiss, Statistical Methods for Rates and Proportions, 1981) is

    n = (z_a·sqrt(2·p̄(1-p̄)) + z_b·sqrt(p0(1-p0) + p1(1-p1)))² / (p0 - p1)²

per arm, rounded up. With Fleiss's continuity correction,
n_cc = n/4 · (1 + sqrt(1 + 4/(n·|p0 - p1|)))², also rounded up. Both assume equal arms,
randomisation of persons and an outcome observed for everyone over the same period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from intercop.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class PowerResult:
    """The persons needed per arm (and in all) to detect the effect."""

    baseline: float
    effect: float  # risk ratio p1/p0
    treated: float  # p1
    alpha: float
    power: float
    two_sided: bool
    n_per_arm: int
    n_total: int
    n_per_arm_continuity: int  # with Fleiss's continuity correction
    method: str = "two proportions, normal approximation, pooled variance (Fleiss 1981)"


def sample_size(
    baseline: float,
    effect: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
) -> PowerResult:
    """Persons per arm to detect ``baseline`` × ``effect`` against ``baseline``.

    Args:
        baseline: the control arm's expected proportion (e.g. 0.3 reoffend).
        effect: the risk ratio to detect (e.g. 0.7: 30 % fewer reoffend).
        alpha: the false-positive rate of the test.
        power: the chance of detecting the effect when it is real.
        two_sided: a two-sided test (the default) or one-sided.
    """
    if not 0.0 < baseline < 1.0:
        raise EvaluationError(f"baseline {baseline} must be a proportion between 0 and 1")
    if effect <= 0.0 or effect == 1.0:
        raise EvaluationError(
            f"effect {effect} must be a risk ratio above 0 and not 1 (1 means no effect)"
        )
    treated = baseline * effect
    if treated >= 1.0:
        raise EvaluationError(
            f"baseline {baseline} × effect {effect} = {treated:g} is not a proportion below 1"
        )
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise EvaluationError("alpha and power must be between 0 and 1")
    z_a = float(norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha))
    z_b = float(norm.ppf(power))
    mean = (baseline + treated) / 2
    spread = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(
        baseline * (1 - baseline) + treated * (1 - treated)
    )
    delta = abs(baseline - treated)
    n = spread**2 / delta**2
    n_cc = n / 4 * (1 + math.sqrt(1 + 4 / (n * delta))) ** 2
    per_arm = math.ceil(n - 1e-9)
    return PowerResult(
        baseline=baseline,
        effect=effect,
        treated=treated,
        alpha=alpha,
        power=power,
        two_sided=two_sided,
        n_per_arm=per_arm,
        n_total=2 * per_arm,
        n_per_arm_continuity=math.ceil(n_cc - 1e-9),
    )
