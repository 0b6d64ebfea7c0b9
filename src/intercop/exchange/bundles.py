"""Referral bundles: one agency's case on a person, signed and sealed for one other agency.

``export_referral`` checks the sender's right to disclose (role, own case, an
authorisation for a non-EU recipient), writes one ``.icb`` file and logs the
disclosure with its recipient. ``import_referral`` refuses a bundle unless, in this
order: the sender is a registered agency, the signature verifies under its registered
key, the bundle is addressed to the importing agency, it has not expired, it was not
imported before, and the importing agency's key opens it; then it opens (or adds to)
the receiving agency's case, keeping handling code, TLP label and provenance, and logs
the receipt. Both functions work in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.casework.cases import open_case
from intercop.exchange.agencies import get_agency
from intercop.exchange.authorisations import find_authorisation, originating_agency
from intercop.exchange.envelope import Header, open_payload, parse, seal, verify
from intercop.exchange.errors import AgencyError, ExchangeError
from intercop.exchange.keys import agency_code, box_key, load_keys, verify_key
from intercop.exchange.payload import accounts_part, case_part, profile_part
from intercop.store.base import utc_now
from intercop.store.models import HANDLING_CODES, TLP_LABELS, Case, CaseEvent, ReceivedBundle
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
DEFAULT_HANDLING = "H2"  # SIENA: no dissemination without the provider's permission
DEFAULT_TLP = "amber"
#: how far a sender's clock may run ahead of ours
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class Exported:
    """A bundle written to ``path``."""

    bundle_id: str
    path: Path
    sender: str
    recipient: str
    person_id: str
    sha256: str
    expires_at: datetime
    handling: str
    tlp: str
    accounts: int
    withheld: dict[str, int]
    authorisation: int | None

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "path": str(self.path), "expires_at": self.expires_at.isoformat()}


@dataclass(frozen=True)
class Imported:
    """A bundle imported as (part of) the receiving agency's case."""

    bundle_id: str
    case_id: int
    new_case: bool
    sender: str
    recipient: str
    person_id: str
    handling: str
    tlp: str
    expires_at: datetime
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "expires_at": self.expires_at.isoformat()}


