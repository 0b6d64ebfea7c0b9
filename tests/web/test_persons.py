"""The persons list, the person page (masked, audited), reveal, and agency isolation."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from intercop.identity.directory import open_directory
from intercop.store.models import AuditEntry
from intercop.visibility import visibility_for
from intercop.web.routes.persons import recommendation
from tests.web.conftest import Web, csrf_of

SCRIPT = "<script>alert(1)</script>"


def identifiers(web: Web, person_id: str) -> dict[str, list[str]]:
    """The person's plain usernames, e-mails and IPs, straight from the directory."""
    directory = open_directory(web.workspace)
    index = directory.index_of(person_id)
    assert index is not None
    rows = directory.records.take(directory.account_rows(index)).to_pylist()
    return {
        "usernames": [r["username"] for r in rows if r["username"]],
        "emails": [e for r in rows for e in r["emails"] or []],
        "ips": [ip for r in rows for ip in r["ips"] or []],
    }


def with_email(web: Web, client: TestClient) -> str:
    """A person of the list with at least one e-mail and one IP."""
    for item in client.get("/persons.json?limit=100").json()["items"]:
        found = identifiers(web, item["person_id"])
        if found["emails"] and found["ips"]:
            return str(item["person_id"])
    raise AssertionError("no person with an e-mail and an IP")


def audit(web: Web, action: str) -> list[AuditEntry]:
    with web.app.state.web.store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def only_nl(web: Web) -> str:
    """A person NL may see and SE may not."""
    with web.app.state.web.store.session() as s:
        nl = visibility_for(web.workspace, s, "NL").person_ids
        se = visibility_for(web.workspace, s, "SE").person_ids
    return sorted(nl - se)[0]


def test_list_filters_and_pages(web: Web) -> None:
    client = web.login("ana")
    first = client.get("/persons.json?limit=5").json()
    with web.app.state.web.store.session() as s:
        visible = visibility_for(web.workspace, s, "NL").person_ids
    assert first["total"] == len(visible)
    risks = [p["risk"] for p in first["items"]]
    assert risks == sorted(risks, reverse=True)
    assert first["next"] == "/persons?order=risk&offset=5&limit=5"
    second = client.get(first["next"].replace("/persons?", "/persons.json?")).json()
    assert not {p["person_id"] for p in first["items"]} & {p["person_id"] for p in second["items"]}
    nl = client.get("/persons.json?country=nl&limit=500").json()
    assert nl["items"] and all(p["country"] == "NL" for p in nl["items"])
    minors = client.get("/persons.json?minor=yes&limit=500").json()
    assert minors["items"] and all(p["minor"] is True for p in minors["items"])
    html = client.get("/persons?limit=5")
    assert html.status_code == 200
    for p in first["items"]:
        assert f'href="/persons/{p["person_id"]}"' in html.text
    assert client.get("/persons.json?order=name").status_code == 422


def test_person_page_masks_identifiers_and_is_audited(web: Web) -> None:
    client = web.login("ana")
    person_id = with_email(web, client)
    plain = identifiers(web, person_id)
    data = client.get(f"/persons/{person_id}.json").json()
    html = client.get(f"/persons/{person_id}").text
    assert data["person"]["person_id"] == person_id
    assert {a["username"] for a in data["accounts"]} == set(plain["usernames"])
    assert all("***@" in e for a in data["accounts"] for e in a["emails"])
    for value in plain["emails"] + plain["ips"]:
        assert value not in html and value not in json.dumps(data)
    for account in data["accounts"]:
        assert account["uid"] in html
    if data["timeline"]:
        assert 'class="chart timeline"' in html
    reads = [e for e in audit(web, "person.read") if e.object_id == person_id]
    assert len(reads) == 2 and {e.user_name for e in reads} == {"ana"}
    assert all(e.agency == "NL" and e.origin.startswith("web:") for e in reads)
    # the page's own audit trail shows the earlier read
    again = client.get(f"/persons/{person_id}.json").json()
    assert [e["action"] for e in again["audit"]][:2] == ["person.read", "person.read"]


