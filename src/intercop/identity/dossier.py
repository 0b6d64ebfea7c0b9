"""Everything the person page shows, as one frozen value with a JSON twin.

A dossier is built from the person directory (accounts, links, profile figures and
their evidence, the activity timeline) and the case store (the viewing agency's
cases with their history, the messages of its campaigns, the audit trail of its
users). Identifiers are masked: e-mails as ``a***@example.org``, IPs as
``192.0.2.x``, payment references and bitcoin addresses as their first and last
characters; usernames are shown, they are the evidence. ``reveal`` returns the
unmasked values of one field when a reason is given.

Invariant: nothing here reads or returns an attack target, a message recipient or
any other third party's data; the timeline is counts of events only.

Recording is the caller's job (the web layer, in the request's transaction):
``person.read`` for building a dossier, ``person.reveal`` with the reason for a reveal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.audit import search as audit_search
from intercop.casework.queue import case_json, event_json
from intercop.errors import IntercopError
from intercop.identity.directory import Directory, PersonEntry, open_directory
from intercop.identity.explain import LinkView, parse_evidence
from intercop.identity.masking import mask_email, mask_text
from intercop.store.models import Campaign, Case, CaseEvent, Message
from intercop.visibility import NotVisibleError, Visibility, can_see_person
from intercop.workspace import Workspace

#: fields ``reveal`` can unmask, and the identifier kinds each covers
REVEALABLE: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "ip": ("ip",),
    "btc_address": ("btc_address",),
    "payment_ref": ("payment_ref", "paypal_email"),
}
MIN_REASON = 10
AUDIT_LIMIT = 200


class RevealError(IntercopError):
    """A reveal was refused: no reason, too short a reason, or an unknown field."""

    hint = f"Say why you need the value in at least {MIN_REASON} characters"


# --- the dossier -----------------------------------------------------------------------


@dataclass(frozen=True)
class DossierAccount:
    """One account of the person, identifiers masked."""

    uid: str
    platform: str
    dataset_id: str
    username: str | None
    emails: tuple[str, ...]
    ips: int  # how many public IPs; the addresses only by reveal
    first_seen: str | None
    last_seen: str | None
    country: str | None
    role: str | None

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "emails": list(self.emails)}


@dataclass(frozen=True)
class DossierSource:
    """What ``reveal`` may unmask for one person (never part of the JSON twin)."""

    workspace: Workspace
    person_id: str
    accounts: tuple[tuple[str, str, str], ...]  # (uid, dataset_id, account_key)
    emails: tuple[tuple[str, str], ...]  # (uid, value)
    ips: tuple[tuple[str, str], ...]
    btc: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Dossier:
    """The person page's data: summary, accounts, links, timeline, profile, cases..."""

    person: PersonEntry
    accounts: tuple[DossierAccount, ...]
    links: tuple[LinkView, ...]
    timeline: tuple[dict[str, Any], ...]
    profile: dict[str, Any] | None
    evidence: dict[str, Any] | None
    cases: tuple[dict[str, Any], ...]
    messages: tuple[dict[str, Any], ...]
    audit: tuple[dict[str, Any], ...]
    source: DossierSource = field(repr=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person.as_json(),
            "accounts": [a.as_json() for a in self.accounts],
            "links": [link.__dict__ for link in self.links],
            "timeline": list(self.timeline),
            "profile": self.profile,
            "evidence": self.evidence,
            "cases": list(self.cases),
            "messages": list(self.messages),
            "audit": list(self.audit),
        }


