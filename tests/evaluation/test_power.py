"""Sample size against the textbook formula, computed here independently."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.power import sample_size


def textbook(p0: float, p1: float, alpha: float, power: float) -> int:
    """Fleiss (1981) eq. 3.14 without continuity correction, two-sided."""
    z = NormalDist().inv_cdf
    mean = (p0 + p1) / 2
    top = z(1 - alpha / 2) * math.sqrt(2 * mean * (1 - mean)) + z(power) * math.sqrt(
        p0 * (1 - p0) + p1 * (1 - p1)
    )
    return math.ceil(top**2 / (p0 - p1) ** 2)


def test_thirty_percent_to_twenty_one() -> None:
    result = sample_size(0.3, 0.7)
    assert result.treated == pytest.approx(0.21)
    assert result.n_per_arm == textbook(0.3, 0.21, 0.05, 0.8) == 367
    assert result.n_total == 734
    assert result.n_per_arm_continuity > result.n_per_arm


@pytest.mark.parametrize(
    ("baseline", "effect", "alpha", "power"),
    [(0.5, 0.8, 0.05, 0.9), (0.1, 0.5, 0.01, 0.8), (0.4, 1.25, 0.05, 0.8)],
)
def test_other_settings(baseline: float, effect: float, alpha: float, power: float) -> None:
    result = sample_size(baseline, effect, alpha=alpha, power=power)
    assert result.n_per_arm == textbook(baseline, baseline * effect, alpha, power)


def test_one_sided_needs_fewer() -> None:
    assert sample_size(0.3, 0.7, two_sided=False).n_per_arm < sample_size(0.3, 0.7).n_per_arm


@pytest.mark.parametrize(
    ("baseline", "effect", "message"),
    [
        (0.0, 0.7, "baseline"),
        (1.2, 0.7, "baseline"),
        (0.3, 1.0, "1 means no effect"),
        (0.3, -1.0, "risk ratio"),
        (0.6, 2.0, "not a proportion"),
    ],
)
def test_bad_settings(baseline: float, effect: float, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        sample_size(baseline, effect)