def test_reveal_needs_a_reason_and_a_fresh_csrf_token(web: Web) -> None:
    client = web.login("ana")
    person_id = with_email(web, client)
    plain = identifiers(web, person_id)
    url = f"/persons/{person_id}/reveal"
    token = csrf_of(client.get(f"/persons/{person_id}").text)
    short = client.post(url, data={"csrf": token, "reason": "because", "field": "all"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    assert plain["emails"][0] not in short.text
    assert client.post(url, data={"reason": "a long enough reason"}).status_code == 403
    token = csrf_of(client.get(f"/persons/{person_id}").text)
    reason = "warning letter needs the address"
    shown = client.post(url, data={"csrf": token, "reason": reason, "field": "all"})
    assert shown.status_code == 200
    for value in plain["emails"] + plain["ips"]:
        assert value in shown.text
    replay = client.post(url, data={"csrf": token, "reason": reason, "field": "all"})
    assert replay.status_code == 403
    reveals = audit(web, "person.reveal")
    assert [(e.user_name, e.object_id, e.reason) for e in reveals] == [("ana", person_id, reason)]
    assert json.loads(reveals[0].detail)["fields"] == ["email", "ip", "btc_address", "payment_ref"]
    # afterwards the page is masked again
    assert plain["emails"][0] not in client.get(f"/persons/{person_id}").text


def test_reveal_of_one_field_as_json(web: Web) -> None:
    client = web.login("olle")
    person_id = with_email(web, client)
    plain = identifiers(web, person_id)
    token = csrf_of(client.get(f"/persons/{person_id}").text)
    answer = client.post(
        f"/persons/{person_id}/reveal.json",
        data={"csrf": token, "reason": "home visit preparation", "field": "ip"},
    )
    assert answer.status_code == 200
    (revealed,) = answer.json()["revealed"]
    assert revealed["field"] == "ip"
    assert {v["value"] for v in revealed["values"]} == set(plain["ips"])


def test_auditor_reads_but_cannot_reveal(web: Web) -> None:
    client = web.login("aud")
    person_id = with_email(web, web.login("ana"))
    page = client.get(f"/persons/{person_id}")
    assert page.status_code == 200
    assert f"/persons/{person_id}/reveal" not in page.text
    token = csrf_of(page.text)  # the sign-out form's
    answer = client.post(
        f"/persons/{person_id}/reveal", data={"csrf": token, "reason": "just looking at it"}
    )
    assert answer.status_code == 403
    assert web.login("adm").get(f"/persons/{person_id}.json").status_code == 403
    assert web.login("gamer").get(f"/persons/{person_id}.json").status_code == 403


def test_other_agency_gets_404_like_a_missing_person(web: Web) -> None:
    person_id = only_nl(web)
    sven = web.login("sven")
    missing = sven.get("/persons/PER-999999.json")
    assert missing.status_code == 404
    for path in (f"/persons/{person_id}", f"/persons/{person_id}.json"):
        answer = sven.get(path)
        assert answer.status_code == 404, path
    assert sven.get(f"/persons/{person_id}.json").json() == missing.json()
    token = csrf_of(sven.get("/persons").text)
    reveal = sven.post(
        f"/persons/{person_id}/reveal", data={"csrf": token, "reason": "guessing an id of NL"}
    )
    assert reveal.status_code == 404
    listed = sven.get("/persons.json?limit=500").json()["items"]
    assert person_id not in {p["person_id"] for p in listed}
    assert not [e for e in audit(web, "person.read") if e.object_id == person_id]
    assert not audit(web, "person.reveal")


def plant_username(web: Web, person_id: str, username: str) -> None:
    """Give the person's first account ``username`` in the derived records (seized data)."""
    directory = open_directory(web.workspace)
    index = directory.index_of(person_id)
    assert index is not None
    row = directory.account_rows(index)[0]
    path = web.workspace.derived / "records.parquet"
    table = pq.read_table(path)
    names = table.column("username").to_pylist()
    names[row] = username
    at = table.schema.get_field_index("username")
    pq.write_table(table.set_column(at, "username", pa.array(names, pa.string())), path)


def test_script_in_a_username_renders_inert(web: Web) -> None:
    client = web.login("ana")
    person_id = client.get("/persons.json?limit=1").json()["items"][0]["person_id"]
    plant_username(web, person_id, SCRIPT)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    pages = [f"/persons/{person_id}", "/persons?limit=5", "/search?q=%3Cscript%3Ealert"]
    for path in pages:
        html = client.get(path)
        assert html.status_code == 200, path
        assert SCRIPT not in html.text, path
        assert escaped in html.text, path
    data = client.get(f"/persons/{person_id}.json").json()
    assert SCRIPT in [a["username"] for a in data["accounts"]]


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        ([], None),
        (
            [
                {
                    "id": 3,
                    "state": "approved",
                    "intervention": "warning",
                    "rule": "r",
                    "reasons": ["x"],
                },
                {
                    "id": 9,
                    "state": "recommended",
                    "intervention": "visit",
                    "rule": "s",
                    "reasons": [],
                },
            ],
            9,
        ),
    ],
)
def test_recommendation_is_the_latest_case(
    cases: list[dict[str, Any]], expected: int | None
) -> None:
    found = recommendation(cases)
    assert (found and found["case_id"]) == expected
