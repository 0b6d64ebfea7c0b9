"""The triage queue, case pages and decisions through the web forms."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from intercop.store.models import AuditEntry, Case
from tests.web.conftest import Web, csrf_of


def _nl_cases(web: Web, intervention: str = "warning_email") -> list[int]:
    with web.app.state.web.store.session() as s:
        return list(
            s.scalars(
                select(Case.id)
                .where(
                    Case.agency == "NL",
                    Case.intervention == intervention,
                    Case.state == "recommended",
                )
                .order_by(Case.id)
            )
        )


def _nl_case(web: Web, intervention: str = "warning_email") -> int:
    return _nl_cases(web, intervention)[0]


def _state(web: Web, case_id: int) -> str:
    with web.app.state.web.store.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return str(case.state)


def _decide(client: TestClient, **form: Any) -> Any:
    token = csrf_of(client.get("/queue").text)
    return client.post("/queue/decide", data={"csrf": token, **form}, follow_redirects=False)


def test_queue_lists_own_agency_with_filters(web: Web) -> None:
    client = web.login("ana")
    data = client.get("/queue.json").json()
    assert data["total"] > 0 and {c["agency"] for c in data["cases"]} == {"NL"}
    assert {c["state"] for c in data["cases"]} == {"recommended"}
    assert data["can_decide"] is False
    only = client.get("/queue.json?state=any&intervention=warning_email&minor=no").json()
    assert only["cases"] and all(
        c["intervention"] == "warning_email" and c["minor"] is False for c in only["cases"]
    )
    html = client.get("/queue?country=NL").text
    assert 'name="decision"' not in html  # an analyst sees no decision buttons
    assert client.get("/queue.json?state=bogus").status_code == 400
    assert client.get("/queue.json?page=0").status_code == 400


def test_queue_pages(web: Web) -> None:
    client = web.login("sam")
    first = client.get("/queue.json?state=any").json()
    assert first["per_page"] == 50 and len(first["cases"]) == min(50, first["total"])
    if first["next"]:
        second = client.get(f"/queue.json?{first['next']}").json()
        assert second["page"] == 2
        assert not {c["id"] for c in first["cases"]} & {c["id"] for c in second["cases"]}


def test_officer_approves_through_the_form(web: Web) -> None:
    case_id = _nl_case(web)
    client = web.login("olle")
    answer = _decide(
        client,
        decision="approve",
        reason="checked the file",
        case=[case_id],
        next="/queue?state=recommended",
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/queue?state=recommended&done=approved:1"
    assert _state(web, case_id) == "approved"
    with web.app.state.web.store.session() as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.approved", AuditEntry.object_id == str(case_id)
            )
        ).one()
        assert entry.user_name == "olle" and entry.reason == "checked the file"
        assert entry.origin.startswith("web:")
    shown = client.get(answer.headers["location"]).text
    assert "1 case(s) now approved." in shown
    page = client.get(f"/cases/{case_id}.json").json()
    assert page["case"]["state"] == "approved"
    assert [e["to"] for e in page["events"]][-1] == "approved"
    assert page["person_url"] == f"/persons/{page['case']['person_id']}"


def test_replayed_csrf_token_is_refused(web: Web) -> None:
    first, second = _nl_case(web), _nl_case(web, "knock_and_talk")
    client = web.login("olle")
    token = csrf_of(client.get("/queue").text)
    form = {"csrf": token, "decision": "reject", "reason": "not ours"}
    ok = client.post("/queue/decide", data={**form, "case": [first]}, follow_redirects=False)
    assert ok.status_code == 303
    again = client.post("/queue/decide", data={**form, "case": [second]}, follow_redirects=False)
    assert again.status_code == 403
    assert _state(web, second) == "recommended"


def test_analyst_cannot_decide(web: Web) -> None:
    case_id = _nl_case(web)
    client = web.login("ana")
    answer = _decide(client, decision="approve", reason="x", case=[case_id])
    assert answer.status_code == 403
    assert _state(web, case_id) == "recommended"


def test_other_agency_case_is_not_found(web: Web) -> None:
    case_id = _nl_case(web)
    client = web.login("fin")
    assert client.get(f"/cases/{case_id}").status_code == 404
    missing = client.get("/cases/999999.json")
    other = client.get(f"/cases/{case_id}.json")
    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()
    refused = _decide(client, decision="reject", reason="probe", case=[case_id])
    assert refused.status_code == 404 and str(case_id) not in refused.text.split("<main>")[-1][:200]
    assert _state(web, case_id) == "recommended"
    assert all(c["agency"] == "FI" for c in client.get("/queue.json?state=any").json()["cases"])


def test_batch_is_all_or_nothing(web: Web) -> None:
    other, good = _nl_cases(web)[:2]
    client = web.login("olle")
    assert _decide(client, decision="approve", reason="first", case=[other]).status_code == 303
    # ``other`` is approved now: approving it again fails, so ``good`` must stay as it was
    answer = _decide(client, decision="approve", reason="both", case=[good, other])
    assert answer.status_code == 400
    assert "cannot" in answer.text or "can become" in answer.text
    assert _state(web, good) == "recommended"
    empty = _decide(client, decision="approve", reason="none")
    assert empty.status_code == 400 and "no case named" in empty.text


def test_confirmations_are_asked_as_checkboxes(web: Web) -> None:
    case_id = _nl_case(web)
    with web.app.state.web.store.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.intervention = "hack_right_referral"
        s.commit()
    olle, sam = web.login("olle"), web.login("sam")
    page = sam.get("/queue?intervention=hack_right_referral").text
    assert page.count('name="confirm"') == 3 and 'value="confirmation"' not in page
    # an officer is below the supervisor this intervention needs
    assert _decide(olle, decision="approve", reason="r", case=[case_id]).status_code == 403
    missing = _decide(sam, decision="approve", reason="r", case=[case_id], confirm=["confession"])
    assert missing.status_code == 400 and "needs the approver to confirm" in missing.text
    assert _state(web, case_id) == "recommended"
    done = _decide(
        sam,
        decision="approve",
        reason="all checked",
        case=[case_id],
        confirm=["confession", "not_too_serious", "willing"],
    )
    assert done.status_code == 303
    assert _state(web, case_id) == "approved"


def test_case_read_is_audited(web: Web) -> None:
    case_id = _nl_case(web)
    client = web.login("aud")
    assert client.get(f"/cases/{case_id}").status_code == 200
    with web.app.state.web.store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")).one()
        assert (entry.user_name, entry.object_id) == ("aud", str(case_id))


def test_queue_in_dutch(web: Web) -> None:
    client = web.login("olle")
    client.cookies.set("lang", "nl")
    html = client.get("/queue").text
    assert "Filteren" in html and "Goedkeuren" in html and "Afwijzen" in html
