"""The agencies of the exchange network as this workspace knows them: names and public keys.

Names and EU membership default to the packaged list of network members and partners
(``intercop.casework.agencies``); the public keys come from the partner itself (its
``intercop exchange keys`` output) and are the trust anchor of every bundle: a bundle
verifies only against the signing key registered here, and is sealed only to the
encryption key registered here. Replacing a registered key is therefore explicit
(``replace=True``) and audited with both fingerprints.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import acting_user, require
from intercop.audit import record
from intercop.casework.agencies import load_agencies, workspace_agencies
from intercop.exchange.errors import AgencyError
from intercop.exchange.keys import agency_code, box_key, fingerprint, unb64, verify_key
from intercop.settings import get_settings
from intercop.store.base import utc_now
from intercop.store.models import ExchangeAgency, User

log = logging.getLogger(__name__)

#: roles whose presence ends the bootstrap: from then on only they manage agencies
MANAGERS = ("admin", "supervisor")


def _fingerprint(text: str | None) -> str | None:
    return fingerprint(unb64(text, "key")) if text else None


def agency_json(agency: ExchangeAgency) -> dict[str, Any]:
    """An agency as the CLI and the web show it (public keys and fingerprints only)."""
    return {
        "code": agency.code,
        "name": agency.name,
        "country": agency.country,
        "eu": agency.eu,
        "sign_key": agency.sign_public,
        "box_key": agency.box_public,
        "sign_fingerprint": _fingerprint(agency.sign_public),
        "box_fingerprint": _fingerprint(agency.box_public),
        "endpoint": agency.endpoint,
        "added_by": agency.added_by,
        "added_at": agency.added_at.isoformat(),
    }


def _acting(session: Session, user: str | None) -> str:
    """The user registering an agency: anyone while no admin or supervisor exists."""
    managers = session.scalar(select(func.count()).select_from(User).where(User.role.in_(MANAGERS)))
    if managers:
        return require(session, user, "agency.manage").name
    name = user or get_settings().user
    return acting_user(session, name).name if name else "bootstrap"


def add_agency(
    session: Session,
    code: str,
    *,
    user: str | None,
    name: str | None = None,
    eu: bool | None = None,
    sign_key: str | None = None,
    box_key_text: str | None = None,
    replace: bool = False,
    root: Path | None = None,
) -> tuple[ExchangeAgency, str]:
    """Register (or update) agency ``code``; returns it and ``added``/``updated``/``unchanged``.

    Args:
        code: ISO country code of the agency.
        user: the acting user (see ``_acting`` for the bootstrap rule).
        name, eu: default to the packaged list of agencies (``root``'s copy if given).
        sign_key, box_key_text: the partner's public keys in base64 (both or neither).
        replace: allow replacing keys already registered (a key rotation).
    The caller commits.
    """
    code = agency_code(code)
    if (sign_key is None) != (box_key_text is None):
        raise AgencyError(
            "give both public keys or neither",
            hint="Pass --sign-key and --box-key as printed by `intercop exchange keys`",
        )
    if sign_key is not None and box_key_text is not None:
        # refuse malformed keys now rather than at the first import
        verify_key(sign_key)
        box_key(box_key_text)
    acting = _acting(session, user)
    known = (workspace_agencies(root) if root else load_agencies()).get(code)
    existing = session.get(ExchangeAgency, code)
    if existing is None:
        if name is None and known is None:
            raise AgencyError(
                f"{code} is not in the list of network agencies",
                hint='Give its name with --name "..." and --eu or --no-eu',
            )
        if eu is None and known is None:
            raise AgencyError(
                f"is {code} bound by the EU Law Enforcement Directive?",
                hint="Pass --eu or --no-eu (non-EU transfers need an authorisation)",
            )
        agency = ExchangeAgency(
            code=code,
            name=name or (known.name if known else code),
            country=code,
            eu=eu if eu is not None else bool(known and known.eu),
            sign_public=sign_key,
            box_public=box_key_text,
            added_by=acting,
            added_at=utc_now(),
        )
        session.add(agency)
        outcome = "added"
        old_keys: tuple[str | None, str | None] = (None, None)
    else:
        agency = existing
        old_keys = (agency.sign_public, agency.box_public)
        rotating = sign_key is not None and agency.sign_public is not None
        if rotating and (sign_key, box_key_text) != old_keys and not replace:
            raise AgencyError(
                f"agency {code} already has keys (signing {_fingerprint(agency.sign_public)})",
                hint="Pass --replace to rotate them, after checking the new fingerprints "
                "with the partner by another channel",
            )
        changed = False
        for attr, value in (("name", name), ("eu", eu), ("sign_public", sign_key),
                            ("box_public", box_key_text)):  # fmt: skip
            if value is not None and getattr(agency, attr) != value:
                setattr(agency, attr, value)
                changed = True
        outcome = "updated" if changed else "unchanged"
    if outcome != "unchanged":
        record(
            session,
            acting,
            f"agency.{'add' if outcome == 'added' else 'update'}",
            agency=code,
            object_type="agency",
            object_id=code,
            detail={
                "name": agency.name,
                "eu": agency.eu,
                "sign_fingerprint": _fingerprint(agency.sign_public),
                "box_fingerprint": _fingerprint(agency.box_public),
                "previous_sign_fingerprint": _fingerprint(old_keys[0]),
                "previous_box_fingerprint": _fingerprint(old_keys[1]),
            },
        )
        log.info("agency %s %s by %s", code, outcome, acting)
    session.flush()
    return agency, outcome


def list_agencies(session: Session) -> list[ExchangeAgency]:
    """Every registered agency, by code."""
    return list(session.scalars(select(ExchangeAgency).order_by(ExchangeAgency.code)))


def get_agency(session: Session, code: str, role: str = "agency") -> ExchangeAgency:
    """The registered agency ``code``; refused with how to add it if unknown."""
    code = agency_code(code)
    agency = session.get(ExchangeAgency, code)
    if agency is None:
        raise AgencyError(
            f"unknown {role} {code}: add it with intercop agency add",
            hint=f"Run `intercop agency add {code} --sign-key ... --box-key ...` with the "
            "keys the agency gave you",
        )
    return agency
