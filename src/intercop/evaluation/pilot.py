"""Evaluating a pilot: flow, balance, reoffending per arm, contrasts, logistic, KM, Cox.

The analysis is by intention to treat: every allocated person with follow-up counts in
the arm they were allocated to, whether the message reached them or not. An analysis
the data cannot support (an empty arm, fewer than two events, a degenerate covariate)
is skipped with the reason in ``notes``; the rest of the evaluation still stands.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.evaluation.balance import BalanceRow, balance_table
from intercop.evaluation.design import check_covariates
from intercop.evaluation.effects import Contrast, Proportion, contrast, proportion
from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.jsonable import to_jsonable
from intercop.evaluation.logistic import LogisticResult, fit_logistic
from intercop.evaluation.reoffending import (
    DEFAULT_GRACE_DAYS,
    Covariates,
    ReoffendingTable,
    load_reoffending,
)
from intercop.evaluation.survival import (
    CoxResult,
    KMCurve,
    LogRank,
    fit_cox,
    kaplan_meier,
    log_rank,
)
from intercop.store.database import Store
from intercop.store.models import Campaign, Message, Pilot, PilotAssignment
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

Fitted = TypeVar("Fitted")

CONTROL_NAMES = ("control", "controle", "kontroll", "none")


@dataclass(frozen=True)
class ArmFlow:
    """CONSORT-style counts of one arm."""

    arm: str
    allocated: int
    reached: int  # persons with a message sent in one of the pilot's campaigns
    excluded: int  # allocated but not analysable
    analysed: int
    exclusions: tuple[tuple[str, int], ...]  # (reason, persons)


@dataclass(frozen=True)
class PilotInfo:
    """What the pilot is."""

    id: int
    name: str
    agency: str
    intervention: str
    state: str


@dataclass(frozen=True)
class PilotEvaluation:
    """Everything measured about one pilot."""

    pilot: PilotInfo
    as_of: datetime
    grace_days: int
    reference: str
    arms: tuple[str, ...]
    eligible: int
    flow: tuple[ArmFlow, ...]
    balance: tuple[BalanceRow, ...]
    proportions: tuple[Proportion, ...]
    contrasts: tuple[Contrast, ...]
    covariates: tuple[str, ...]  # used in the adjusted models
    logistic: LogisticResult | None
    kaplan_meier: tuple[KMCurve, ...]
    logrank: LogRank | None
    cox: CoxResult | None
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The evaluation as JSON-ready values."""
        data: dict[str, Any] = to_jsonable(self)
        return data


def evaluate_pilot(
    store: Store,
    workspace: Workspace,
    pilot_id: int,
    *,
    grace_days: int = DEFAULT_GRACE_DAYS,
    as_of: datetime | None = None,
    reference: str | None = None,
) -> PilotEvaluation:
    """Measure pilot ``pilot_id``: does its intervention reduce reoffending?

    Args:
        store: the case store holding the pilot, its assignments, messages and outcomes.
        workspace: the workspace whose vault and derived persons show reoffending.
        pilot_id: the pilot.
        grace_days: days after t0 before activity counts as reoffending.
        as_of: the end of follow-up (default: now).
        reference: the arm the others are compared with (default: "control" or the first).
    """
    with store.session() as session:
        pilot = session.get(Pilot, pilot_id)
        if pilot is None:
            raise EvaluationError(
                f"no pilot {pilot_id}", hint="List the pilots with `intercop pilot list`"
            )
        info = PilotInfo(pilot.id, pilot.name, pilot.agency, pilot.intervention, pilot.state)
        table = load_reoffending(session, workspace, pilot_id, grace_days=grace_days, as_of=as_of)
        allocated = dict(
            session.execute(
                select(PilotAssignment.arm, func.count())
                .where(PilotAssignment.pilot_id == pilot_id)
                .group_by(PilotAssignment.arm)
            ).all()
        )
        reached = _reached(session, pilot_id)
    return analyse(info, table, {str(k): int(v) for k, v in allocated.items()}, reached, reference)


def _reached(session: Session, pilot_id: int) -> dict[str, int]:
    """Persons per arm with at least one message sent in one of the pilot's campaigns."""
    rows = session.execute(
        select(PilotAssignment.arm, func.count(distinct(Message.person_id)))
        .join(Campaign, Campaign.id == Message.campaign_id)
        .join(
            PilotAssignment,
            (PilotAssignment.pilot_id == pilot_id)
            & (PilotAssignment.person_id == Message.person_id),
        )
        .where(Campaign.pilot_id == pilot_id, Message.status == "sent")
        .group_by(PilotAssignment.arm)
    ).all()
    return {str(arm): int(n) for arm, n in rows}


def pick_reference(arms: list[str], reference: str | None) -> str:
    """The arm the others are compared with."""
    if reference is not None:
        if reference not in arms:
            raise EvaluationError(f"no arm {reference!r}; the arms are {', '.join(arms)}")
        return reference
    for name in arms:
        if name.lower() in CONTROL_NAMES:
            return name
    return arms[0]


