"""Campaign pages: creating from decided cases, previews per locale, four-eyes approval."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from intercop.outreach.campaigns import cancel_campaign
from intercop.store.models import AuditEntry, Campaign, Case
from tests.web.conftest import Web, csrf_of


def _post(client: TestClient, path: str, **form: Any) -> Any:
    token = csrf_of(client.get("/campaigns").text)
    return client.post(path, data={"csrf": token, **form}, follow_redirects=False)


def _create(client: TestClient, name: str = "nl warnings") -> int:
    answer = _post(client, "/campaigns", name=name, intervention="warning_email", channel="outbox")
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/campaigns/(\d+)", answer.headers["location"])
    assert found is not None
    return int(found.group(1))


def _approve_some_cases(web: Web) -> list[int]:
    with web.app.state.web.store.session() as s:
        ids = list(
            s.scalars(
                select(Case.id)
                .where(
                    Case.agency == "NL",
                    Case.intervention == "warning_email",
                    Case.state == "recommended",
                )
                .order_by(Case.id)
                .limit(2)
            )
        )
    olle = web.login("olle")
    token = csrf_of(olle.get("/queue").text)
    done = olle.post(
        "/queue/decide",
        data={"csrf": token, "decision": "approve", "reason": "warn them", "case": ids},
        follow_redirects=False,
    )
    assert done.status_code == 303
    return ids


def test_create_from_approved_cases_and_read_it(web: Web) -> None:
    approved = _approve_some_cases(web)
    ana = web.login("ana")
    campaign_id = _create(ana)
    data = ana.get(f"/campaigns/{campaign_id}.json").json()
    c = data["campaign"]
    assert (c["state"], c["agency"], c["created_by"]) == ("draft", "NL", "ana")
    assert c["messages"] >= 1
    assert data["created"]["excluded"] is not None
    assert sum(data["created"]["excluded_by_reason"].values()) == data["created"]["excluded"]
    assert data["progress"]["command"].startswith(f"intercop campaign send {campaign_id}")
    with web.app.state.web.store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.create")).one()
        assert entry.user_name == "ana" and entry.origin.startswith("web:")
        case_ids = {m for m in s.scalars(select(Case.id).where(Case.state == "approved"))}
    assert set(approved) <= case_ids
    listed = ana.get("/campaigns.json").json()
    assert [x["id"] for x in listed["campaigns"]] == [campaign_id]
    html = ana.get(f"/campaigns/{campaign_id}").text
    assert "intercop campaign send" in html and "<progress" in html


def test_create_refused_with_reason_shown(web: Web) -> None:
    ana = web.login("ana")
    _create(ana, "first")
    again = _post(ana, "/campaigns", name="first", intervention="warning_email", channel="outbox")
    assert again.status_code == 400 and "already has a campaign named" in again.text
    wrong = _post(ana, "/campaigns", name="x", intervention="warning_email", channel="letter")
    assert wrong.status_code == 400 and "may not be sent through letter" in wrong.text
    assert web.login("aud").get("/campaigns").status_code == 200
    assert (
        _post(web.login("aud"), "/campaigns", name="y", intervention="warning_email").status_code
        == 403
    )


def test_preview_per_locale_is_escaped(web: Web) -> None:
    ana = web.login("ana")
    campaign_id = _create(ana)
    data = ana.get(f"/campaigns/{campaign_id}.json?locale=nl").json()
    assert "nl" in data["locales"] and data["locale"] == "nl"
    assert data["previews"] and {p["locale"] for p in data["previews"]} == {"nl"}
    english = ana.get(f"/campaigns/{campaign_id}.json?locale=en").json()
    assert {p["locale"] for p in english["previews"]} == {"en"}
    assert english["previews"][0]["subject"] != data["previews"][0]["subject"]
    html = ana.get(f"/campaigns/{campaign_id}?locale=nl").text
    frames = re.findall(r'<iframe sandbox srcdoc="([^"]*)"', html)
    assert frames, "the HTML preview is shown in a sandboxed frame"
    for frame in frames:
        assert "<" not in frame and "&lt;" in frame  # markup only as an escaped attribute
        assert unescape(frame).lstrip().lower().startswith(("<!doctype", "<html"))
    assert html.count("<body") == 1 and html.count("<html") == 1
    assert "sandbox allow-scripts" not in html
    with web.app.state.web.store.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.preview")).all()


def test_four_eyes_approval(web: Web) -> None:
    sam = web.login("sam")
    own = _create(sam, "sam's own")
    refused = _post(sam, f"/campaigns/{own}/approve", reason="looks right")
    assert refused.status_code == 400
    assert "cannot also approve it (four eyes)" in refused.text
    assert 'role="alert"' in refused.text
    # cancelled, its audience is free for the next campaign of the intervention
    cancel_campaign(web.app.state.web.store, own, "sam", "made by mistake")
    ana = web.login("ana")
    theirs = _create(ana, "ana's")
    assert _post(ana, f"/campaigns/{theirs}/approve", reason="x").status_code == 403
    done = _post(sam, f"/campaigns/{theirs}/approve", reason="checked the previews")
    assert done.status_code == 303 and done.headers["location"] == f"/campaigns/{theirs}"
    with web.app.state.web.store.session() as s:
        approved = s.get(Campaign, theirs)
        assert approved is not None and approved.state == "approved"
        assert approved.approved_by == "sam" and approved.approval_reason == "checked the previews"
        mine = s.get(Campaign, own)
        assert mine is not None and mine.approved_by is None
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.approve")).one()
        assert entry.origin.startswith("web:")
    again = _post(sam, f"/campaigns/{theirs}/approve", reason="twice")
    assert again.status_code == 400 and "not a draft" in again.text


def test_other_agency_campaign_is_not_found(web: Web) -> None:
    campaign_id = _create(web.login("ana"))
    fin = web.login("fin")
    assert fin.get(f"/campaigns/{campaign_id}").status_code == 404
    assert (
        fin.get(f"/campaigns/{campaign_id}.json").json() == fin.get("/campaigns/999999.json").json()
    )
    assert fin.get("/campaigns.json").json()["campaigns"] == []