def build_dossier(
    workspace: Workspace, session: Session, visibility: Visibility, person_id: str
) -> Dossier:
    """The person page of ``person_id`` as ``visibility``'s agency may see it.

    Raises ``NotVisibleError`` for an unknown id and for a person of another agency
    alike. The caller records the read (``audit.record(..., "person.read",
    object_type="person", object_id=person_id)``) in the same transaction.
    """
    directory = open_directory(workspace)
    index = directory.index_of(person_id)
    if index is None or not can_see_person(visibility, person_id):
        raise NotVisibleError("person", person_id)
    rows = directory.account_rows(index)
    accounts, source = _accounts(directory, workspace, person_id, rows)
    profile = directory.profile(index)
    evidence_text = directory.profile_evidence(index)
    return Dossier(
        directory.entry(index),
        accounts,
        _links(directory, index, {a.uid for a in accounts}),
        tuple(
            {"month": m, "platform": p, "kind": k, "events": n}
            for m, p, k, n in directory.timeline(index)
        ),
        _profile_figures(profile),
        mask_text(json.loads(evidence_text)) if evidence_text else None,
        _cases(session, visibility, person_id),
        _messages(session, visibility, person_id),
        _audit(session, visibility, person_id),
        source,
    )


def _accounts(
    directory: Directory, workspace: Workspace, person_id: str, rows: list[int]
) -> tuple[tuple[DossierAccount, ...], DossierSource]:
    records = directory.records.take(rows).to_pylist() if rows else []
    records.sort(key=lambda r: (r["first_seen"] is None, r["first_seen"] or 0, r["uid"]))
    accounts = tuple(
        DossierAccount(
            r["uid"],
            r["platform"],
            r["dataset_id"],
            r["username"],
            tuple(m for m in (mask_email(e) for e in r["emails"] or []) if m),
            len(r["ips"] or []),
            _day(r["first_seen"]),
            _day(r["last_seen"]),
            r["country"],
            r["role"],
        )
        for r in records
    )
    source = DossierSource(
        workspace, person_id,
        tuple((r["uid"], r["dataset_id"], r["account_key"]) for r in records),
        tuple((r["uid"], e) for r in records for e in r["emails"] or []),
        tuple((r["uid"], ip) for r in records for ip in r["ips"] or []),
        tuple((r["uid"], b) for r in records for b in r["btc"] or []),
    )  # fmt: skip
    return accounts, source


def _links(directory: Directory, index: int, uids: set[str]) -> tuple[LinkView, ...]:
    rows = directory.link_rows(index)
    if not rows:
        return ()
    found = directory.links.take(rows).to_pylist()
    views = [
        LinkView(
            r["uid_l"],
            r["uid_r"],
            r["kind"],
            float(r["match_weight"]),
            bool(r["merged"]),
            r["decision"],
            mask_text(parse_evidence(r["evidence"])),
        )
        for r in found
        # like explain_person: a link already inside the person counts only if both ends are
        if r["decision"] != "already together" or (r["uid_l"] in uids and r["uid_r"] in uids)
    ]
    views.sort(key=lambda v: (not v.merged, v.kind, -v.match_weight))
    return tuple(views)


#: profile columns not shown as figures: the full birth date is personal data (age and
#: birth year are shown), the lists are shown elsewhere on the page
_HIDDEN_FIGURES = frozenset({"person_id", "birth_date"})


def _profile_figures(profile: dict[str, Any] | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {k: _plain(v) for k, v in profile.items() if k not in _HIDDEN_FIGURES}


def _cases(session: Session, visibility: Visibility, person_id: str) -> tuple[dict[str, Any], ...]:
    query = select(Case).where(Case.person_id == person_id).order_by(Case.id)
    if not visibility.network:
        query = query.where(Case.agency == visibility.agency)
    cases = list(session.scalars(query))
    if not cases:
        return ()
    # one query for every case's history (what ``queue.case_history`` reads per case)
    events: dict[int, list[dict[str, Any]]] = {c.id: [] for c in cases}
    for event in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_(list(events))).order_by(CaseEvent.id)
    ):
        events[event.case_id].append(event_json(event))
    return tuple({**case_json(c), "history": events[c.id]} for c in cases)


