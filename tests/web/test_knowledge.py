"""The knowledge base page: every agency reads it, analysts to supervisors add to it."""

from __future__ import annotations

from tests.web.conftest import Web, csrf_of

ENTRY = {
    "intervention": "warning_email",
    "country": "NL",
    "design": "rct",
    "population": "booter customers aged 14-25",
    "n": "412",
    "measure": "hazard_ratio",
    "estimate": "0.62",
    "ci_low": "0.45",
    "ci_high": "0.85",
    "report_link": "https://intercop.example/reports/p1",
}


def test_an_analyst_adds_a_result_that_another_agency_reads(web: Web) -> None:
    ana = web.login("ana")
    form = ana.get("/knowledge")
    assert form.status_code == 200
    added = ana.post("/knowledge", data={**ENTRY, "csrf": csrf_of(form.text)},
                     follow_redirects=False)  # fmt: skip
    assert added.status_code == 303, added.text[:500]
    entries = web.login("sven").get("/knowledge.json").json()["entries"]
    assert [(e["intervention"], e["agency"], e["added_by"], e["estimate"]) for e in entries] == [
        ("warning_email", "NL", "ana", 0.62)
    ]
    assert "booter customers aged 14-25" in web.login("fin").get("/knowledge").text


def test_a_wrong_entry_shows_every_problem_and_stores_nothing(web: Web) -> None:
    ana = web.login("ana")
    bad = {**ENTRY, "estimate": "0.3", "country": "Netherlands"[:2] + "1", "population": " "}
    answer = ana.post("/knowledge", data={**bad, "country": "N1",
                                          "csrf": csrf_of(ana.get("/knowledge").text)})  # fmt: skip
    assert answer.status_code == 400
    assert "does not contain the estimate" in answer.text and "country" in answer.text
    assert ana.get("/knowledge.json").json()["entries"] == []


def test_an_auditor_reads_but_cannot_add_and_a_partner_cannot_read(web: Web) -> None:
    aud = web.login("aud")
    page = aud.get("/knowledge")
    assert page.status_code == 200 and 'action="/knowledge" class="grid2"' not in page.text
    assert aud.post("/knowledge", data={**ENTRY, "csrf": "x"}).status_code == 403
    assert web.login("gamer").get("/knowledge.json").status_code == 403
