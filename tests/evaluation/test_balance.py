"""Standardised mean differences by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from intercop.evaluation.balance import balance_table


def test_smd_of_a_mean_and_a_proportion() -> None:
    frame = pd.DataFrame(
        {
            "arm": ["c", "c", "c", "c", "w", "w", "w", "w"],
            "risk": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
            "minor": [0, 0, 1, 1, 1, 1, 1, 0],
            "age": [None, 15.0, 16.0, 17.0, 15.0, 16.0, 17.0, 18.0],
        }
    )
    rows = {
        r.covariate: r
        for r in balance_table(frame, "arm", ["risk", "minor", "age"], ["c", "w"], "c")
    }
    sd = pd.Series([1.0, 2.0, 3.0, 4.0]).std()
    assert rows["risk"].kind == "mean"
    assert rows["risk"].smd[0][1] == pytest.approx(1.0 / sd)
    assert rows["minor"].kind == "proportion"
    expected = (0.75 - 0.5) / math.sqrt((0.75 * 0.25 + 0.5 * 0.5) / 2)
    assert rows["minor"].smd == (("w", pytest.approx(expected)),)
    assert rows["age"].missing == 1 and rows["age"].arms[0].known == 3
    assert rows["risk"].imbalanced


def test_nobody_known_gives_no_smd() -> None:
    frame = pd.DataFrame({"arm": ["c", "w"], "age": [None, None]})
    row = balance_table(frame, "arm", ["age"], ["c", "w"], "c")[0]
    assert row.smd == (("w", None),) and row.arms[0].value is None
