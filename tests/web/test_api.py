"""The REST API: answers, agency isolation, scopes, audit of person reads."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from intercop.auth.tokens import create_token
from intercop.store.models import AuditEntry, Case
from intercop.visibility import visibility_for
from tests.web.conftest import Web


def bearer(web: Web, user: str, scope: str = "read") -> dict[str, str]:
    """Headers with a fresh token of ``user``."""
    with web.app.state.web.store.session() as session:
        token, _ = create_token(session, user, scope, acting=user)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def nl_only_person(web: Web) -> str:
    """A person NL sees and FI does not."""
    with web.app.state.web.store.session() as session:
        nl = visibility_for(web.workspace, session, "NL").person_ids
        fi = visibility_for(web.workspace, session, "FI").person_ids
    return sorted(nl - fi)[0]


def case_of(web: Web, agency: str) -> int:
    with web.app.state.web.store.session() as session:
        found = session.scalar(select(Case.id).where(Case.agency == agency).order_by(Case.id))
    assert found is not None
    return int(found)


def test_persons_list_filters_and_pages(web: Web) -> None:
    client, auth = web.client, bearer(web, "ana")
    first = client.get("/api/v1/persons?limit=5", headers=auth).json()
    assert first["total"] > 5 and len(first["items"]) == 5
    risks = [p["risk"] for p in first["items"] if p["risk"] is not None]
    assert risks == sorted(risks, reverse=True)
    second = client.get("/api/v1/persons?limit=5&offset=5", headers=auth).json()
    assert {p["person_id"] for p in first["items"]}.isdisjoint(
        p["person_id"] for p in second["items"]
    )
    by_id = client.get("/api/v1/persons?order=person_id&limit=3", headers=auth).json()
    assert [p["person_id"] for p in by_id["items"]] == sorted(
        p["person_id"] for p in by_id["items"]
    )
    assert client.get("/api/v1/persons?limit=0", headers=auth).status_code == 422
    assert client.get("/api/v1/persons?order=evil", headers=auth).status_code == 422


def test_person_detail_is_masked_and_audited(web: Web) -> None:
    person = nl_only_person(web)
    answer = web.client.get(f"/api/v1/persons/{person}", headers=bearer(web, "ana"))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["person"]["person_id"] == person
    for account in data["accounts"]:
        assert all("***@" in e for e in account["emails"])
        assert all(ip.endswith("x.x") or ip.endswith("x:x::") for ip in account["ips"])
    with web.app.state.web.store.session() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "person.read")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None
        assert (entry.user_name, entry.object_id, entry.origin) == ("ana", person, "web:testclient")
        assert json.loads(entry.detail or "{}") == {"via": "token"}


def test_other_agency_objects_answer_404_like_missing(web: Web) -> None:
    fia = bearer(web, "fia")
    person = nl_only_person(web)
    hidden = web.client.get(f"/api/v1/persons/{person}", headers=fia)
    missing = web.client.get("/api/v1/persons/PER-999999", headers=fia)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    nl_case = case_of(web, "NL")
    assert web.client.get(f"/api/v1/cases/{nl_case}", headers=fia).status_code == 404
    assert web.client.get("/api/v1/datasets", headers=fia).json() == []
    datasets = web.client.get("/api/v1/datasets", headers=bearer(web, "ana")).json()
    assert datasets and all(d["agency"] == "NL" for d in datasets)
    one = datasets[0]["dataset_id"]
    assert web.client.get(f"/api/v1/datasets/{one}", headers=fia).status_code == 404
    detail = web.client.get(f"/api/v1/datasets/{one}", headers=bearer(web, "ana")).json()
    assert detail["sources"] and len(detail["sources"][0]["sha256"]) == 64
    # a prefix of an id is not an id
    assert (
        web.client.get(f"/api/v1/datasets/{one[:6]}", headers=bearer(web, "ana")).status_code == 404
    )


def test_queue_lists_only_the_agency(web: Web) -> None:
    fia = web.client.get("/api/v1/cases?limit=1000", headers=bearer(web, "fia")).json()
    assert fia["total"] == len(fia["items"]) > 0
    assert {c["agency"] for c in fia["items"]} == {"FI"}
    nl = web.client.get("/api/v1/cases?state=recommended&limit=2", headers=bearer(web, "ana"))
    assert nl.json()["total"] > 2 and len(nl.json()["items"]) == 2
    case = nl.json()["items"][0]["id"]
    detail = web.client.get(f"/api/v1/cases/{case}", headers=bearer(web, "ana")).json()
    assert detail["case"]["id"] == case and detail["events"]
    assert web.client.get("/api/v1/cases/0", headers=bearer(web, "ana")).status_code == 422


def test_decide_needs_write_scope_role_and_agency(web: Web) -> None:
    case = case_of(web, "NL")
    body = {"case_ids": [case], "decision": "reject", "reason": "not enough evidence"}
    read = web.client.post("/api/v1/cases/decide", json=body, headers=bearer(web, "olle"))
    assert read.status_code == 403
    analyst = web.client.post(
        "/api/v1/cases/decide", json=body, headers=bearer(web, "ana", "write")
    )
    assert analyst.status_code == 403
    other = web.client.post(
        "/api/v1/cases/decide",
        json={**body, "case_ids": [case_of(web, "NL")]},
        headers=bearer(web, "fin", "write"),
    )
    assert other.status_code == 404
    done = web.client.post("/api/v1/cases/decide", json=body, headers=bearer(web, "olle", "write"))
    assert done.status_code == 200, done.text
    assert done.json()["decided"][0]["state"] == "rejected"
    again = web.client.post("/api/v1/cases/decide", json=body, headers=bearer(web, "olle", "write"))
    assert again.status_code == 400  # a rejected case cannot be rejected again


def test_me_campaigns_pilots_audit(web: Web) -> None:
    me = web.client.get("/api/v1/me", headers=bearer(web, "sam")).json()
    assert me == {
        "name": "sam",
        "role": "supervisor",
        "agency": "NL",
        "via": "token",
        "scope": "read",
    }
    assert web.client.get("/api/v1/campaigns", headers=bearer(web, "sam")).json() == []
    assert web.client.get("/api/v1/campaigns/1", headers=bearer(web, "sam")).status_code == 404
    assert web.client.get("/api/v1/pilots", headers=bearer(web, "sam")).json() == []
    verified = web.client.get("/api/v1/audit/verify", headers=bearer(web, "aud"))
    assert verified.json()["ok"] is True and verified.json()["entries"] > 0
    assert web.client.get("/api/v1/audit/verify", headers=bearer(web, "ana")).status_code == 403


def test_session_users_reach_the_api_too(web: Web) -> None:
    client: TestClient = web.login("ana")
    assert client.get("/api/v1/me").json()["via"] == "session"
    assert web.client.get("/api/v1/me").status_code == 401


def test_no_secret_leaves_the_api(web: Web) -> None:
    auth = bearer(web, "olle")
    texts = [
        web.client.get(path, headers=auth).text
        for path in ("/api/v1/me", "/api/v1/persons?limit=50", "/api/v1/cases")
    ]
    schema = web.client.get("/api/v1/openapi.json").text
    for text in [*texts, schema]:
        for word in ("password", "token_hash", "csrf_secret", "argon2"):
            assert word not in text
