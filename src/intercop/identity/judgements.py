"""Reviewer judgements: a person's decision that two accounts are, or are not, one person.

Judgements are an append-only table of the case store; every in-memory view here is
derived from it. The latest judgement of a pair wins, and resolution applies the
effective ones on every run, overriding the model: ``same`` forces a link,
``different`` forbids one, ``unsure`` withdraws an earlier decision.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import pyarrow.parquet as pq
from sqlalchemy import func, or_, select

from intercop.errors import IntercopError
from intercop.evidence.vault import Vault
from intercop.identity.record import split_uid
from intercop.store.database import Store
from intercop.store.models import DECISIONS, Judgement

log = logging.getLogger(__name__)

# A dataset id (the vault's content address) and the source key as text; the key
# may itself hold ':' since the uid is split at the first one.
UID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*:\S(?:.*\S)?", re.DOTALL)
MAX_UID = 300  # the column width in the case store
DEFINITE = ("same", "different")


class JudgementError(IntercopError):
    """A judgement cannot be recorded as given."""

    hint = (
        "Usage: intercop judge DATASET_ID:KEY DATASET_ID:KEY same|different|unsure "
        '--reason "..." --user NAME'
    )


class UnknownAccountError(JudgementError):
    """A judged account is not in the vault."""

    hint = "List the datasets with `intercop datasets`; an account is named <dataset_id>:<key>"


@dataclass(frozen=True)
class JudgementRecord:
    """One stored judgement, detached from the database."""

    id: int
    left_uid: str
    right_uid: str
    decision: str
    reason: str
    user_name: str
    created_at: datetime

    @property
    def pair(self) -> tuple[str, str]:
        return (self.left_uid, self.right_uid)


def pair_of(a_uid: str, b_uid: str) -> tuple[str, str]:
    """The canonical order of a pair of account uids (by code point)."""
    return (a_uid, b_uid) if a_uid < b_uid else (b_uid, a_uid)


def record_judgement(
    store: Store,
    a_uid: str,
    b_uid: str,
    decision: str,
    *,
    reason: str,
    user: str,
    vault: Vault | None = None,
) -> JudgementRecord:
    """Append a reviewer's judgement about accounts ``a_uid`` and ``b_uid``.

    Args:
        store: the open case store.
        a_uid: one account, ``<dataset_id>:<account_key>``; order does not matter.
        b_uid: the other account.
        decision: ``same``, ``different`` or ``unsure``.
        reason: why, in the reviewer's words (required: it is the evidence).
        user: who decides.
        vault: when given, both accounts must exist in it.

    Raises:
        JudgementError: a uid, the decision, the reason or the user is not usable.
        UnknownAccountError: ``vault`` is given and an account is not in it.
    """
    for value in (a_uid, b_uid):
        _check_uid(value)
    if a_uid == b_uid:
        raise JudgementError(f"both accounts are {a_uid}: judge two different accounts")
    verdict = decision.strip().lower()
    if verdict not in DECISIONS:
        raise JudgementError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise JudgementError("a judgement needs a reason", hint='Pass --reason "why you decided"')
    if not user.strip():
        raise JudgementError(
            "a judgement needs the reviewer's name", hint="Pass --user NAME or set INTERCOP_USER"
        )
    if vault is not None:
        for value in (a_uid, b_uid):
            _check_exists(vault, value)
    left, right = pair_of(a_uid, b_uid)
    row = Judgement(
        left_uid=left,
        right_uid=right,
        decision=verdict,
        reason=reason.strip(),
        user_name=user.strip(),
    )
    with store.session() as session:
        session.add(row)
        session.commit()
        record = _record(row)
    log.info("judgement %d: %s %s %s by %s", record.id, left, verdict, right, record.user_name)
    return record


def list_judgements(store: Store, *, involving: str | None = None) -> list[JudgementRecord]:
    """Every judgement, oldest first; only those naming account ``involving`` if given."""
    query = select(Judgement).order_by(Judgement.id)
    if involving is not None:
        query = query.where(or_(Judgement.left_uid == involving, Judgement.right_uid == involving))
    with store.session() as session:
        return [_record(row) for row in session.scalars(query)]


def effective_judgements(store: Store) -> dict[tuple[str, str], str]:
    """The decision in force per pair (canonical order): the latest, unless it was ``unsure``."""
    latest = (
        select(func.max(Judgement.id).label("id"))
        .group_by(Judgement.left_uid, Judgement.right_uid)
        .subquery()
    )
    query = (
        select(Judgement.left_uid, Judgement.right_uid, Judgement.decision)
        .join(latest, Judgement.id == latest.c.id)
        .where(Judgement.decision.in_(DEFINITE))
    )
    with store.session() as session:
        return {(left, right): decision for left, right, decision in session.execute(query)}


def _record(row: Judgement) -> JudgementRecord:
    return JudgementRecord(
        id=row.id,
        left_uid=row.left_uid,
        right_uid=row.right_uid,
        decision=row.decision,
        reason=row.reason,
        user_name=row.user_name,
        created_at=row.created_at,
    )


def _check_uid(value: str) -> None:
    if len(value) > MAX_UID or not UID.fullmatch(value):
        raise JudgementError(
            f"{value!r} does not name an account: expected <dataset_id>:<account_key>, "
            "e.g. 3f2a9c0d1e4b5a67:1042"
        )


def _check_exists(vault: Vault, value: str) -> None:
    dataset_id, key = split_uid(value)
    if not vault.exists(dataset_id):
        raise UnknownAccountError(f"account {value}: no dataset {dataset_id!r} in the vault")
    accounts = vault.path(dataset_id) / "canonical" / "accounts.parquet"
    found = pq.read_table(accounts, columns=["account_key"], filters=[("account_key", "==", key)])
    if found.num_rows == 0:
        raise UnknownAccountError(
            f"account {value}: dataset {dataset_id} has no account with key {key!r}"
        )
