"""The person directory: listing, filters, counts and search, for one agency at a time."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
import pytest

from intercop.identity.directory import open_directory
from intercop.store import open_store
from intercop.visibility import Visibility, visibility_for
from tests.identity.people import People, people, people_copy

__all__ = ["people", "people_copy"]


def _visibilities(p: People) -> tuple[Visibility, Visibility, Visibility]:
    with open_store(p.workspace) as store, store.session() as s:
        return (visibility_for(p.workspace, s, "NL"), visibility_for(p.workspace, s, "GB"),
                visibility_for(p.workspace, s, "NETWORK"))  # fmt: skip


def test_page_lists_visible_persons_by_risk_with_filters(people_copy: People) -> None:
    p = people_copy
    nl, gb, net = _visibilities(p)
    d = open_directory(p.workspace)
    everyone = d.page(net, limit=1000)
    assert everyone.total == len(d) == len(net.person_ids)
    risks = [e.risk if e.risk is not None else -1.0 for e in everyone.items]
    assert risks == sorted(risks, reverse=True)
    listed = d.page(gb, limit=1000)
    assert {e.person_id for e in listed.items} == gb.person_ids
    second = d.page(gb, offset=5, limit=5)
    assert [e.person_id for e in second.items] == [e.person_id for e in listed.items[5:10]]
    by_id = d.page(nl, order="person_id", limit=1000)
    assert [e.person_id for e in by_id.items] == sorted(nl.person_ids)
    country = everyone.items[0].country
    assert country is not None
    only = d.page(net, country=country.lower(), limit=1000)
    assert only.total and all(e.country == country for e in only.items)
    minors = d.page(net, minor=True, limit=1000)
    assert all(e.minor is True for e in minors.items)
    assert minors.total == d.counts(net).minors
    band = d.page(net, age_band="12-15", limit=1000)
    assert all(e.age_band == "12-15" for e in band.items)
    assert band.total == d.counts(net).by_age_band.get("12-15", 0)
    assert d.page(net, country="ZZ").total == 0


def test_counts_are_per_agency(people_copy: People) -> None:
    nl, gb, net = _visibilities(people_copy)
    d = open_directory(people_copy.workspace)
    for vis in (nl, gb, net):
        counts = d.counts(vis)
        assert counts.total == len(vis.person_ids)
        assert sum(counts.by_country.values()) == sum(counts.by_age_band.values()) == counts.total


def _records(p: People) -> list[dict[str, object]]:
    table = pq.read_table(p.workspace.derived / "records.parquet",
                          columns=["uid", "dataset_id", "username", "emails", "ips"])  # fmt: skip
    return table.to_pylist()


def test_search_by_username_email_and_ip_finds_only_visible_persons(people_copy: People) -> None:
    p = people_copy
    nl, gb, net = _visibilities(p)
    d = open_directory(p.workspace)
    records = _records(p)
    gb_only = [r for r in records if r["dataset_id"] == p.gb_dataset and r["username"]
               and r["emails"] and r["ips"]
               and d.person_of_account(str(r["uid"])) not in nl.person_ids]  # fmt: skip
    assert gb_only, "the scenario has GB-only persons with e-mail and IP"
    r = gb_only[0]
    owner = d.person_of_account(str(r["uid"]))
    username, email, ip = str(r["username"]), r["emails"][0], r["ips"][0]  # type: ignore[index]
    for query, matched in (
        (username.upper(), "username"),
        (username[:-1], "username_prefix"),
        (f"  {email.upper()} ", "email"),
        (ip, "ip"),
        (owner, "person_id"),
    ):
        hits = d.search(gb, query)
        assert owner in {h.entry.person_id for h in hits}, query
        hit = next(h for h in hits if h.entry.person_id == owner)
        assert hit.matched == matched or (
            matched == "username_prefix" and hit.matched == "username"
        )
        assert all(h.entry.person_id in gb.person_ids for h in hits)
        # NL never gets a person it may not see, whatever the query
        assert all(h.entry.person_id in nl.person_ids for h in d.search(nl, query)), query
        assert owner not in {h.entry.person_id for h in d.search(nl, query)}
    assert d.search(gb, "   ") == []
    assert d.search(net, "no-such-user-anywhere-xyz") == []


def test_the_directory_is_rebuilt_when_its_files_change(people_copy: People) -> None:
    p = people_copy
    first = open_directory(p.workspace)
    assert open_directory(p.workspace) is first
    persons = p.workspace.derived / "persons.parquet"
    st = persons.stat()
    os.utime(persons, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = open_directory(p.workspace)
    assert again is not first and again.person_ids == first.person_ids


def test_unknown_order_is_refused(people: People) -> None:
    with open_store(people.workspace) as store, store.session() as s:
        net = visibility_for(people.workspace, s, "NETWORK")
    with pytest.raises(ValueError):
        open_directory(people.workspace).page(net, order="name")
