"""The partner API: signals with idempotency keys, deliveries, scopes and the rate limit."""

from __future__ import annotations

import json

import pytest

from intercop.access import add_user
from intercop.store.models import PartnerDelivery
from intercop.web.ratelimit import RateLimitedError, SlidingWindowLimiter
from tests.web.conftest import Web
from tests.web.test_api import bearer

SIGNALS = "/api/v1/partner/signals"
DELIVERIES = "/api/v1/partner/deliveries"


def test_limiter_slides_and_forgets() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, 60.0, clock=lambda: now[0])
    assert limiter.wait("a") == 0 and limiter.wait("a") == 0
    assert limiter.wait("a") == pytest.approx(60.0)
    assert limiter.wait("b") == 0  # another key has its own budget
    now[0] = 30.0
    with pytest.raises(RateLimitedError) as caught:
        limiter.check("a")
    assert caught.value.wait_seconds == 30
    now[0] = 60.5  # the first call left the window: one more fits
    limiter.check("a")
    now[0] = 200.0
    limiter.check("c")
    assert len(limiter) == 1  # idle keys were swept
    with pytest.raises(ValueError, match="limit"):
        SlidingWindowLimiter(0)


def test_signal_submit_and_idempotent_retry(web: Web) -> None:
    auth = {**bearer(web, "gamer", "partner"), "Idempotency-Key": "req-1"}
    body = {"kind": "ip", "value": "192.0.2.10", "platform": "game", "note": "attacked our servers"}
    first = web.client.post(SIGNALS, json=body, headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "new" and first.json()["value"] == "192.0.2.10"
    retry = web.client.post(SIGNALS, json=body, headers=auth)
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    changed = web.client.post(SIGNALS, json={**body, "value": "192.0.2.11"}, headers=auth)
    assert changed.status_code == 409
    bad = web.client.post(
        SIGNALS, json={"kind": "ip", "value": "not an ip"}, headers=bearer(web, "gamer", "partner")
    )
    assert bad.status_code == 400 and "IPv4" in bad.json()["error"]
    unknown_kind = web.client.post(SIGNALS, json={"kind": "email", "value": "x"}, headers=auth)
    assert unknown_kind.status_code == 422
    server = web.client.post(
        SIGNALS,
        json={"kind": "server", "value": "Booter.Example."},
        headers=bearer(web, "gamer", "partner"),
    )
    assert server.status_code == 201 and server.json()["value"] == "booter.example"


def test_partner_scope_is_kept_apart(web: Web) -> None:
    partner = bearer(web, "gamer", "partner")
    assert web.client.get("/api/v1/persons", headers=partner).status_code == 403
    assert web.client.get("/api/v1/me", headers=partner).status_code == 403
    for user in ("ana", "adm"):
        write = bearer(web, user, "write")
        assert web.client.get(DELIVERIES, headers=write).status_code == 403
        assert (
            web.client.post(
                SIGNALS, json={"kind": "ip", "value": "192.0.2.1"}, headers=write
            ).status_code
            == 403
        )
    assert web.client.get(DELIVERIES).status_code == 401


def _deliver(web: Web, partner: str, n: int) -> list[int]:
    with web.app.state.web.store.session() as session:
        rows = [
            PartnerDelivery(partner=partner, payload=json.dumps({"subject": f"warning {i}"}))
            for i in range(n)
        ]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows]


def test_deliveries_fetch_and_ack(web: Web) -> None:
    with web.app.state.web.store.session() as session:
        add_user(session, "rival", "partner", "FI", acting="adm")
        session.commit()
    mine = _deliver(web, "gamer", 2)
    theirs = _deliver(web, "rival", 1)
    auth = bearer(web, "gamer", "partner")
    pending = web.client.get(DELIVERIES, headers=auth).json()["items"]
    assert [d["id"] for d in pending] == mine
    assert pending[0]["message"] == {"subject": "warning 0"} and pending[0]["acked_at"] is None
    acked = web.client.post(f"{DELIVERIES}/{mine[0]}/ack", headers=auth)
    assert acked.status_code == 200 and acked.json()["acked_at"] is not None
    assert web.client.post(f"{DELIVERIES}/{mine[0]}/ack", headers=auth).status_code == 200
    assert [d["id"] for d in web.client.get(DELIVERIES, headers=auth).json()["items"]] == mine[1:]
    after = web.client.get(f"{DELIVERIES}?after={mine[1]}", headers=auth).json()["items"]
    assert after == []
    assert web.client.post(f"{DELIVERIES}/{theirs[0]}/ack", headers=auth).status_code == 404
    assert web.client.post(f"{DELIVERIES}/999999/ack", headers=auth).status_code == 404


def test_rate_limit_answers_429_with_retry_after(web: Web) -> None:
    web.app.state.partner_limiter = SlidingWindowLimiter(3, 60.0)
    auth = bearer(web, "gamer", "partner")
    answers = [web.client.get(DELIVERIES, headers=auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    # another token of the same partner has its own budget
    assert web.client.get(DELIVERIES, headers=bearer(web, "gamer", "partner")).status_code == 200
