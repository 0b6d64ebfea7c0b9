"""The datasets pages: the agency's own datasets only, manifest, mapping, quarantine."""

from __future__ import annotations

from intercop.evidence.vault import Vault
from tests.web.conftest import Web, csrf_of


def test_datasets_list_shows_the_agencys_datasets(web: Web) -> None:
    client = web.login("ana")
    manifests = Vault(web.workspace).manifests()
    listed = client.get("/datasets.json").json()["datasets"]
    assert {d["dataset_id"] for d in listed} == {m.dataset_id for m in manifests}
    first = next(d for d in listed if d["dataset_id"] == manifests[0].dataset_id)
    assert first["platform"] == manifests[0].platform
    assert first["retention_until"] == manifests[0].retention_until.isoformat()
    assert first["rows"] == sum(t.rows for t in manifests[0].tables.values())
    html = client.get("/datasets")
    assert html.status_code == 200
    assert manifests[0].platform in html.text
    assert f'href="/datasets/{manifests[0].dataset_id}"' in html.text


def test_dataset_page_shows_hashes_mapping_and_quarantine(web: Web) -> None:
    client = web.login("ana")
    manifest = max(Vault(web.workspace).manifests(), key=lambda m: m.quarantined)
    data = client.get(f"/datasets/{manifest.dataset_id}.json").json()
    assert data["dataset_id"] == manifest.dataset_id
    assert [s["sha256"] for s in data["sources"]] == [s.sha256 for s in manifest.sources]
    assert {t["name"] for t in data["table_list"]} == set(manifest.tables)
    assert any(c["role"] for t in data["table_list"] for c in t["columns"])
    assert data["quarantine"]["count"] == manifest.quarantined
    assert data["quarantine"]["reasons"] == manifest.quarantine_reasons
    for item in data["quarantine"]["sample"]:
        assert set(item) == {"source", "line", "table", "reason"}  # never the raw row
    html = client.get(f"/datasets/{manifest.dataset_id}").text
    assert manifest.sources[0].sha256 in html
    assert "<svg" in html or not manifest.quarantined


def test_other_agencies_get_404_on_a_dataset(web: Web) -> None:
    dataset_id = Vault(web.workspace).manifests()[0].dataset_id
    sven = web.login("sven")
    assert sven.get("/datasets.json").json()["datasets"] == []
    for path in (f"/datasets/{dataset_id}", f"/datasets/{dataset_id}.json"):
        assert sven.get(path).status_code == 404
    missing = web.login("ana").get("/datasets/0000000000000000.json")
    assert missing.status_code == 404
    assert missing.json() == sven.get(f"/datasets/{dataset_id}.json").json()


def test_partner_and_anonymous_cannot_list_datasets(web: Web) -> None:
    assert web.client.get("/datasets.json").status_code == 401
    assert web.login("gamer").get("/datasets.json").status_code == 403


def test_a_supervisor_shares_a_dataset_with_fi_and_not_with_se(web: Web) -> None:
    dataset = Vault(web.workspace).manifests()[0].dataset_id
    fia, sven = web.login("fia"), web.login("sven")
    assert fia.get(f"/datasets/{dataset}.json").status_code == 404
    # each sees the persons of its own cases (triage routed them) before the share
    fi_before = fia.get("/persons.json").json()["total"]
    se_before = sven.get("/persons.json").json()["total"]
    sam = web.login("sam")
    page = sam.get(f"/datasets/{dataset}")
    assert f'action="/datasets/{dataset}/share"' in page.text
    assert sam.get(f"/datasets/{dataset}.json").json()["distribution"]["default"] is True
    shared = sam.post(f"/datasets/{dataset}/share", follow_redirects=False, data={
        "level": "partners", "partners": "fi", "handling": "H1", "tlp": "amber",
        "reason": "joint operation with the Finnish team", "csrf": csrf_of(page.text),
    })  # fmt: skip
    assert shared.status_code == 303, shared.text[:300]
    seen = fia.get(f"/datasets/{dataset}.json")
    assert seen.status_code == 200
    assert seen.json()["distribution"]["partners"] == ["FI"]
    assert seen.json()["distribution"]["handling"] == "H1"
    assert f'action="/datasets/{dataset}/share"' not in fia.get(f"/datasets/{dataset}").text
    assert fia.get("/persons.json").json()["total"] > fi_before
    assert sven.get(f"/datasets/{dataset}.json").status_code == 404
    assert sven.get("/persons.json").json()["total"] == se_before


def test_only_a_supervisor_of_the_owner_may_share(web: Web) -> None:
    dataset = Vault(web.workspace).manifests()[0].dataset_id
    ana = web.login("ana")
    token = csrf_of(ana.get(f"/datasets/{dataset}").text)
    form = {"level": "network", "reason": "because", "csrf": token}
    assert ana.post(f"/datasets/{dataset}/share", data=form).status_code == 403
