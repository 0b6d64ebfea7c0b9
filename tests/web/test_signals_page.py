"""The review queue of partner signals."""

from __future__ import annotations

from sqlalchemy import select

from intercop.partner.signals import submit_signal
from intercop.store.models import AuditEntry, PartnerSignal, User
from tests.web.conftest import Web, csrf_of


def _submit(web: Web, value: str = "booter.example", note: str | None = None) -> int:
    with web.app.state.web.store.session() as s:
        gamer = s.scalars(select(User).where(User.name == "gamer")).one()
        signal, _ = submit_signal(s, gamer, "server", value, platform="game", note=note)
        s.commit()
        return signal.id


def _review(web: Web, name: str, signal_id: int, **form: str) -> object:
    client = web.login(name)
    token = csrf_of(client.get("/").text)
    return client.post(
        f"/signals/{signal_id}/review", data={"csrf": token, **form}, follow_redirects=False
    )


def test_queue_shows_new_signals_escaped(web: Web) -> None:
    signal_id = _submit(web, note="<img src=x onerror=alert(1)>")
    ana = web.login("ana")
    data = ana.get("/signals.json").json()
    assert [s["id"] for s in data["signals"]] == [signal_id]
    html = ana.get("/signals").text
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert web.login("fin").get("/signals.json").json()["signals"] == []
    assert web.login("aud").get("/signals").status_code == 403


def test_accept_with_reason(web: Web) -> None:
    signal_id = _submit(web)
    answer = _review(web, "ana", signal_id, decision="accept", reason="known booter")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    with web.app.state.web.store.session() as s:
        signal = s.get(PartnerSignal, signal_id)
        assert signal is not None and (signal.state, signal.reviewed_by) == ("accepted", "ana")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "signal.review")).one()
        assert entry.reason == "known booter" and entry.origin.startswith("web:")
    again = _review(web, "olle", signal_id, decision="reject", reason="no")
    assert again.status_code == 400  # type: ignore[attr-defined]
    shown = web.login("ana").get("/signals.json?state=any").json()["signals"]
    assert shown[0]["review_reason"] == "known booter"


def test_reason_required_and_other_agency_not_found(web: Web) -> None:
    signal_id = _submit(web)
    assert _review(web, "ana", signal_id, decision="reject", reason=" ").status_code == 400  # type: ignore[attr-defined]
    assert _review(web, "fin", signal_id, decision="accept", reason="x").status_code == 404  # type: ignore[attr-defined]
    with web.app.state.web.store.session() as s:
        signal = s.get(PartnerSignal, signal_id)
        assert signal is not None and signal.state == "new"
