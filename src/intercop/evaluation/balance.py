"""Covariate balance between arms: means or proportions, and standardised mean differences.

SMD of an arm against the reference: (m1 - m0) / sqrt((s1² + s0²)/2), with s² the sample
variance (for a 0/1 covariate p(1 - p)). |SMD| above 0.1 is the usual sign of imbalance.
Persons whose value is unknown are counted, not guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

IMBALANCE = 0.1


@dataclass(frozen=True)
class ArmSummary:
    """One covariate in one arm."""

    arm: str
    known: int  # persons whose value is known
    value: float | None  # mean, or proportion for a 0/1 covariate; None if nobody is known
    sd: float | None


@dataclass(frozen=True)
class BalanceRow:
    """One covariate across the arms, with its SMD against the reference arm per other arm."""

    covariate: str
    kind: str  # "mean" or "proportion"
    arms: tuple[ArmSummary, ...]
    smd: tuple[tuple[str, float | None], ...]  # (arm, SMD); None when it is undefined
    missing: int

    @property
    def imbalanced(self) -> bool:
        return any(v is not None and abs(v) > IMBALANCE for _, v in self.smd)


def balance_table(
    frame: pd.DataFrame,
    arm_column: str,
    covariates: Sequence[str],
    arms: Sequence[str],
    reference: str,
) -> tuple[BalanceRow, ...]:
    """The balance of ``covariates`` across ``arms`` (rows of ``frame`` by ``arm_column``)."""
    rows = []
    for column in covariates:
        values = pd.to_numeric(frame[column], errors="coerce")
        known = values.dropna()
        binary = bool(len(known)) and bool(known.isin([0.0, 1.0]).all())
        summaries = {arm: _summary(arm, values[frame[arm_column] == arm], binary) for arm in arms}
        base = summaries[reference]
        smd = tuple((arm, _smd(summaries[arm], base)) for arm in arms if arm != reference)
        rows.append(
            BalanceRow(
                column,
                "proportion" if binary else "mean",
                tuple(summaries[a] for a in arms),
                smd,
                int(values.isna().sum()),
            )
        )
    return tuple(rows)


def _summary(arm: str, values: pd.Series, binary: bool) -> ArmSummary:
    known = values.dropna().to_numpy(dtype=float)
    if known.size == 0:
        return ArmSummary(arm, 0, None, None)
    mean = float(known.mean())
    if binary:
        sd = math.sqrt(mean * (1 - mean))
    else:
        sd = float(np.std(known, ddof=1)) if known.size > 1 else 0.0
    return ArmSummary(arm, int(known.size), mean, sd)


def _smd(arm: ArmSummary, base: ArmSummary) -> float | None:
    if arm.value is None or base.value is None or arm.sd is None or base.sd is None:
        return None
    pooled = math.sqrt((arm.sd**2 + base.sd**2) / 2)
    if pooled == 0:
        return 0.0 if arm.value == base.value else None
    return (arm.value - base.value) / pooled
