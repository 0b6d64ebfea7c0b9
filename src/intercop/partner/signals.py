"""Signals: a partner reports an account, IP address, server or advert; analysts review it.

A signal lands in state ``new`` in the review queue of the partner's agency. An
analyst, officer or supervisor of that agency accepts or rejects it with a reason.
Submitting again with the same idempotency key returns the first signal (a retry);
the same key with different content is a conflict.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intercop.access import AccessError, allowed
from intercop.audit import record
from intercop.partner.errors import ConflictError, NotFoundError, PartnerError
from intercop.store.base import utc_now
from intercop.store.models import SIGNAL_KINDS, SIGNAL_STATES, PartnerSignal, User

log = logging.getLogger(__name__)

MAX_VALUE = {"account": 200, "ip": 45, "server": 253, "advert": 2000}
MAX_PLATFORM = 100
MAX_NOTE = 2000
MAX_KEY = 200
DECISIONS = {"accept": "accepted", "reject": "rejected"}

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KEY = re.compile(r"^[\x21-\x7e]+$")


def _text(field: str, value: str | None, limit: int, *, multiline: bool = False) -> str | None:
    """``value`` trimmed; None when empty; refused when too long or holding control codes."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise PartnerError(f"{field} is {len(value)} characters long; at most {limit} allowed")
    checked = value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value
    if _CONTROL.search(checked):
        raise PartnerError(f"{field} contains control characters", hint="Send plain text")
    return value


def normalise_value(kind: str, value: str) -> str:
    """The value of a signal of ``kind`` in its canonical form; PartnerError if invalid."""
    if kind not in SIGNAL_KINDS:
        raise PartnerError(
            f"kind {kind!r} is not known", hint=f"Use one of {', '.join(SIGNAL_KINDS)}"
        )
    text = _text("value", value, MAX_VALUE[kind])
    if text is None:
        raise PartnerError("value is empty", hint=f"Give the reported {kind}")
    if kind == "ip":
        try:
            return ipaddress.ip_address(text).compressed
        except ValueError:
            raise PartnerError(
                f"value {text!r} is not an IPv4 or IPv6 address",
                hint="e.g. 192.0.2.10 or 2001:db8::1",
            ) from None
    if kind == "server":
        host = text.lower().rstrip(".")
        if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
            raise PartnerError(
                f"value {text!r} is not a host name",
                hint="Give a DNS name such as booter.example (IDN names in their xn-- form)",
            )
        return host
    return text


def submit_signal(
    session: Session,
    partner_user: User,
    kind: str,
    value: str,
    platform: str | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
    *,
    origin: str = "api",
    now: datetime | None = None,
) -> tuple[PartnerSignal, bool]:
    """Record a partner's signal; returns it and whether it is new (False: a retry).

    The caller commits.
    """
    if not allowed(partner_user, "signal.submit"):
        raise AccessError(
            f"user {partner_user.name!r} is {partner_user.role}: only partners submit signals"
        )
    canonical = normalise_value(kind, value)
    platform_text = _text("platform", platform, MAX_PLATFORM)
    note_text = _text("note", note, MAX_NOTE, multiline=True)
    key = None
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > MAX_KEY or not _KEY.match(key):
            raise PartnerError(
                f"the idempotency key must be 1 to {MAX_KEY} printable ASCII characters"
            )
        earlier = _by_key(session, partner_user.name, key)
        if earlier is not None:
            return _replayed(earlier, kind, canonical, platform_text, note_text), False
    signal = PartnerSignal(
        partner=partner_user.name,
        agency=partner_user.agency,
        kind=kind,
        value=canonical,
        platform=platform_text,
        note=note_text,
        reported_at=now or utc_now(),
        state="new",
        idempotency_key=key,
    )
    try:
        with session.begin_nested():
            session.add(signal)
    except IntegrityError:
        # a concurrent request with the same key got there first
        earlier = _by_key(session, partner_user.name, key) if key else None
        if earlier is None:
            raise
        return _replayed(earlier, kind, canonical, platform_text, note_text), False
    # the value may be personal data: the audit names the signal, not what it reports
    record(session, partner_user.name, "signal.submit", agency=partner_user.agency,
           object_type="signal", object_id=str(signal.id), detail={"kind": kind},
           origin=origin)  # fmt: skip
    log.info("signal %d (%s) from %s", signal.id, kind, partner_user.name)
    return signal, True


