"""Cohort profiles of the visible persons, with small cells always suppressed."""

from __future__ import annotations

import pyarrow.parquet as pq

from intercop.visibility import visibility_for
from tests.web.conftest import Web


def test_cohorts_of_the_agency_with_suppression(web: Web) -> None:
    client = web.login("ana")
    data = client.get("/cohorts.json?by=country&by=age_band").json()
    doc = data["cohorts"]
    assert doc["by"] == ["country", "age_band"] and doc["min_cell"] == 10
    with web.app.state.web.store.session() as s:
        visible = visibility_for(web.workspace, s, "NL").person_ids
    profiled = set(
        pq.read_table(web.workspace.derived / "profiles.parquet", columns=["person_id"])
        .column("person_id")
        .to_pylist()
    )
    assert doc["total"] == len(visible & profiled)
    shown = [v for values in doc["marginals"].values() for v in values]
    assert any(v["persons"] == "<10" for v in shown)
    for v in shown:
        assert v["persons"] == "<10" or v["persons"] >= 10
    html = client.get("/cohorts?by=country&by=age_band")
    assert html.status_code == 200
    assert html.text.count('<svg class="chart"') == 2


def test_suppression_cannot_be_lowered_and_dimensions_are_checked(web: Web) -> None:
    client = web.login("ana")
    assert client.get("/cohorts.json?min_cell=2").status_code == 422
    assert client.get("/cohorts.json?min_cell=20").json()["cohorts"]["min_cell"] == 20
    wrong = client.get("/cohorts.json?by=username")
    assert wrong.status_code == 400
    assert "unknown dimension username" in wrong.json()["error"]


def test_another_agency_counts_only_its_persons(web: Web) -> None:
    nl = web.login("ana").get("/cohorts.json?by=country").json()["cohorts"]["total"]
    se = web.login("sven").get("/cohorts.json?by=country").json()["cohorts"]["total"]
    assert se != nl
