"""The pure pilot analysis: a known effect, and data too thin for some models."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np

from intercop.evaluation.pilot import PilotInfo, analyse
from intercop.evaluation.reoffending import Covariates, Exclusion, FollowUp, ReoffendingTable

START = datetime(2024, 1, 1, tzinfo=UTC)
INFO = PilotInfo(1, "p", "NL", "warning_email", "assigned")


def row(person: str, arm: str, days: float, event: bool, risk: float) -> FollowUp:
    return FollowUp(
        person,
        arm,
        "NL",
        START,
        START,
        START + timedelta(days=days),
        event,
        "attack" if event else None,
        Covariates(risk=risk, attacks=None),
    )


def simulated(n: int, hazard_ratio: float, seed: int) -> ReoffendingTable:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "warning" if i % 2 else "control"
        risk = float(rng.uniform())
        rate = 0.004 * math.exp(risk) * (hazard_ratio if arm == "warning" else 1.0)
        time = float(rng.exponential(1 / rate))
        rows.append(row(f"P{i}", arm, min(time, 365.0), time < 365.0, risk))
    return ReoffendingTable(tuple(rows), (Exclusion("X", "warning", "no t0"),), 14, START)


def test_a_known_hazard_ratio_is_covered() -> None:
    result = analyse(INFO, simulated(800, 0.6, 4), {"control": 400, "warning": 401}, {})
    assert result.cox is not None
    arm = result.cox.coefficient("arm=warning")
    assert arm.exp_ci_low < 0.6 < arm.exp_ci_high < 1.0
    assert result.covariates == ("risk",)  # attacks unknown for everyone: left out
    assert any("attacks is unknown" in n for n in result.notes)
    assert result.contrasts[0].risk_ratio < 1.0
    flow = {f.arm: f for f in result.flow}
    assert flow["warning"].exclusions == (("no t0", 1),)
    json.dumps(result.as_json(), allow_nan=False)


def test_thin_data_skips_models_with_reasons() -> None:
    rows = (
        row("A", "control", 30, True, 0.1),
        row("B", "control", 60, False, 0.2),
        row("C", "warning", 60, False, 0.3),
    )
    table = ReoffendingTable(rows, (), 14, START)
    result = analyse(INFO, table, {"control": 2, "warning": 1}, {"warning": 1})
    assert result.cox is None and result.logistic is None
    assert any("Cox model skipped" in n and "1 event" in n for n in result.notes)
    assert len(result.proportions) == 2
    json.dumps(result.as_json(), allow_nan=False)


def test_an_empty_arm_is_reported_not_fatal() -> None:
    rows = tuple(row(f"P{i}", "control", 30 + i, i % 2 == 0, 0.1 * i) for i in range(6))
    result = analyse(INFO, ReoffendingTable(rows, (), 14, START), {"control": 6, "warning": 3}, {})
    assert any("arm 'warning' is empty" in n for n in result.notes)
    assert result.contrasts == () and result.kaplan_meier == ()