def analyse(
    info: PilotInfo,
    table: ReoffendingTable,
    allocated: dict[str, int],
    reached: dict[str, int],
    reference: str | None = None,
) -> PilotEvaluation:
    """The evaluation of a pilot from its follow-up table and allocation counts (no I/O)."""
    arms = sorted(allocated)
    if len(arms) < 2:
        raise EvaluationError(f"pilot {info.id} has {len(arms)} arm(s); a comparison needs two")
    ref = pick_reference(arms, reference)
    ordered = [ref, *(a for a in arms if a != ref)]
    notes: list[str] = []
    frame = table.frame()
    reasons: dict[str, Counter[str]] = {a: Counter() for a in ordered}
    for e in table.excluded:
        reasons.setdefault(e.arm, Counter())[e.reason] += 1
    flow = tuple(
        ArmFlow(
            arm,
            allocated.get(arm, 0),
            reached.get(arm, 0),
            sum(reasons[arm].values()),
            int((frame["arm"] == arm).sum()),
            tuple(sorted(reasons[arm].items())),
        )
        for arm in ordered
    )
    numeric = list(Covariates.numeric())
    balance = balance_table(frame, "arm", numeric, ordered, ref) if len(frame) else ()
    proportions, contrasts = _proportions(frame, ordered, ref, notes)
    for arm in ordered:
        frame[f"arm={arm}"] = (frame["arm"] == arm).astype(float)
    dummies = [f"arm={a}" for a in ordered[1:]]
    covariates = _usable(frame, numeric, dummies, notes)
    logistic = _attempt(
        notes,
        "logistic regression",
        lambda terms: fit_logistic(frame, "event", terms, what="logistic regression"),
        dummies,
        covariates,
    )
    cox = _attempt(
        notes,
        "Cox model",
        lambda terms: fit_cox(frame, "days", "event", terms, what="Cox model"),
        dummies,
        covariates,
    )
    curves: tuple[KMCurve, ...] = ()
    logrank: LogRank | None = None
    try:
        curves = kaplan_meier(frame["days"], frame["event"], frame["arm"], order=ordered)
        logrank = log_rank(frame["days"], frame["event"], frame["arm"])
    except EvaluationError as exc:
        notes.append(f"Kaplan-Meier / log-rank skipped: {exc.message}")
    if cox is not None:
        notes += [
            f"proportional hazards questionable for {t.name} (Schoenfeld test p = {t.p:.3f}); "
            "read its hazard ratio as an average over follow-up"
            for t in cox.ph_tests
            if t.violated
        ]
    return PilotEvaluation(
        pilot=info,
        as_of=table.as_of,
        grace_days=table.grace_days,
        reference=ref,
        arms=tuple(ordered),
        eligible=sum(allocated.values()),
        flow=flow,
        balance=balance,
        proportions=proportions,
        contrasts=contrasts,
        covariates=tuple(covariates),
        logistic=logistic,
        kaplan_meier=curves,
        logrank=logrank,
        cox=cox,
        notes=tuple(notes),
    )


def _proportions(
    frame: pd.DataFrame, arms: list[str], ref: str, notes: list[str]
) -> tuple[tuple[Proportion, ...], tuple[Contrast, ...]]:
    shares: dict[str, Proportion] = {}
    for arm in arms:
        group = frame[frame["arm"] == arm]
        try:
            shares[arm] = proportion(arm, int(group["event"].sum()), len(group))
        except EvaluationError as exc:
            notes.append(f"reoffending proportion skipped: {exc.message}")
    contrasts = []
    if ref in shares:
        contrasts = [contrast(shares[a], shares[ref]) for a in arms[1:] if a in shares]
    return tuple(shares.values()), tuple(contrasts)


def _usable(
    frame: pd.DataFrame, candidates: list[str], fixed: list[str], notes: list[str]
) -> list[str]:
    """The covariates the adjusted models can use: known for everyone, varying, not collinear."""
    chosen: list[str] = []
    for column in candidates:
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            notes.append(
                f"{column} is unknown for {int(values.isna().sum())} person(s); "
                "left out of the adjusted models"
            )
            continue
        try:
            check_covariates(frame, [*fixed, *chosen, column], what="adjusted models")
        except EvaluationError as exc:
            notes.append(f"{column} left out of the adjusted models: {exc.message}")
            continue
        chosen.append(column)
    return chosen


def _attempt(
    notes: list[str],
    name: str,
    fit: Callable[[list[str]], Fitted],
    arms: list[str],
    covariates: list[str],
) -> Fitted | None:
    """Fit adjusted; failing that, the arms alone; failing that, skip with the reason."""
    try:
        return fit([*arms, *covariates])
    except EvaluationError as exc:
        if not covariates:
            notes.append(f"{name} skipped: {exc.message}")
            return None
        notes.append(f"{name} adjusted for covariates failed ({exc.message}); fitted on arms alone")
    try:
        return fit(arms)
    except EvaluationError as exc:
        notes.append(f"{name} skipped: {exc.message}")
        return None


def evaluate_pilot_as(
    store: Store,
    workspace: Workspace,
    pilot_id: int,
    user: str | None,
    *,
    grace_days: int = DEFAULT_GRACE_DAYS,
    as_of: datetime | None = None,
    reference: str | None = None,
    report: str | None = None,
) -> PilotEvaluation:
    """``evaluate_pilot`` for a user allowed ``evaluate.run`` in the pilot's agency, audited.

    ``user`` is the ``--user`` name (``None``: ``INTERCOP_USER``); ``report`` names the
    file the caller writes, for the audit entry.
    """
    with store.session() as session:
        pilot = session.get(Pilot, pilot_id)
        if pilot is None:
            raise EvaluationError(
                f"no pilot {pilot_id}", hint="List the pilots with `intercop pilot list`"
            )
        who = require(session, user, "evaluate.run", pilot.agency).name
    result = evaluate_pilot(
        store, workspace, pilot_id, grace_days=grace_days, as_of=as_of, reference=reference
    )
    with store.session() as session:
        record(
            session,
            who,
            "evaluate.run",
            agency=result.pilot.agency,
            object_type="pilot",
            object_id=str(pilot_id),
            detail={
                "as_of": result.as_of.isoformat(),
                "grace_days": grace_days,
                "analysed": {f.arm: f.analysed for f in result.flow},
                "report": report,
            },
        )
        session.commit()
    return result
