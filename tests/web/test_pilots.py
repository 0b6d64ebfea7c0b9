"""Pilot pages: design, hashes, arms and the evaluation (or why there is none yet)."""

from __future__ import annotations

from sqlalchemy import select

from intercop.store.models import AuditEntry
from tests.web.conftest import Web
from tests.web.pilot_fixture import make_pilot


def test_pilot_list_and_page(web: Web) -> None:
    pilot_id = make_pilot(web)
    ana = web.login("ana")
    listed = ana.get("/pilots.json").json()["pilots"]
    assert [p["id"] for p in listed] == [pilot_id] and listed[0]["state"] == "assigned"
    data = ana.get(f"/pilots/{pilot_id}.json").json()
    p = data["pilot"]
    assert p["design_intact"] is True and p["assignment_intact"] is True
    assert len(p["design_hash"]) == 64 and len(p["assignment_hash"]) == 64
    assert set(p["arms"]) == {"treatment", "control"} and sum(p["arms"].values()) == p["persons"]
    evaluation = data["evaluation"]
    assert (evaluation["error"] is None) != (evaluation["result"] is None)
    html = ana.get(f"/pilots/{pilot_id}").text
    assert p["design_hash"] in html and "/reports/pilot/" in html
    with web.app.state.web.store.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "evaluate.run")).all()


def test_frozen_pilot_says_why_there_is_no_evaluation(web: Web) -> None:
    pilot_id = make_pilot(web, assign=False)
    data = web.login("sam").get(f"/pilots/{pilot_id}.json").json()
    assert data["pilot"]["assignment_hash"] is None
    assert "not assigned yet" in data["evaluation"]["error"]["message"]


def test_other_agency_pilot_is_not_found(web: Web) -> None:
    pilot_id = make_pilot(web)
    fin = web.login("fin")
    assert fin.get(f"/pilots/{pilot_id}").status_code == 404
    assert fin.get(f"/pilots/{pilot_id}.json").json() == fin.get("/pilots/999999.json").json()
    assert fin.get("/pilots.json").json()["pilots"] == []
    assert web.login("gamer").get("/pilots").status_code in (401, 403)