def _labels(handling: str, tlp: str, days: int) -> tuple[str, str]:
    handling, tlp = handling.upper(), tlp.lower().removeprefix("tlp:")
    if handling not in HANDLING_CODES:
        raise ExchangeError(f"unknown handling code {handling!r}",
                            hint=f"Choose one of {', '.join(HANDLING_CODES)}")  # fmt: skip
    if tlp not in TLP_LABELS:
        raise ExchangeError(f"unknown TLP label {tlp!r}",
                            hint=f"Choose one of {', '.join(TLP_LABELS)}")  # fmt: skip
    if not 1 <= days <= 365:
        raise ExchangeError(f"a bundle must be valid 1 to 365 days, not {days}")
    return handling, tlp


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_referral(
    workspace: Workspace,
    session: Session,
    person_id: str,
    to_agency: str,
    user: str | None,
    reason: str | None = None,
    *,
    out: Path,
    handling: str = DEFAULT_HANDLING,
    tlp: str = DEFAULT_TLP,
    days: int = DEFAULT_DAYS,
    from_agency: str | None = None,
    now: datetime | None = None,
) -> Exported:
    """Write the referral of ``person_id`` to ``to_agency`` as one bundle file at ``out``."""
    handling, tlp = _labels(handling, tlp, days)
    sender = originating_agency(session, user, from_agency)
    acting = require(session, user, "exchange.export", sender)
    recipient = get_agency(session, to_agency, "recipient agency")
    if recipient.code == sender:
        raise ExchangeError(f"{sender} cannot refer a case to itself", hint="Choose --to")
    if recipient.box_public is None:
        raise AgencyError(
            f"agency {recipient.code} has no encryption key registered",
            hint=f"Add the keys it gave you: `intercop agency add {recipient.code} "
            "--sign-key ... --box-key ...`",
        )
    case = session.scalar(select(Case).where(Case.person_id == person_id, Case.agency == sender))
    if case is None:
        raise ExchangeError(
            f"person {person_id} has no case at {sender}: an agency refers its own cases",
            hint="Run `intercop triage` (or check the person id with `intercop case list`)",
        )
    authorisation = None
    if not recipient.eu:
        authorisation = find_authorisation(session, sender, person_id, recipient.code)
        if authorisation is None:
            raise ExchangeError(
                f"{recipient.code} is outside the EU: sending person {person_id} there needs "
                f"a recorded authorisation of {sender}",
                hint=f"A supervisor records it with `intercop exchange authorise {person_id} "
                f"--to {recipient.code} --reason TEXT`",
            )
    why = (reason or "").strip() or f"referral to the competent agency {recipient.code}"
    keys = load_keys(workspace, sender)
    accounts, withheld = accounts_part(workspace, person_id, sender)
    created = now or utc_now()
    header = Header(
        bundle_id=str(uuid.uuid4()),
        sender=sender,
        recipient=recipient.code,
        sender_key=keys.sign_fingerprint,
        created_at=created,
        expires_at=created + timedelta(days=days),
        handling=handling,
        tlp=tlp,
    )
    payload = {
        "person_id": person_id,
        "data_subject": "suspect",
        "reason": why,
        "disclosed_by": acting.name,
        "case": case_part(case),
        "profile": profile_part(workspace, person_id),
        "accounts": accounts,
        "withheld_accounts": withheld,
        "authorisation": None if authorisation is None else {
            "id": authorisation.id, "by": authorisation.authorised_by,
            "reason": authorisation.reason, "at": authorisation.at.isoformat(),
        },
    }  # fmt: skip
    data = seal(header, payload, keys.signing, box_key(recipient.box_public))
    digest = hashlib.sha256(data).hexdigest()
    detail = {
        "recipient": recipient.code,
        "bundle_id": header.bundle_id,
        "case_id": case.id,
        "handling": handling,
        "tlp": tlp,
        "expires_at": header.expires_at.isoformat(),
        "sha256": digest,
        "accounts": len(accounts),
        "withheld": withheld,
        "authorisation": None if authorisation is None else authorisation.id,
    }
    record(session, acting.name, "exchange.disclose", agency=sender, object_type="person",
           object_id=person_id, reason=why, detail=detail)  # fmt: skip
    session.add(_event(case, acting.name, f"referred to {recipient.code}: {why}", detail))
    session.flush()  # a store error now, before the file exists
    _write(out, data)
    log.info("bundle %s: %s -> %s written to %s", header.bundle_id, sender, recipient.code, out)
    return Exported(header.bundle_id, out, sender, recipient.code, person_id, digest,
                    header.expires_at, handling, tlp, len(accounts), withheld,
                    None if authorisation is None else authorisation.id)  # fmt: skip


def _event(case: Case, user: str, reason: str, detail: dict[str, Any]) -> CaseEvent:
    """A case event that records an exchange without changing the case's state."""
    return CaseEvent(
        case_id=case.id,
        at=utc_now(),
        user_name=user,
        from_state=case.state,
        to_state=case.state,
        intervention=case.intervention,
        reason=reason,
        detail=json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False),
    )


def _received(session: Session, bundle_id: str) -> ReceivedBundle | None:
    return session.scalar(select(ReceivedBundle).where(ReceivedBundle.bundle_id == bundle_id))


def _replay(earlier: ReceivedBundle) -> ExchangeError:
    return ExchangeError(
        f"bundle {earlier.bundle_id} already imported on "
        f"{earlier.imported_at:%Y-%m-%d %H:%M} UTC (replay)",
        hint=f"It is case {earlier.case_id}: see `intercop case show {earlier.case_id}`",
    )


