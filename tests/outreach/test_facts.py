"""Facts of persons on a resolved synthetic takedown: only their own, never victims'."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import duckdb
import pytest

from intercop.casework.agencies import load_agencies
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import resolve
from intercop.outreach.facts import FactsError, facts_for, mask_ip
from intercop.outreach.locales import locale_for
from intercop.outreach.render import Templates
from intercop.store.database import open_store
from intercop.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def resolved(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    """A private copy of the ingested workspace, resolved into persons and profiles."""
    root = tmp_path_factory.mktemp("facts") / "ws"
    shutil.copytree(ingested[0].root, root)
    ws = open_workspace(root)
    with open_store(ws) as store:
        resolve(ws, store)
    return ws


def _canonical(ws: Workspace, table: str) -> str:
    return f"read_parquet('{ws.vault}/*/canonical/{table}.parquet', union_by_name = true)"


def _own(ws: Workspace, person: str, kind: str) -> set[str]:
    """Every identifier value of ``kind`` on the accounts of ``person``."""
    rows = duckdb.sql(
        f"SELECT i.value FROM {_canonical(ws, 'identifiers')} i "
        f"JOIN read_parquet('{ws.derived}/persons.parquet') p USING (dataset_id, account_key) "
        f"WHERE p.person_id = '{person}' AND i.kind = '{kind}'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _account_names(ws: Workspace, person: str) -> set[str]:
    rows = duckdb.sql(
        f"SELECT a.username FROM {_canonical(ws, 'accounts')} a "
        f"JOIN read_parquet('{ws.derived}/persons.parquet') p USING (dataset_id, account_key) "
        f"WHERE p.person_id = '{person}'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def test_mask_ip() -> None:
    assert mask_ip("85.144.12.7") == "85.144.x.x"
    assert mask_ip("2001:0db8:85a3::8a2e:0370:7334") == "2001:db8:x:x::"
    assert mask_ip("::ffff:10.1.2.3") == "10.1.x.x"
    assert mask_ip("not an ip") is None
    assert mask_ip(None) is None


def test_facts_of_every_person_in_one_batch(resolved: Workspace) -> None:
    persons = duckdb.sql(
        f"SELECT DISTINCT person_id FROM read_parquet('{resolved.derived}/persons.parquet')"
    ).fetchall()
    ids = [str(r[0]) for r in persons]
    facts = facts_for(resolved, [*ids, "PER-NOBODY"])
    assert set(facts) == set(ids)  # an unknown person is simply absent
    attackers = [f for f in facts.values() if f.attacks]
    assert attackers and all(f.platform and f.username for f in attackers)
    assert any(f.masked_ip for f in facts.values())
    assert any(f.registered for f in facts.values())
    for f in facts.values():
        assert f.platform == (f.platforms[0] if f.platforms else "")
        assert f.masked_ip is None or f.masked_ip.count("x") == 2
        assert f.accounts >= 1


def test_facts_are_the_persons_own(resolved: Workspace) -> None:
    facts = facts_for(resolved, [f"PER-{n:06d}" for n in range(1, 200)])
    usernames = {pid: _own(resolved, pid, "username") for pid in facts}
    masked = {pid: {mask_ip(ip) for ip in _own(resolved, pid, "ip")} for pid in facts}
    checked = 0
    for pid, f in facts.items():
        if f.username:
            assert f.username in _account_names(resolved, pid)
        if f.masked_ip:
            assert f.masked_ip in masked[pid]
        # a username or IP of any other person never appears in this person's facts
        for other, names in usernames.items():
            if other == pid or not names:
                continue
            text = repr(dataclasses.astuple(f)).lower()
            foreign = {n.lower() for n in names} - {u.lower() for u in usernames[pid]}
            assert not any(f"'{n}'" in text for n in foreign), (pid, other)
            foreign_ips = masked[other] - masked[pid]
            assert f.masked_ip not in foreign_ips
            checked += 1
    assert checked > 1000


def test_no_attack_target_reaches_any_message(resolved: Workspace) -> None:
    targets = {
        str(r[0])
        for r in duckdb.sql(
            f"SELECT DISTINCT target FROM {_canonical(resolved, 'events')} "
            "WHERE kind = 'attack' AND target IS NOT NULL"
        ).fetchall()
    }
    assert targets
    facts = facts_for(resolved, [f"PER-{n:06d}" for n in range(1, 400)])
    templates = Templates()
    agency = load_agencies()["NL"]
    bodies = []
    for f in list(facts.values())[:60]:
        locale = locale_for(f.country, f.languages)
        for intervention in templates.interventions():
            r = templates.render(intervention, locale, facts=f, agency=agency, sent_on=date.today())
            bodies.append(r.subject + r.text + r.html)
    text = "\n".join(bodies)
    leaked = [t for t in targets if len(t) > 4 and t in text]
    assert not leaked


def test_without_persons_it_says_to_resolve(workspace: Workspace) -> None:
    with pytest.raises(FactsError, match="resolve"):
        facts_for(workspace, ["PER-000001"])
    assert facts_for(workspace, []) == {}