def _messages(
    session: Session, visibility: Visibility, person_id: str
) -> tuple[dict[str, Any], ...]:
    query = (
        select(Message, Campaign)
        .join(Campaign, Campaign.id == Message.campaign_id)
        .where(Message.person_id == person_id)
        .order_by(Message.id)
    )
    if not visibility.network:
        query = query.where(Campaign.agency == visibility.agency)
    return tuple(
        {
            "id": m.id,
            "campaign_id": c.id,
            "campaign": c.name,
            "intervention": c.intervention,
            "channel": m.channel,
            "locale": m.locale,
            "recipient_kind": m.recipient_kind,
            "address": _mask_address(m.channel, m.address),
            "status": m.status,
            "attempts": m.attempts,
            "sent_at": _iso(m.sent_at),
            "created_at": _iso(m.created_at),
        }
        for m, c in session.execute(query).all()
    )


def _audit(session: Session, visibility: Visibility, person_id: str) -> tuple[dict[str, Any], ...]:
    entries = audit_search(session, object_type="person", object_id=person_id, limit=AUDIT_LIMIT)
    return tuple(
        {
            "seq": e.seq,
            "at": _iso(e.at),
            "user": e.user_name,
            "agency": e.agency,
            "action": e.action,
            "reason": e.reason,
            "origin": e.origin,
        }
        for e in entries
        # another agency's interest in a person is that agency's business
        if visibility.network or e.agency == visibility.agency
    )


def _mask_address(channel: str, address: str) -> str | None:
    if "@" in address and "\n" not in address:
        return mask_email(address)
    if channel == "webhook":
        return address.split("?", 1)[0]  # a partner's endpoint, minus any token
    return "***"  # a postal address: shown by reveal only


# --- reveal --------------------------------------------------------------------------


@dataclass(frozen=True)
class Revealed:
    """The unmasked values of one field of a dossier: ``(uid, value)`` pairs."""

    person_id: str
    field: str
    values: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "field": self.field,
                "values": [{"uid": u, "value": v} for u, v in self.values]}  # fmt: skip


def reveal(source: DossierSource, field_name: str, reason: str) -> Revealed:
    """The unmasked ``field_name`` values of the dossier's person, given a reason.

    ``field_name`` is one of ``REVEALABLE`` (email, ip, btc_address, payment_ref); the
    reason must have at least ``MIN_REASON`` characters. The caller records
    ``person.reveal`` with the reason and field in the audit log in the same
    transaction, before it shows the values.
    """
    if len((reason or "").strip()) < MIN_REASON:
        raise RevealError(f"a reveal needs a reason of at least {MIN_REASON} characters")
    if field_name not in REVEALABLE:
        raise RevealError(f"cannot reveal {field_name!r}",
                          hint=f"Choose one of {', '.join(REVEALABLE)}")  # fmt: skip
    if field_name == "email":
        values = source.emails
    elif field_name == "ip":
        values = source.ips
    else:
        values = _identifiers(source, REVEALABLE[field_name])
        if field_name == "btc_address":
            values = tuple(dict.fromkeys((*source.btc, *values)))
    return Revealed(source.person_id, field_name, tuple(sorted(set(values))))


def _identifiers(source: DossierSource, kinds: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(uid, value)`` of the given identifier kinds of the person's accounts (vault)."""
    by_dataset: dict[str, list[str]] = {}
    for _uid, dataset, key in source.accounts:
        by_dataset.setdefault(dataset, []).append(key)
    found: list[tuple[str, str]] = []
    con = duckdb.connect()
    try:
        for dataset, keys in by_dataset.items():
            path = source.workspace.vault / dataset / "canonical" / "identifiers.parquet"
            if not path.exists():
                continue
            for key, value in con.execute(
                "SELECT account_key, value FROM read_parquet(?) "
                "WHERE list_contains(?, account_key) AND list_contains(?, kind) "
                "AND value IS NOT NULL",
                [str(path), keys, list(kinds)],
            ).fetchall():
                found.append((f"{dataset}:{key}", str(value)))
    finally:
        con.close()
    return tuple(found)


def _day(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