def import_referral(
    workspace: Workspace,
    session: Session,
    path: Path,
    agency: str,
    user: str | None,
    *,
    now: datetime | None = None,
) -> Imported:
    """Verify the bundle at ``path`` and open the case for ``agency`` from it."""
    code = agency_code(agency)
    acting = require(session, user, "exchange.import", code)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror}") from exc
    envelope, header = parse(data)
    sender = get_agency(session, header.sender, "sender agency")
    if sender.sign_public is None:
        raise AgencyError(
            f"sender agency {sender.code} has no signing key registered",
            hint=f"Add the keys it gave you: `intercop agency add {sender.code} "
            "--sign-key ... --box-key ...`",
        )
    verify(envelope, verify_key(sender.sign_public))
    if header.recipient != code:
        raise ExchangeError(f"addressed to {header.recipient}, not {code}",
                            hint="Only the agency it is addressed to can import it")  # fmt: skip
    at = now or utc_now()
    if at > header.expires_at:
        raise ExchangeError(f"expired on {header.expires_at:%Y-%m-%d %H:%M} UTC",
                            hint="Ask the sender for a new bundle")  # fmt: skip
    if header.created_at > at + CLOCK_SKEW:
        raise ExchangeError(f"created in the future ({header.created_at:%Y-%m-%d %H:%M} UTC)",
                            hint="Check the clocks of both agencies")  # fmt: skip
    earlier = _received(session, header.bundle_id)
    if earlier is not None:
        raise _replay(earlier)
    payload = open_payload(envelope, header, load_keys(workspace, code).box)
    person_id = str(payload["person_id"])
    profile = payload.get("profile") or {}
    existing = session.scalar(select(Case).where(Case.person_id == person_id, Case.agency == code))
    case = open_case(session, person_id, code, acting.name, country=profile.get("country"),
                     minor=profile.get("minor_now"))  # fmt: skip
    sent_case = payload.get("case") or {}
    provenance = {
        "sender": header.sender,
        "bundle_id": header.bundle_id,
        "handling": header.handling,
        "tlp": header.tlp,
        "sender_case": sent_case.get("id"),
        "sender_intervention": sent_case.get("intervention"),
        "disclosed_by": payload.get("disclosed_by"),
        "expires_at": header.expires_at.isoformat(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    why = f"referral from {header.sender} (bundle {header.bundle_id}): {payload.get('reason')}"
    if existing is None:
        theirs = [f"{header.sender}: {r}" for r in sent_case.get("reasons") or []]
        case.reasons = json.dumps([why, *theirs], ensure_ascii=False)
    event = _event(case, acting.name, why, provenance)
    if existing is None:
        event.from_state = None
    session.add(event)
    session.add(ReceivedBundle(
        bundle_id=header.bundle_id, sender=header.sender, recipient=code, case_id=case.id,
        handling=header.handling, tlp=header.tlp, created_at=header.created_at,
        expires_at=header.expires_at, sha256=provenance["sha256"],
        payload=json.dumps(payload, sort_keys=True, ensure_ascii=False),
        imported_by=acting.name, imported_at=at,
    ))  # fmt: skip
    try:
        session.flush()
    except IntegrityError as exc:
        # another import of the same bundle committed between our check and now
        session.rollback()
        earlier = _received(session, header.bundle_id)
        if earlier is None:
            raise
        raise _replay(earlier) from exc
    detail = {**provenance, "person_id": person_id}
    record(session, acting.name, "exchange.receive", agency=code, object_type="case",
           object_id=str(case.id), reason=why, detail=detail)  # fmt: skip
    log.info("bundle %s from %s imported as case %d", header.bundle_id, header.sender, case.id)
    return Imported(header.bundle_id, case.id, existing is None, header.sender, code, person_id,
                    header.handling, header.tlp, header.expires_at, payload)  # fmt: skip


def record_refusal(session: Session, user: str | None, agency: str, source: str, why: str) -> None:
    """Audit a refused import (its own transaction: the import itself was rolled back).

    A refused bundle is still a disclosure attempt that the data protection officer
    should be able to find: who tried, from where, and the reason given.
    """
    record(session, user or "system", "exchange.refuse", agency=agency,
           object_type="bundle", object_id=source[:200], reason=why[:2000])  # fmt: skip
    session.commit()
