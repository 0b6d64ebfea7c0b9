"""The person page's data: masked identifiers, no victims' data, the agency's own records."""

from __future__ import annotations

import json

import duckdb
import pytest

from intercop.audit import record
from intercop.casework.cases import open_case, transition
from intercop.identity.directory import open_directory
from intercop.identity.dossier import RevealError, build_dossier, reveal
from intercop.identity.masking import mask_email, mask_ip, mask_ref
from intercop.store import open_store
from intercop.store.models import Campaign, Message
from intercop.visibility import NotVisibleError, visibility_for
from tests.identity.people import People, people, people_copy

__all__ = ["people", "people_copy"]


def test_masks() -> None:
    assert mask_email("alice@example.org") == "a***@example.org"
    assert mask_ip("192.0.2.15") == "192.0.2.x"
    assert mask_ip("2001:db8:85a3::8a2e:370:7334") == "2001:db8:85a3:x"
    assert mask_ref("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") == "bc1***mdq"
    assert mask_ref("short") == "***"


def _attacker(p: People) -> tuple[str, set[str]]:
    """The person with the most attacks, and every attack target of their accounts."""
    d = open_directory(p.workspace)
    files = [str(f) for f in p.workspace.vault.glob("*/canonical/events.parquet")]
    rows = duckdb.sql(
        "SELECT dataset_id || ':' || account_key AS uid, target FROM read_parquet(?, "
        "union_by_name = true) WHERE kind = 'attack' AND target IS NOT NULL",
        params=[files],
    ).fetchall()
    targets: dict[str, set[str]] = {}
    for uid, target in rows:
        person = d.person_of_account(uid)
        if person is not None:
            targets.setdefault(person, set()).add(str(target))
    person = max(targets, key=lambda k: len(targets[k]))
    return person, targets[person]


def test_dossier_masks_identifiers_and_never_holds_attack_targets(people_copy: People) -> None:
    p = people_copy
    person, targets = _attacker(p)
    with open_store(p.workspace) as store, store.session() as s:
        net = visibility_for(p.workspace, s, "NETWORK")
        dossier = build_dossier(p.workspace, s, net, person)
    text = json.dumps(dossier.as_json(), default=str)
    assert dossier.person.person_id == person and dossier.accounts
    assert any(t["kind"] == "attack" for t in dossier.timeline)
    assert not [t for t in targets if t in text], "an attack target leaked into the dossier"
    for _uid, email in dossier.source.emails:
        assert email not in text
    for _uid, ip in dossier.source.ips:
        assert f'"{ip}"' not in text and f" {ip}" not in text
    assert all("***@" in e for a in dossier.accounts for e in a.emails)
    assert dossier.profile is not None and "birth_date" not in dossier.profile
    assert {a.uid for a in dossier.accounts} >= {
        u for link in dossier.links if link.merged for u in (link.uid_l, link.uid_r)
    }


def test_reveal_needs_a_reason_and_returns_the_values(people_copy: People) -> None:
    p = people_copy
    person, _ = _attacker(p)
    with open_store(p.workspace) as store, store.session() as s:
        net = visibility_for(p.workspace, s, "NETWORK")
        dossier = build_dossier(p.workspace, s, net, person)
    for reason in ("", "  short   "):
        with pytest.raises(RevealError):
            reveal(dossier.source, "ip", reason)
    with pytest.raises(RevealError):
        reveal(dossier.source, "password_hash", "to check the linking evidence")
    ips = reveal(dossier.source, "ip", "to check the linking evidence")
    assert {v for _, v in ips.values} == {ip for _, ip in dossier.source.ips}
    assert ips.as_json()["field"] == "ip"
    refs = reveal(dossier.source, "payment_ref", "to trace the payments made")
    assert all(uid in {a.uid for a in dossier.accounts} for uid, _ in refs.values)


def test_dossier_shows_the_viewing_agencys_cases_messages_and_audit(people_copy: People) -> None:
    p = people_copy
    with open_store(p.workspace) as store:
        with store.session() as s:
            nl = visibility_for(p.workspace, s, "NL")
        person = sorted(nl.person_ids)[0]
        with store.session() as s:
            mine = open_case(s, person, "NL", "ana")
            transition(
                s, mine, "recommended", "ana", "policy: warning", intervention="warning_email"
            )
            open_case(s, person, "SE", "sven")
            campaign = Campaign(name="W1", agency="NL", intervention="warning_email",
                                channel="outbox", created_by="ana")  # fmt: skip
            s.add(campaign)
            s.flush()
            s.add(Message(campaign_id=campaign.id, case_id=mine.id, person_id=person,
                          channel="outbox", locale="nl", address="kid.gamer@example.org",
                          address_hash="h", message_id="<m1@x>", status="sent"))  # fmt: skip
            record(s, "ana", "person.read", agency="NL", object_type="person", object_id=person)
            record(s, "sven", "person.read", agency="SE", object_type="person", object_id=person)
            s.commit()
        with store.session() as s:
            nl = visibility_for(p.workspace, s, "NL")
            dossier = build_dossier(p.workspace, s, nl, person)
    assert [c["agency"] for c in dossier.cases] == ["NL"]
    assert dossier.cases[0]["history"][-1]["to"] == "recommended"
    assert [m["address"] for m in dossier.messages] == ["k***@example.org"]
    assert [a["user"] for a in dossier.audit] == ["ana"]
    json.dumps(dossier.as_json())


def test_an_invisible_dossier_is_refused_like_a_missing_one(people_copy: People) -> None:
    p = people_copy
    with open_store(p.workspace) as store, store.session() as s:
        fi = visibility_for(p.workspace, s, "FI")
        for pid in (open_directory(p.workspace).person_ids[0], "PER-999999"):
            with pytest.raises(NotVisibleError, match="no person"):
                build_dossier(p.workspace, s, fi, pid)
