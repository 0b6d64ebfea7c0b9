"""Logistic regression: a 2x2 table's odds ratio by hand, and degenerate inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.logistic import fit_logistic


def two_by_two(a: int, b: int, c: int, d: int) -> pd.DataFrame:
    """a treated with the outcome, b treated without, c control with, d control without."""
    rows = [(1, 1)] * a + [(1, 0)] * b + [(0, 1)] * c + [(0, 0)] * d
    return pd.DataFrame(rows, columns=["treated", "reoffended"])


def test_odds_ratio_of_a_two_by_two_table() -> None:
    result = fit_logistic(two_by_two(10, 40, 20, 30), "reoffended", ["treated"])
    term = result.term("treated")
    assert term.odds_ratio == pytest.approx((10 * 30) / (40 * 20), rel=1e-6)
    se = math.sqrt(1 / 10 + 1 / 40 + 1 / 20 + 1 / 30)  # Woolf
    assert term.se == pytest.approx(se, rel=1e-5)
    assert term.ci_low == pytest.approx(math.exp(math.log(0.375) - 1.959964 * se), rel=1e-5)
    assert (result.n, result.events) == (100, 30)


def test_adjusted_model_is_finite() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"treated": rng.integers(0, 2, 300), "risk": rng.normal(0, 1, 300)})
    logit = -0.5 - 0.6 * frame["treated"] + 0.8 * frame["risk"]
    frame["y"] = (rng.random(300) < 1 / (1 + np.exp(-logit))).astype(int)
    result = fit_logistic(frame, "y", ["treated", "risk"])
    assert all(
        math.isfinite(t.odds_ratio) and t.ci_low < t.odds_ratio < t.ci_high for t in result.terms
    )


@pytest.mark.parametrize(
    ("frame", "covariates", "message"),
    [
        (pd.DataFrame({"x": [1.0] * 10, "y": [0, 1] * 5}), ["x"], "'x' is constant"),
        (
            pd.DataFrame({"x": range(10), "z": [2 * i + 1 for i in range(10)], "y": [0, 1] * 5}),
            ["x", "z"],
            "'z' is collinear with 'x'",
        ),
        (
            pd.DataFrame(
                {"x": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], "y": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]}
            ),
            ["x"],
            "separation",
        ),
        (pd.DataFrame({"x": range(10), "y": [0] * 9 + [1]}), ["x"], "1 of 10 rows"),
        (pd.DataFrame({"x": [1.0, None, 3.0, 4.0], "y": [0, 1, 0, 1]}), ["x"], "1 missing"),
    ],
)
def test_degenerate_inputs_are_named(
    frame: pd.DataFrame, covariates: list[str], message: str
) -> None:
    with pytest.raises(EvaluationError, match=message):
        fit_logistic(frame, "y", covariates)


def nearly_collinear(seed: int = 39, n: int = 80) -> pd.DataFrame:
    """Two covariates 0.3% apart: finite estimates, standard errors too large to bound.

    Seen in the evaluation benchmark (seed 21): the interval overflowed ``math.exp``.
    """
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = x1 + rng.normal(size=n) * 3e-3
    y = (rng.random(n) < 0.4).astype(float)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "d": rng.exponential(10, n)})


def test_an_unbounded_interval_is_a_clear_error_not_an_overflow() -> None:
    with pytest.raises(EvaluationError, match="'x1' has no finite confidence interval"):
        fit_logistic(nearly_collinear(), "y", ["x1", "x2"], what="logistic regression")
