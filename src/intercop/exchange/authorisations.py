"""Authorisations of transfers outside the EU (Law Enforcement Directive, art. 35).

A referral to an agency registered with ``eu = False`` is refused unless a supervisor
of the originating agency recorded, with a reason, that this person may go to that
agency. Authorisations are per person and recipient, and audited when given and
each time they are used.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import acting_user, require
from intercop.audit import record
from intercop.casework.agencies import NETWORK
from intercop.exchange.agencies import get_agency
from intercop.exchange.errors import ExchangeError
from intercop.store.base import utc_now
from intercop.store.models import TransferAuthorisation

log = logging.getLogger(__name__)


def originating_agency(session: Session, user: str | None, from_agency: str | None) -> str:
    """The agency a user acts for: ``from_agency`` if given, else the user's own."""
    acting = acting_user(session, user)
    code = (from_agency or acting.agency).upper()
    if code == NETWORK:
        raise ExchangeError(
            f"user {acting.name!r} belongs to the network queue, not to one agency",
            hint="Say which agency sends with --from CC",
        )
    return code


def authorisation_json(auth: TransferAuthorisation) -> dict[str, Any]:
    """An authorisation as the CLI shows it."""
    return {
        "id": auth.id,
        "agency": auth.agency,
        "person_id": auth.person_id,
        "to_agency": auth.to_agency,
        "authorised_by": auth.authorised_by,
        "reason": auth.reason,
        "at": auth.at.isoformat(),
    }


def authorise_transfer(
    session: Session,
    person_id: str,
    to_agency: str,
    user: str | None,
    reason: str,
    *,
    from_agency: str | None = None,
) -> TransferAuthorisation:
    """Record a supervisor's authorisation to send ``person_id`` to a non-EU agency.

    The caller commits.
    """
    agency = originating_agency(session, user, from_agency)
    acting = require(session, user, "exchange.authorise", agency)
    recipient = get_agency(session, to_agency, "recipient agency")
    if recipient.eu:
        raise ExchangeError(
            f"{recipient.code} is an EU agency: transfers to it need no authorisation",
            hint="Export the referral directly with `intercop exchange export`",
        )
    if not reason.strip():
        raise ExchangeError("an authorisation needs a reason", hint="Give --reason TEXT")
    auth = TransferAuthorisation(
        agency=agency,
        person_id=person_id,
        to_agency=recipient.code,
        authorised_by=acting.name,
        reason=reason.strip(),
        at=utc_now(),
    )
    session.add(auth)
    session.flush()
    record(
        session,
        acting.name,
        "exchange.authorise",
        agency=agency,
        object_type="person",
        object_id=person_id,
        reason=auth.reason,
        detail={"to_agency": recipient.code, "authorisation": auth.id},
    )
    log.info("transfer of %s to %s authorised by %s", person_id, recipient.code, acting.name)
    return auth


def find_authorisation(
    session: Session, agency: str, person_id: str, to_agency: str
) -> TransferAuthorisation | None:
    """The latest authorisation of ``agency`` to send ``person_id`` to ``to_agency``."""
    return session.scalar(
        select(TransferAuthorisation)
        .where(
            TransferAuthorisation.agency == agency,
            TransferAuthorisation.person_id == person_id,
            TransferAuthorisation.to_agency == to_agency,
        )
        .order_by(TransferAuthorisation.id.desc())
        .limit(1)
    )
