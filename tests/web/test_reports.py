"""Evaluation reports: rendered from the evaluation core, never a crash on too little data."""

from __future__ import annotations

from tests.web.conftest import Web
from tests.web.pilot_fixture import make_pilot


def test_report_list_and_report(web: Web) -> None:
    pilot_id = make_pilot(web)
    ana = web.login("ana")
    listed = ana.get("/reports.json").json()["pilots"]
    assert [p["report"] for p in listed] == [f"/reports/pilot/{pilot_id}"]
    answer = ana.get(f"/reports/pilot/{pilot_id}")
    assert answer.status_code == 200
    data = ana.get(f"/reports/pilot/{pilot_id}.json").json()
    if data["error"] is None:
        assert data["report"]["title"].startswith("Pilot evaluation")
        assert data["report"]["sections"] and data["result"]["pilot"]["id"] == pilot_id
        assert "Flow of persons" in answer.text
        download = ana.get(f"/reports/pilot/{pilot_id}/report.html")
        assert download.status_code == 200
        assert download.headers["content-disposition"].startswith("attachment")
    else:
        assert data["error"]["message"] and data["error"]["message"] in answer.text


def test_too_little_data_shows_the_evaluations_message(web: Web) -> None:
    pilot_id = make_pilot(web, assign=False)
    sam = web.login("sam")
    answer = sam.get(f"/reports/pilot/{pilot_id}")
    assert answer.status_code == 200
    data = sam.get(f"/reports/pilot/{pilot_id}.json").json()
    assert data["report"] is None
    message = data["error"]["message"]
    assert (
        message == f"pilot {pilot_id} has no assigned persons"
        or "a comparison needs two" in message
    )
    assert message in answer.text and 'role="alert"' in answer.text
    download = sam.get(f"/reports/pilot/{pilot_id}/report.html")
    assert download.status_code == 409 and message in download.text


def test_reports_are_agency_bound(web: Web) -> None:
    pilot_id = make_pilot(web)
    assert web.login("sven").get(f"/reports/pilot/{pilot_id}").status_code == 404
    assert web.login("sven").get("/reports.json").json()["pilots"] == []
    assert web.login("adm").get("/reports").status_code == 403
