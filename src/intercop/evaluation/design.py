"""Checks that a set of covariates can be fitted: values present, varying, not collinear.

Each failure is an ``EvaluationError`` naming the column, so a model never returns NaN
for a coefficient it could not estimate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from intercop.evaluation.errors import EvaluationError

_TOLERANCE = 1e-9


def check_covariates(frame: pd.DataFrame, columns: Sequence[str], *, what: str = "data") -> None:
    """Raise when a covariate is missing, not finite, constant or a combination of others."""
    if len(set(columns)) != len(columns):
        raise EvaluationError(f"{what}: a covariate is named twice in {list(columns)}")
    for column in columns:
        if column not in frame.columns:
            raise EvaluationError(f"{what}: no column {column!r}")
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            count = int((~np.isfinite(values)).sum())
            raise EvaluationError(f"{what}: covariate {column!r} has {count} missing value(s)")
        if values.size and np.ptp(values) <= _TOLERANCE * max(1.0, float(np.abs(values).max())):
            raise EvaluationError(
                f"{what}: covariate {column!r} is constant ({values[0]:g} in every row); "
                "it carries no information, drop it"
            )
    _check_rank(frame, columns, what)


def _check_rank(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Find the first column that is a linear combination of the ones before it."""
    if not columns:
        return
    matrix = frame[list(columns)].to_numpy(dtype=float)
    centred = matrix - matrix.mean(axis=0)
    scale = np.linalg.norm(centred, axis=0)
    centred = centred / np.where(scale > 0, scale, 1.0)
    for k in range(1, len(columns)):
        before, this = centred[:, :k], centred[:, k]
        weights, *_ = np.linalg.lstsq(before, this, rcond=None)
        residual = float(np.linalg.norm(this - before @ weights))
        if residual < 1e-7:
            partners = [columns[j] for j in range(k) if abs(weights[j]) > 1e-6]
            raise EvaluationError(
                f"{what}: covariate {columns[k]!r} is collinear with "
                f"{', '.join(repr(p) for p in partners)} (a linear combination of them); "
                "drop one of them"
            )
