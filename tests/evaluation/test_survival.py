"""Cox, Kaplan-Meier and log-rank: the Rossi recidivism model, and degenerate inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.survival import fit_cox, kaplan_meier, log_rank

#: Fox & Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R" (2011),
#: Efron ties: coef of each covariate; fin also exp(coef) 0.6843, se 0.1914, p 0.047
PUBLISHED = {
    "fin": -0.3794,
    "age": -0.0574,
    "race": 0.3139,
    "wexp": -0.1498,
    "mar": -0.4337,
    "paro": -0.0849,
    "prio": 0.0915,
}
COVARIATES = list(PUBLISHED)


def test_rossi_reproduces_the_published_model() -> None:
    result = fit_cox(load_rossi(), "week", "arrest", COVARIATES)
    assert (result.n, result.events, result.ties) == (432, 114, "efron")
    fin = result.coefficient("fin")
    assert round(fin.coef, 5) == -0.37942
    assert round(fin.exp_coef, 5) == 0.68426
    assert round(fin.se, 5) == 0.19138
    assert round(fin.p, 4) == 0.0474
    assert fin.exp_ci_low < fin.exp_coef < fin.exp_ci_high < 1.0
    for name, coef in PUBLISHED.items():
        assert round(result.coefficient(name).coef, 4) == coef, name


def test_rossi_ph_check_flags_age_and_wexp() -> None:
    # the classic finding: age and wexp violate proportional hazards (rank time)
    result = fit_cox(load_rossi(), "week", "arrest", COVARIATES)
    flagged = {t.name for t in result.ph_tests if t.violated}
    assert flagged == {"age", "wexp"}


def test_kaplan_meier_and_log_rank_by_arm() -> None:
    rossi = load_rossi()
    arms = rossi["fin"].map({0: "no aid", 1: "aid"})
    curves = kaplan_meier(rossi["week"], rossi["arrest"], arms, order=["no aid", "aid"])
    assert [c.arm for c in curves] == ["no aid", "aid"]
    assert [c.events for c in curves] == [66, 48]
    assert all(c.median is None for c in curves)  # fewer than half were rearrested
    last = curves[1].survival[-1]
    assert last == pytest.approx(1 - 48 / 216, abs=0.01)  # no censoring before week 52
    test = log_rank(rossi["week"], rossi["arrest"], arms)
    assert test.df == 1 and 0.04 < test.p < 0.06  # 3.84 on 1 df in the literature


def test_empty_arm_is_named() -> None:
    with pytest.raises(EvaluationError, match="arm 'warned' is empty"):
        kaplan_meier([1, 2], [1, 0], ["control", "control"], order=["control", "warned"])


def test_log_rank_needs_two_arms() -> None:
    with pytest.raises(EvaluationError, match="only one arm"):
        log_rank([1, 2], [1, 0], ["a", "a"])


def _frame(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("frame", "covariates", "message"),
    [
        (_frame(t=[1, 2, 3, 4], e=[0, 0, 0, 0], x=[0, 1, 0, 1]), ["x"], "0 event"),
        (_frame(t=[1, 2, 3, 4], e=[1, 0, 0, 0], x=[0, 1, 0, 1]), ["x"], "1 event"),
        (_frame(t=[1, 2, 3, 4, 5], e=[1, 1, 0, 1, 0], x=[3, 3, 3, 3, 3]), ["x"], "'x' is constant"),
        (
            _frame(
                t=[1, 2, 3, 4, 5, 6],
                e=[1, 1, 0, 1, 0, 1],
                x=[1, 2, 3, 4, 5, 7],
                z=[0, 1, 1, 0, 1, 0],
                w=[2, 5, 7, 8, 11, 14],
            ),
            ["x", "z", "w"],
            "'w' is collinear with 'x', 'z'",
        ),
        (
            _frame(t=[1, 2, 3, 4, 5, 6], e=[1, 1, 1, 0, 0, 0], x=[1, 1, 1, 0, 0, 0]),
            ["x"],
            "no event where 'x' = 0",
        ),
        (_frame(t=[1, 2, 3, 4], e=[1, 1, 0, 1], x=[1.0, math.nan, 2.0, 3.0]), ["x"], "1 missing"),
    ],
)
def test_degenerate_inputs_are_named(
    frame: pd.DataFrame, covariates: list[str], message: str
) -> None:
    with pytest.raises(EvaluationError, match=message):
        fit_cox(frame, "t", "e", covariates)


def test_an_unbounded_interval_is_a_clear_error_not_an_overflow() -> None:
    from tests.evaluation.test_logistic import nearly_collinear

    with pytest.raises(EvaluationError, match="'x1' has no finite confidence interval"):
        fit_cox(nearly_collinear(), "d", "y", ["x1", "x2"], what="Cox model")
