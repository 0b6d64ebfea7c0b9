"""Distribution levels: who besides the owner agency may see a dataset, case, report or cohort.

Invariants:

- Every object has exactly one current distribution: its row in ``distributions``, or
  the default when there is none: own agency only, handling code H2, TLP:AMBER (least
  sharing by default; sharing is always an explicit, audited act of the owner).
- Only a supervisor of the owner agency sets a distribution (``share.set``); each one is
  audited as a disclosure naming its recipients and kept in the append-only
  ``distribution_history``.
- ``may_see`` is the single rule: the owner and the network coordination see ``full``;
  ``partners`` gives ``full`` to the agencies named; ``network`` gives ``full`` to every
  EU agency of the network (an agency outside the EU gets aggregates only: a transfer
  out of the EU needs the originating agency's authorisation per person, LED art. 35);
  ``aggregate`` gives every agency counts only (network cohort tables), never persons.
- A distribution recorded before its case was opened does not apply to it (a case id
  reused after retention erased the case never inherits the old case's sharing).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.casework.agencies import NETWORK, load_agencies, workspace_agencies
from intercop.evidence.vault import Vault
from intercop.exchange.errors import ExchangeError
from intercop.store.base import utc_now
from intercop.store.models import (
    HANDLING_CODES,
    LEVELS,
    SHARED_OBJECTS,
    TLP_LABELS,
    Case,
    DistributionChange,
    ExchangeAgency,
    Pilot,
)
from intercop.store.models import Distribution as DistributionRow
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

Access = Literal["full", "aggregate"]

DEFAULT_LEVEL = "own"
DEFAULT_HANDLING = "H2"
DEFAULT_TLP = "amber"
#: what each handling code means for a receiving agency (Europol SIENA codes, our reading)
HANDLING = {
    "H0": "may be used for any police purpose",
    "H1": "not to be used in court proceedings without the owner's permission",
    "H2": "no further dissemination without the owner's permission",
    "H3": "other restrictions, stated in the reason",
}
#: levels at which some other agency sees persons
PERSON_LEVELS = ("partners", "network")


class SharingError(ExchangeError):
    """A distribution cannot be set as asked; the message says which part is wrong."""

    hint = "See docs/sharing.md for the levels, handling codes and TLP labels"


@dataclass(frozen=True)
class Distribution:
    """Who may see one object, and the labels every recipient must respect."""

    object_type: str
    object_id: str
    owner: str
    level: str = DEFAULT_LEVEL
    partners: tuple[str, ...] = ()
    handling: str = DEFAULT_HANDLING
    tlp: str = DEFAULT_TLP
    reason: str | None = None
    set_by: str | None = None  # None: the default, never set
    set_at: datetime | None = None

    @property
    def default(self) -> bool:
        """Whether this is the default distribution (no one ever set one)."""
        return self.set_by is None

    def recipients(self) -> list[str]:
        """Who receives the object beyond its owner, as the audit log names them."""
        if self.level == "partners":
            return list(self.partners)
        if self.level == "network":
            return ["network"]
        if self.level == "aggregate":
            return ["network:aggregates"]
        return []

    def as_json(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "owner": self.owner,
            "level": self.level,
            "partners": list(self.partners),
            "handling": self.handling,
            "handling_means": HANDLING[self.handling],
            "tlp": f"TLP:{self.tlp.upper()}",
            "reason": self.reason,
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat() if self.set_at else None,
            "default": self.default,
        }


def may_see(agency: str, distribution: Distribution, *, eu: bool = True) -> Access | None:
    """What ``agency`` may see of an object: ``full``, ``aggregate`` (counts only) or nothing.

    ``eu`` says whether ``agency`` is in the EU (see the module docstring).
    """
    agency = agency.upper()
    if agency in (distribution.owner, NETWORK):
        return "full"
    level = distribution.level
    if level == "partners" and agency in distribution.partners:
        return "full"
    if level == "network":
        return "full" if eu else "aggregate"
    if level == "aggregate":
        return "aggregate"
    return None


# --- reading ---------------------------------------------------------------------------


def _from_row(row: DistributionRow | DistributionChange) -> Distribution:
    return Distribution(
        row.object_type, row.object_id, row.owner, row.level, tuple(json.loads(row.partners)),
        row.handling, row.tlp, row.reason, row.set_by, row.set_at,
    )  # fmt: skip


def _check_type(object_type: str) -> str:
    if object_type not in SHARED_OBJECTS:
        raise SharingError(
            f"cannot share a {object_type!r}",
            hint=f"Share one of: {', '.join(SHARED_OBJECTS)}",
        )
    return object_type


def _int_id(object_type: str, object_id: str) -> int:
    try:
        return int(object_id)
    except ValueError:
        raise SharingError(f"no {object_type} {object_id!r}: its id is a number") from None


def _case(session: Session, object_id: str) -> Case:
    case = session.get(Case, _int_id("case", object_id))
    if case is None:
        raise SharingError(f"no case {object_id!r}", hint="List cases with `intercop case list`")
    return case


def owner_of(
    session: Session, object_type: str, object_id: str, workspace: Workspace | None = None
) -> str:
    """The agency owning an object (a dataset needs the ``workspace``: its manifest says)."""
    _check_type(object_type)
    if object_type == "dataset":
        if workspace is None:
            raise SharingError("the owner of a dataset is in its manifest: pass the workspace")
        vault = Vault(workspace)
        if not vault.exists(object_id):
            raise SharingError(
                f"no dataset {object_id!r}", hint="List datasets with `intercop datasets`"
            )
        return vault.manifest(object_id).agency.upper()
    if object_type == "case":
        return _case(session, object_id).agency.upper()
    if object_type == "report":
        pilot = session.get(Pilot, _int_id("report", object_id))
        if pilot is None:
            raise SharingError(
                f"no report of pilot {object_id!r}", hint="List pilots with `intercop pilot list`"
            )
        return pilot.agency.upper()
    # a cohort table is an agency's: its id is the agency code
    return object_id.upper()


def _applies(row: DistributionRow, case: Case | None) -> bool:
    """Whether a stored case distribution belongs to the case now holding that id."""
    if case is None:
        return True
    return row.owner == case.agency.upper() and row.set_at >= case.created_at


def distribution_of(
    session: Session, object_type: str, object_id: str, workspace: Workspace | None = None
) -> Distribution:
    """The current distribution of an object (the default when none was set)."""
    _check_type(object_type)
    row = session.scalar(
        select(DistributionRow).where(
            DistributionRow.object_type == object_type, DistributionRow.object_id == object_id
        )
    )
    case = _case(session, object_id) if object_type == "case" else None
    if row is not None and _applies(row, case):
        return _from_row(row)
    return Distribution(
        object_type, object_id, owner_of(session, object_type, object_id, workspace)
    )


def list_distributions(
    session: Session, *, owner: str | None = None, object_type: str | None = None
) -> list[Distribution]:
    """Every distribution set (not the defaults), optionally of one owner or object type."""
    query = select(DistributionRow).order_by(DistributionRow.object_type, DistributionRow.object_id)
    if owner:
        query = query.where(DistributionRow.owner == owner.upper())
    if object_type:
        query = query.where(DistributionRow.object_type == _check_type(object_type))
    return [_from_row(r) for r in session.scalars(query)]


def history_of(session: Session, object_type: str, object_id: str) -> list[Distribution]:
    """Every distribution ever set for an object, oldest first."""
    rows = session.scalars(
        select(DistributionChange)
        .where(
            DistributionChange.object_type == object_type,
            DistributionChange.object_id == object_id,
        )
        .order_by(DistributionChange.id)
    )
    return [_from_row(r) for r in rows]


def is_eu(session: Session, agency: str) -> bool:
    """Whether ``agency`` is in the EU: as registered, else as the packaged list says."""
    agency = agency.upper()
    if agency == NETWORK:
        return True
    registered = session.get(ExchangeAgency, agency)
    if registered is not None:
        return bool(registered.eu)
    known = load_agencies().get(agency)
    return bool(known and known.eu)


def _shared_rows(session: Session, object_type: str, agency: str) -> list[DistributionRow]:
    """The rows of ``object_type`` that give ``agency`` full access."""
    rows = session.scalars(
        select(DistributionRow).where(
            DistributionRow.object_type == object_type,
            DistributionRow.level.in_(PERSON_LEVELS),
        )
    ).all()
    if not rows:
        return []
    eu = is_eu(session, agency)
    return [r for r in rows if may_see(agency, _from_row(r), eu=eu) == "full"]


def full_dataset_ids(session: Session, agency: str) -> set[str]:
    """Datasets other agencies shared with ``agency`` at person level (partners or network)."""
    agency = agency.upper()
    return {r.object_id for r in _shared_rows(session, "dataset", agency) if r.owner != agency}


def shared_case_person_ids(session: Session, agency: str) -> set[str]:
    """Persons of the cases other agencies shared with ``agency`` (seen read-only)."""
    agency = agency.upper()
    rows = {int(r.object_id): r for r in _shared_rows(session, "case", agency) if r.owner != agency}
    if not rows:
        return set()
    cases = session.scalars(select(Case).where(Case.id.in_(rows)))
    return {c.person_id for c in cases if _applies(rows[c.id], c)}


def dataset_access(session: Session, agency: str, owners: Mapping[str, str]) -> dict[str, Access]:
    """For each dataset of ``owners`` (id -> owner), what ``agency`` may see of it.

    A dataset counts at the better of its own distribution and its owner's cohort
    distribution (``share set cohort NL --level aggregate`` puts all of NL's datasets in
    the network's cohort tables). Datasets the agency may not see at all are left out.
    """
    agency = agency.upper()
    rows = {
        (r.object_type, r.object_id): _from_row(r)
        for r in session.scalars(
            select(DistributionRow).where(DistributionRow.object_type.in_(("dataset", "cohort")))
        )
    }
    eu = is_eu(session, agency)
    found: dict[str, Access] = {}
    for dataset_id, owner in owners.items():
        owner = owner.upper()
        own = rows.get(("dataset", dataset_id)) or Distribution("dataset", dataset_id, owner)
        cohort = rows.get(("cohort", owner))
        seen = [may_see(agency, own, eu=eu)]
        if cohort is not None:
            seen.append("aggregate" if may_see(agency, cohort, eu=eu) else None)
        if "full" in seen:
            found[dataset_id] = "full"
        elif "aggregate" in seen:
            found[dataset_id] = "aggregate"
    return found


# --- setting ---------------------------------------------------------------------------


def known_agencies(session: Session, workspace: Workspace | None) -> set[str]:
    """Agency codes a distribution may name: registered ones and the network's list."""
    listed = workspace_agencies(workspace.root) if workspace else load_agencies()
    return set(listed) | set(session.scalars(select(ExchangeAgency.code)))


def _labels(level: str, handling: str, tlp: str) -> tuple[str, str, str]:
    level, handling = level.lower(), handling.upper()
    tlp = tlp.lower().removeprefix("tlp:").replace("_", "+").replace(" ", "+")
    if level not in LEVELS:
        raise SharingError(f"unknown level {level!r}", hint=f"Choose one of {', '.join(LEVELS)}")
    if handling not in HANDLING_CODES:
        raise SharingError(
            f"unknown handling code {handling!r}", hint=f"Choose one of {', '.join(HANDLING)}"
        )
    if tlp not in TLP_LABELS:
        raise SharingError(
            f"unknown TLP label {tlp!r}", hint=f"Choose one of {', '.join(TLP_LABELS)}"
        )
    if tlp == "red" and level == "network":
        raise SharingError(
            "TLP:RED is for named recipients only: it cannot go to the whole network",
            hint="Use --level partners with --partners, or a weaker TLP label",
        )
    return level, handling, tlp


def _partners(
    session: Session, workspace: Workspace | None, level: str, owner: str, given: Iterable[str]
) -> tuple[str, ...]:
    partners = tuple(sorted({p.strip().upper() for p in given if p.strip()}))
    if level != "partners":
        if partners:
            raise SharingError(
                f"partners are named only at level 'partners', not {level!r}",
                hint="Drop --partners, or use --level partners",
            )
        return ()
    if not partners:
        raise SharingError(
            "level 'partners' needs at least one partner agency", hint="Add --partners FI,SE"
        )
    if owner in partners:
        raise SharingError(f"{owner} owns this already: it is not a partner of itself")
    unknown = sorted(set(partners) - known_agencies(session, workspace))
    if unknown:
        raise SharingError(
            f"unknown agency {', '.join(unknown)}",
            hint="Register it with `intercop agency add CODE`",
        )
    outside = [p for p in partners if not is_eu(session, p)]
    if outside:
        raise SharingError(
            f"{', '.join(outside)} is outside the EU: sharing persons with it is a transfer "
            "that needs a per-person authorisation (LED art. 35)",
            hint="Send a referral bundle after `intercop exchange authorise`, or share "
            "aggregates only",
        )
    return partners


def set_distribution(
    session: Session,
    user: str | None,
    object_type: str,
    object_id: str,
    level: str,
    partners: Iterable[str] = (),
    handling: str = DEFAULT_HANDLING,
    tlp: str = DEFAULT_TLP,
    reason: str = "",
    *,
    workspace: Workspace | None = None,
    origin: str | None = None,
) -> Distribution:
    """Set who may see an object; only a supervisor of its owner agency may (the caller commits).

    Args:
        session: the case store session.
        user: the acting user (``--user``; ``None``: ``INTERCOP_USER``).
        object_type: dataset, case, report or cohort.
        object_id: the dataset id, case id, pilot id (report) or agency code (cohort).
        level: own, partners, network or aggregate.
        partners: agency codes, for level ``partners`` only.
        handling: H0-H3.
        tlp: clear, green, amber, amber+strict or red (``TLP:`` prefix allowed).
        reason: why (required; it is the disclosure's justification in the audit log).
        workspace: needed for datasets (the owner is in the manifest).
        origin: the audit origin (the web passes the client's address).
    """
    if not reason.strip():
        raise SharingError("a distribution needs a reason", hint="Say why with --reason")
    level, handling, tlp = _labels(level, handling, tlp)
    owner = owner_of(session, object_type, object_id, workspace)
    who = require(session, user, "share.set", owner)
    names = _partners(session, workspace, level, owner, partners)
    before = distribution_of(session, object_type, object_id, workspace)
    now = utc_now()
    fields = {
        "object_type": object_type, "object_id": object_id, "owner": owner, "level": level,
        "partners": json.dumps(list(names)), "handling": handling, "tlp": tlp,
        "reason": reason.strip(), "set_by": who.name, "set_at": now,
    }  # fmt: skip
    row = session.scalar(
        select(DistributionRow).where(
            DistributionRow.object_type == object_type, DistributionRow.object_id == object_id
        )
    )
    if row is None:
        session.add(DistributionRow(**fields))
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    session.add(DistributionChange(**fields))
    after = Distribution(object_type, object_id, owner, level, names, handling, tlp,
                         reason.strip(), who.name, now)  # fmt: skip
    record(
        session, who.name, "share.set", agency=owner, object_type=object_type,
        object_id=object_id, reason=reason.strip(), origin=origin,
        detail={"level": level, "partners": list(names), "handling": handling, "tlp": tlp,
                "recipients": after.recipients(), "before": {
                    "level": before.level, "partners": list(before.partners),
                    "handling": before.handling, "tlp": before.tlp}},
    )  # fmt: skip
    log.info("%s %s shared at level %s (%s) by %s", object_type, object_id, level,
             ",".join(names) or "-", who.name)  # fmt: skip
    session.flush()
    return after
