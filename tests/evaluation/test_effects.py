"""Proportions and contrasts against published worked examples and hand computation."""

from __future__ import annotations

import math

import pytest

from intercop.evaluation.effects import contrast, proportion, z_value
from intercop.evaluation.errors import EvaluationError


def test_wilson_interval_matches_newcombe_1998() -> None:
    # Newcombe, Stat Med 1998;17:857-872, example 81/263: Wilson score 0.2553 to 0.3662
    share = proportion("arm", 81, 263)
    assert share.proportion == pytest.approx(81 / 263)
    assert (round(share.ci_low, 4), round(share.ci_high, 4)) == (0.2553, 0.3662)


def test_risk_difference_matches_newcombe_method_10() -> None:
    # Newcombe, Stat Med 1998;17:873-890, 56/70 vs 48/80: hybrid score 0.0524 to 0.3339
    c = contrast(proportion("a", 56, 70), proportion("b", 48, 80))
    assert c.risk_difference == pytest.approx(0.2)
    assert (round(c.rd_ci_low, 4), round(c.rd_ci_high, 4)) == (0.0524, 0.3339)
    assert c.rd_method == "newcombe-wilson"


def test_risk_ratio_log_method_by_hand() -> None:
    c = contrast(proportion("warned", 12, 100), proportion("control", 24, 100))
    se = math.sqrt(1 / 12 - 1 / 100 + 1 / 24 - 1 / 100)
    assert c.risk_ratio == pytest.approx(0.5)
    assert c.rr_ci_low == pytest.approx(0.5 * math.exp(-1.959964 * se), rel=1e-5)
    assert c.rr_ci_high == pytest.approx(0.5 * math.exp(1.959964 * se), rel=1e-5)
    assert not c.corrected


def test_zero_events_use_the_haldane_correction() -> None:
    c = contrast(proportion("warned", 0, 40), proportion("control", 5, 40))
    assert c.corrected
    assert c.risk_ratio == pytest.approx((0.5 / 41) / (5.5 / 41))
    assert all(math.isfinite(v) for v in (c.rr_ci_low, c.rr_ci_high, c.rd_ci_low, c.rd_ci_high))


def test_empty_arm_is_named() -> None:
    with pytest.raises(EvaluationError, match="arm 'warned' is empty"):
        proportion("warned", 0, 0)


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(EvaluationError):
        z_value(1.5)
