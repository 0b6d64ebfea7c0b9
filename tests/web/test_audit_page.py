"""The audit log viewer: who may read it, what each agency sees, the chain check."""

from __future__ import annotations

from sqlalchemy import select, text, update

from intercop.audit import record
from intercop.store.models import AuditEntry
from tests.web.conftest import Web


def _seed(web: Web) -> None:
    with web.app.state.web.store.session() as s:
        record(s, "fin", "case.read", agency="FI", object_type="case", object_id="1")
        record(
            s,
            "olle",
            "case.read",
            agency="NL",
            object_type="case",
            object_id="2",
            reason="<script>alert(1)</script>",
        )
        s.commit()


def test_auditor_reads_own_agency_and_reading_is_audited(web: Web) -> None:
    _seed(web)
    aud = web.login("aud")
    data = aud.get("/audit.json").json()
    agencies = {e["agency"] for e in data["entries"]}
    assert agencies <= {"NL"} and data["entries"]
    assert [e["seq"] for e in data["entries"]] == sorted(
        (e["seq"] for e in data["entries"]), reverse=True
    )
    html = aud.get("/audit").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    with web.app.state.web.store.session() as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "audit.read")).all()
        assert len(reads) == 2 and {r.user_name for r in reads} == {"aud"}
        assert all(r.origin.startswith("web:") for r in reads)


def test_filters_and_paging(web: Web) -> None:
    _seed(web)
    aud = web.login("aud")
    by_user = aud.get("/audit.json?user=olle&action=case.").json()["entries"]
    assert by_user and all(e["user"] == "olle" and e["action"].startswith("case.") for e in by_user)
    assert (
        aud.get("/audit.json?object_type=case&object_id=2").json()["entries"][0]["object_id"] == "2"
    )
    assert aud.get("/audit.json?since=2999-01-01").json()["entries"] == []
    assert aud.get("/audit.json?until=2000-01-01").json()["entries"] == []
    assert aud.get("/audit.json?since=yesterday").status_code == 400
    first = aud.get("/audit.json?action=case.read").json()
    newest = first["entries"][0]["seq"]
    older = aud.get(f"/audit.json?action=case.read&before={newest}").json()["entries"]
    assert all(e["seq"] < newest for e in older)


def test_network_sees_all_and_others_may_not_read(web: Web) -> None:
    _seed(web)
    adm = web.login("adm")  # an admin of NL: NL entries only
    assert {e["agency"] for e in adm.get("/audit.json").json()["entries"]} <= {"NL"}
    for name in ("ana", "olle", "sam", "fin"):
        assert web.login(name).get("/audit").status_code == 403
    with web.app.state.web.store.session() as s:
        from intercop.access import add_user
        from intercop.auth.passwords import set_password
        from tests.web.conftest import PASSWORD

        add_user(s, "desk", "auditor", "NETWORK", acting="adm")
        s.commit()
        set_password(s, "desk", PASSWORD, "adm")
        s.commit()
    agencies = {e["agency"] for e in web.login("desk").get("/audit.json").json()["entries"]}
    assert {"NL", "FI"} <= agencies


def test_verify_chain(web: Web) -> None:
    _seed(web)
    aud = web.login("aud")
    ok = aud.get("/audit/verify.json").json()["verification"]
    assert ok["ok"] is True and ok["entries"] > 0
    assert "chain verified" in aud.get("/audit/verify").text
    # what an intruder with database access would do: lift the guard, edit an entry
    with web.app.state.web.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(reason="edited"))
    broken = aud.get("/audit/verify.json").json()["verification"]
    assert broken["ok"] is False and broken["at_seq"] == 2
    assert "Audit log broken" in aud.get("/audit/verify").text
