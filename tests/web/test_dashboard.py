"""The dashboard's holdings: visible datasets, persons by country and by age band."""

from __future__ import annotations

from intercop.identity.directory import open_directory
from intercop.visibility import visibility_for
from intercop.web.routes.dashboard import _band_order
from tests.web.conftest import Web


def test_dashboard_counts_the_agencys_persons(web: Web) -> None:
    client = web.login("ana")
    holdings = client.get("/index.json").json()["holdings"]
    with web.app.state.web.store.session() as s:
        visibility = visibility_for(web.workspace, s, "NL")
    counts = open_directory(web.workspace).counts(visibility)
    assert holdings["datasets"] == len(visibility.dataset_ids) > 0
    assert holdings["persons"] == counts.total
    assert dict(holdings["by_country"]) == counts.by_country
    assert dict(holdings["by_age_band"]) == counts.by_age_band
    html = client.get("/").text
    assert html.count('<svg class="chart"') >= 2
    sven = web.login("sven").get("/index.json").json()["holdings"]
    assert sven["datasets"] == 0 and sven["persons"] < holdings["persons"]


def test_age_bands_sort_youngest_first() -> None:
    bands = ["30+", "unknown", "12-15", "<12", "18-20", "16-17"]
    assert sorted(bands, key=_band_order) == ["<12", "12-15", "16-17", "18-20", "30+", "unknown"]
