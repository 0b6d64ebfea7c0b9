"""Interrupted time series: a known step is recovered; bad series are refused."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.timeseries import Intervention, fit_its, parse_intervention

START = date(2016, 12, 26)


def simulate(
    seed: int, step: float = 0.67, weeks: int = 156, at: int = 103, size: float = 20.0
) -> tuple[list[date], list[int]]:
    """Weekly NB counts with trend, annual season and a step of rate ratio ``step``."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    mu = np.exp(
        math.log(300)
        + 0.1 * t / 52
        + 0.2 * np.sin(2 * math.pi * t / 52.18)
        + math.log(step) * (t >= at)
    )
    counts = rng.negative_binomial(size, size / (size + mu))
    return [START + timedelta(weeks=i) for i in range(weeks)], [int(c) for c in counts]


def test_known_step_is_recovered() -> None:
    weeks, counts = simulate(2)
    result = fit_its(weeks, counts, [Intervention(weeks[103], "takedown")])
    step = result.term("step:takedown")
    assert step.ci_low < 0.67 < step.ci_high
    assert step.ci_high < 1.0  # the effect is detected
    ramp = result.term("ramp:takedown")
    assert ramp.ci_low < 1.0 < ramp.ci_high
    assert result.seasonality and result.alpha > 0
    # the counterfactual differs from the fit only after the intervention
    assert result.counterfactual[:103] == pytest.approx(result.fitted[:103])
    after = np.array(result.counterfactual[103:]) > np.array(result.fitted[103:])
    assert after.all()


def test_intervals_cover_the_true_step() -> None:
    covered = 0
    for seed in range(40):
        weeks, counts = simulate(seed)
        step = fit_its(weeks, counts, [Intervention(weeks[103], "t")]).term("step:t")
        covered += step.ci_low < 0.67 < step.ci_high
    assert covered >= 34  # 95% intervals: 38 expected; 34 or fewer is very unlikely


def test_no_effect_gives_a_ratio_near_one() -> None:
    weeks, counts = simulate(7, step=1.0)
    step = fit_its(weeks, counts, [Intervention(weeks[103], "ads")]).term("step:ads")
    assert step.ci_low < 1.0 < step.ci_high


def test_parse_intervention() -> None:
    assert parse_intervention("2018-12-19") == Intervention(date(2018, 12, 19), "2018-12-19")
    assert parse_intervention("2018-12-19:FBI") == Intervention(date(2018, 12, 19), "FBI")
    with pytest.raises(EvaluationError, match="not a date"):
        parse_intervention("19/12/2018")


def test_bad_series_are_refused() -> None:
    weeks, counts = simulate(1)
    with pytest.raises(EvaluationError, match="4 weeks before and after"):
        fit_its(weeks, counts, [Intervention(weeks[-2], "late")])
    with pytest.raises(EvaluationError, match="every count is 0"):
        fit_its(weeks, [0] * len(weeks), [Intervention(weeks[50], "x")])
    days = [START + timedelta(days=i) for i in range(60)]
    with pytest.raises(EvaluationError, match="weekly counts are expected"):
        fit_its(days, [5] * 60, [Intervention(days[30], "x")])
    with pytest.raises(EvaluationError, match="whole numbers"):
        fit_its(weeks, [-1, *counts[1:]], [Intervention(weeks[50], "x")])
    with pytest.raises(EvaluationError, match="too few"):
        fit_its(weeks[:8], counts[:8], [Intervention(weeks[4], "x")])
    with pytest.raises(EvaluationError, match="collinear"):
        fit_its(weeks, counts, [Intervention(weeks[50], "a"), Intervention(weeks[50], "b")])