def _by_key(session: Session, partner: str, key: str) -> PartnerSignal | None:
    return session.scalar(
        select(PartnerSignal).where(
            PartnerSignal.partner == partner, PartnerSignal.idempotency_key == key
        )
    )


def _replayed(
    earlier: PartnerSignal, kind: str, value: str, platform: str | None, note: str | None
) -> PartnerSignal:
    if (earlier.kind, earlier.value, earlier.platform, earlier.note) != (
        kind,
        value,
        platform,
        note,
    ):
        raise ConflictError(
            f"idempotency key {earlier.idempotency_key!r} was used for signal {earlier.id} "
            "with different content"
        )
    return earlier


def list_signals(
    session: Session, agency: str, state: str | None = "new", *, limit: int = 100
) -> list[PartnerSignal]:
    """The signals of ``agency`` (in ``state``, None for all), oldest first."""
    if state is not None and state not in SIGNAL_STATES:
        raise PartnerError(
            f"state {state!r} is not known", hint=f"Use one of {', '.join(SIGNAL_STATES)}"
        )
    query = select(PartnerSignal).where(PartnerSignal.agency == agency)
    if state is not None:
        query = query.where(PartnerSignal.state == state)
    return list(session.scalars(query.order_by(PartnerSignal.id).limit(limit)))


def review_signal(
    session: Session,
    user: User,
    signal_id: int,
    decision: str,
    reason: str,
    *,
    origin: str = "cli",
    now: datetime | None = None,
) -> PartnerSignal:
    """Accept or reject a new signal of the user's agency, with a reason. The caller commits."""
    if decision not in DECISIONS:
        raise PartnerError(f"decision {decision!r} is not known", hint="Use accept or reject")
    signal = session.get(PartnerSignal, signal_id)
    # another agency's signal is reported as missing, so ids cannot be probed
    if signal is None or user.agency not in (signal.agency, "NETWORK"):
        raise NotFoundError(f"no signal {signal_id}")
    if not allowed(user, "signal.review", signal.agency):
        raise AccessError(
            f"user {user.name!r} is {user.role}: reviewing signals needs an analyst, "
            "officer or supervisor"
        )
    if not reason or not reason.strip():
        raise PartnerError(
            "a review needs a reason", hint="Say why the signal is accepted or rejected"
        )
    if signal.state != "new":
        raise PartnerError(
            f"signal {signal_id} was {signal.state} already by {signal.reviewed_by}",
            hint="A reviewed signal is not reviewed again",
        )
    signal.state = DECISIONS[decision]
    signal.reviewed_by = user.name
    signal.reviewed_at = now or utc_now()
    signal.review_reason = reason.strip()
    record(session, user.name, "signal.review", agency=signal.agency, object_type="signal",
           object_id=str(signal.id), reason=signal.review_reason,
           detail={"decision": signal.state}, origin=origin)  # fmt: skip
    return signal


def signal_json(signal: PartnerSignal) -> dict[str, Any]:
    """A signal's fields for JSON output."""
    return {
        "id": signal.id,
        "partner": signal.partner,
        "agency": signal.agency,
        "kind": signal.kind,
        "value": signal.value,
        "platform": signal.platform,
        "note": signal.note,
        "reported_at": signal.reported_at.isoformat(),
        "state": signal.state,
        "reviewed_by": signal.reviewed_by,
        "reviewed_at": signal.reviewed_at.isoformat() if signal.reviewed_at else None,
        "review_reason": signal.review_reason,
        "idempotency_key": signal.idempotency_key,
    }
