"""Search by username, e-mail or IP: visible persons only, audited without the query text."""

from __future__ import annotations

import json

from sqlalchemy import select

from intercop.store.models import AuditEntry
from intercop.web.routes.search import query_kind
from tests.web.conftest import Web
from tests.web.test_persons import identifiers, only_nl, with_email


def searches(web: Web) -> list[AuditEntry]:
    with web.app.state.web.store.session() as s:
        query = select(AuditEntry).where(AuditEntry.action == "person.search")
        return list(s.scalars(query.order_by(AuditEntry.seq)))


def test_search_by_username_email_and_ip(web: Web) -> None:
    client = web.login("ana")
    person_id = with_email(web, client)
    plain = identifiers(web, person_id)
    for kind, value in (
        ("username", plain["usernames"][0]),
        ("email", plain["emails"][0]),
        ("ip", plain["ips"][0]),
    ):
        data = client.get("/search.json", params={"q": value}).json()
        assert data["kind"] == kind
        assert person_id in {h["person_id"] for h in data["hits"]}, (kind, value)
        html = client.get("/search", params={"q": value})
        assert html.status_code == 200
        assert f'href="/persons/{person_id}"' in html.text
    entries = searches(web)
    assert [json.loads(e.detail)["kind"] for e in entries] == ["username"] * 2 + ["email"] * 2 + [
        "ip"
    ] * 2
    for e in entries:
        for value in plain["emails"] + plain["ips"] + plain["usernames"]:
            assert value not in e.detail
    # the same query gives the same keyed hash: searches can be compared, not read
    hashes = [json.loads(e.detail)["query_hmac"] for e in entries]
    assert hashes[0] == hashes[1] and len(set(hashes)) == 3


def test_empty_query_shows_the_form_only(web: Web) -> None:
    client = web.login("ana")
    assert client.get("/search.json").json() == {"q": "", "kind": None, "hits": []}
    assert 'name="q"' in client.get("/search").text
    assert searches(web) == []


def test_other_agency_finds_nothing_of_nl(web: Web) -> None:
    person_id = only_nl(web)
    plain = identifiers(web, person_id)
    sven = web.login("sven")
    for value in [person_id, *plain["usernames"][:1], *plain["emails"][:1], *plain["ips"][:1]]:
        hits = sven.get("/search.json", params={"q": value}).json()["hits"]
        assert person_id not in {h["person_id"] for h in hits}, value


def test_query_kind() -> None:
    assert query_kind("192.0.2.7") == "ip"
    assert query_kind("2001:db8::1") == "ip"
    assert query_kind("a@example.org") == "email"
    assert query_kind("dark_lord") == "username"
