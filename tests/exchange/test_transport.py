"""Server to server on loopback: NL's server delivers a referral to FI's, which may go down.

Two workspaces (NL and FI), each with its own keys and case store (SQLite) and the other
agency registered; FI's web app is served by uvicorn in a thread on a loopback port.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from nacl.signing import SigningKey
from sqlalchemy import func, select

from intercop.access import add_user
from intercop.audit import verify
from intercop.casework.cases import open_case
from intercop.exchange import inbox
from intercop.exchange.agencies import add_agency
from intercop.exchange.keys import ensure_keys
from intercop.exchange.signatures import sign_request
from intercop.exchange.transport import (
    BUNDLES_PATH,
    Delivery,
    Peers,
    RetryPolicy,
    export_and_queue,
    outbox,
    send_pending,
    set_endpoint,
)
from intercop.store import Store, open_store
from intercop.store.models import Case, ExchangeAgency, OutgoingBundle, ReceivedBundle, User
from intercop.web.app import create_app
from intercop.web.routes import exchange as exchange_route
from intercop.web.state import WebConfig
from intercop.workspace import Workspace, init_workspace
from tests.exchange.fixtures import P_REF, build_data

QUICK = RetryPolicy(attempts=2, first_delay=0.01, timeout=5.0)


class Server:
    """FI's web app served by uvicorn in a thread, on ``port`` (0: a free one)."""

    def __init__(self, workspace: Workspace, agency: str, port: int = 0) -> None:
        self.app = create_app(workspace, config=WebConfig(secure_cookies=False, agency=agency))
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.port = int(self.socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.02)  # waiting for uvicorn to listen

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True
        self.thread.join(timeout=15)
        self.socket.close()
        self.app.state.web.store.close()


@dataclass
class Pair:
    """NL (sender, with its case on P_REF) and FI (receiver, served)."""

    nl: Workspace
    nl_store: Store
    fi: Workspace
    fi_store: Store
    server: Server

    def restart(self) -> None:
        self.server = Server(self.fi, "FI", self.server.port)


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pair]:
    monkeypatch.delenv("INTERCOP_DATABASE_URL", raising=False)
    nl, fi = init_workspace(tmp_path / "nl"), init_workspace(tmp_path / "fi")
    build_data(nl)
    nl_keys, _ = ensure_keys(nl, "NL")
    fi_keys, _ = ensure_keys(fi, "FI")
    with open_store(nl) as nl_store, open_store(fi) as fi_store:
        with fi_store.session() as session:
            add_agency(session, "NL", user=None, sign_key=nl_keys.sign_public,
                       box_key_text=nl_keys.box_public)  # fmt: skip
            session.commit()
        server = Server(fi, "FI")
        try:
            with nl_store.session() as session:
                add_user(session, "sam", "supervisor", "NL", acting="setup")
                add_agency(session, "FI", user="sam", sign_key=fi_keys.sign_public,
                           box_key_text=fi_keys.box_public)  # fmt: skip
                set_endpoint(session, "FI", server.url + "/", "sam")
                case = open_case(session, P_REF, "NL", "sam", country="FI", minor=True)
                case.intervention = "warning_email"
                session.commit()
            pair = Pair(nl, nl_store, fi, fi_store, server)
            yield pair
        finally:
            pair.server.stop()


def _send(pair: Pair, peers: Peers | None = None) -> Delivery:
    with pair.nl_store.session() as session:
        row = export_and_queue(pair.nl, session, P_REF, "FI", "sam", "seen in the NL takedown")
        bundle_id = row.bundle_id
    (done,) = send_pending(pair.nl, pair.nl_store, peers or Peers(policy=QUICK),
                           only=bundle_id)  # fmt: skip
    return done


def _fi_counts(pair: Pair) -> tuple[int, int]:
    with pair.fi_store.session() as session:
        cases = session.scalar(select(func.count()).select_from(Case).where(
            Case.person_id == P_REF, Case.agency == "FI"))  # fmt: skip
        received = session.scalar(select(func.count()).select_from(ReceivedBundle))
        return int(cases or 0), int(received or 0)


def _row(pair: Pair, bundle_id: str) -> OutgoingBundle:
    with pair.nl_store.session() as session:
        row = session.scalar(select(OutgoingBundle).where(OutgoingBundle.bundle_id == bundle_id))
        assert row is not None
        session.expunge(row)
        return row


def test_nl_sends_and_fi_imports_with_a_signed_receipt(pair: Pair) -> None:
    done = _send(pair)
    assert done.state == "sent", done.error
    assert done.receipt is not None and done.receipt["status"] == "imported"
    assert done.receipt["receiver"] == "FI" and done.receipt["sender"] == "NL"
    assert _fi_counts(pair) == (1, 1)
    row = _row(pair, done.bundle_id)
    assert row.bundle is None and row.sent_at is not None and row.attempts == 1
    kept = json.loads(row.receipt or "{}")
    assert kept["status"] == 200 and "X-InterCOP-Signature" in kept["headers"]
    with pair.fi_store.session() as session:
        service = session.scalar(select(User).where(User.name == "exchange.fi"))
        assert service is not None and service.role == "officer" and service.password_hash is None
        received = session.scalars(select(ReceivedBundle)).one()
        assert received.imported_by == "exchange.fi" and received.case_id == done.receipt["case_id"]
        assert verify(session).ok
    with pair.nl_store.session() as session:
        assert verify(session).ok
    assert send_pending(pair.nl, pair.nl_store, Peers(policy=QUICK)) == []  # nothing pending


def test_receiver_down_in_mid_transfer_loses_and_doubles_nothing(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = inbox.receive_bundle
    imported = threading.Event()

    def import_then_hang(*args: Any, **kwargs: Any) -> inbox.Receipt:
        receipt = real(*args, **kwargs)  # committed at FI ...
        imported.set()
        time.sleep(1.5)  # ... but the answer never reaches NL in time
        return receipt

    monkeypatch.setattr(exchange_route, "receive_bundle", import_then_hang)
    impatient = Peers(policy=RetryPolicy(attempts=1, timeout=0.5))
    done = _send(pair, impatient)
    assert imported.wait(10)  # FI imported it, though NL gave up waiting
    assert done.state == "pending" and "Timeout" in (done.error or "")
    pair.server.stop()  # FI goes down
    monkeypatch.setattr(exchange_route, "receive_bundle", real)
    (down,) = send_pending(pair.nl, pair.nl_store, Peers(policy=QUICK))
    assert down.state == "pending" and "unreachable" in (down.error or "")
    assert _row(pair, done.bundle_id).attempts == 3  # 1 + 2 retries, still queued
    pair.restart()  # FI is back
    (pushed,) = send_pending(pair.nl, pair.nl_store, Peers(policy=QUICK))
    assert pushed.state == "sent" and pushed.receipt is not None
    assert pushed.receipt["status"] == "already imported"
    assert _fi_counts(pair) == (1, 1)  # exactly one case and one received bundle at FI
    with pair.nl_store.session() as session:
        assert [r.state for r in outbox(session)] == ["sent"]


def _post(pair: Pair, headers: dict[str, str], body: bytes = b"{}") -> httpx.Response:
    return httpx.post(pair.server.url + BUNDLES_PATH, content=body, headers=headers, timeout=10)


def _signed(key: SigningKey, body: bytes, **kw: Any) -> dict[str, str]:
    return sign_request(key, method="POST", path=BUNDLES_PATH, sender=kw.pop("sender", "NL"),
                        receiver=kw.pop("receiver", "FI"), body=body, **kw)  # fmt: skip


def test_unsigned_wrong_key_stale_or_replayed_requests_get_401(pair: Pair) -> None:
    nl_key = ensure_keys(pair.nl, "NL")[0].signing
    assert _post(pair, {}).status_code == 401
    assert _post(pair, _signed(SigningKey.generate(), b"{}")).status_code == 401
    assert _post(pair, _signed(nl_key, b"{}", receiver="SE")).status_code == 401
    assert _post(pair, _signed(nl_key, b"{}", sender="SE")).status_code == 401  # not registered
    stale = _signed(nl_key, b"{}", now=datetime(2020, 1, 1, tzinfo=UTC))
    assert _post(pair, stale).status_code == 401
    headers = _signed(nl_key, b"{}")
    assert _post(pair, headers, b"{ }").status_code == 401  # body differs from the signed one
    first = _post(pair, headers)
    assert first.status_code == 422  # authenticated, then the body is refused (signed)
    assert "not a referral bundle" in first.json()["error"]
    replay = _post(pair, headers)
    assert replay.status_code == 401 and "used before" in replay.json()["error"]


def _register_fi(pair: Pair, sign_key: str, box_key: str) -> None:
    with pair.nl_store.session() as session:
        add_agency(session, "FI", user="sam", sign_key=sign_key, box_key_text=box_key,
                   replace=True)  # fmt: skip
        session.commit()


def test_a_receipt_signed_by_the_wrong_key_is_refused(pair: Pair, tmp_path: Path) -> None:
    fi_keys = ensure_keys(pair.fi, "FI")[0]
    impostor = ensure_keys(init_workspace(tmp_path / "x"), "FI")[0]
    _register_fi(pair, impostor.sign_public, fi_keys.box_public)
    done = _send(pair)
    assert done.state == "pending" and "not accepted" in (done.error or "")
    assert done.receipt is None
    _register_fi(pair, fi_keys.sign_public, fi_keys.box_public)
    (pushed,) = send_pending(pair.nl, pair.nl_store, Peers(policy=QUICK))
    assert pushed.state == "sent" and pushed.receipt is not None
    assert pushed.receipt["status"] == "already imported"
    assert _fi_counts(pair) == (1, 1)


def test_a_signed_refusal_fails_the_bundle_with_the_reason(pair: Pair, tmp_path: Path) -> None:
    fi_keys = ensure_keys(pair.fi, "FI")[0]
    other = ensure_keys(init_workspace(tmp_path / "x"), "FI")[0]
    _register_fi(pair, fi_keys.sign_public, other.box_public)  # sealed to the wrong key
    done = _send(pair)
    assert done.state == "failed" and "cannot be decrypted" in (done.error or "")
    assert _fi_counts(pair) == (0, 0)
    assert send_pending(pair.nl, pair.nl_store, Peers(policy=QUICK)) == []  # not retried


def test_no_endpoint_keeps_the_bundle_pending(pair: Pair) -> None:
    with pair.nl_store.session() as session:
        fi = session.get(ExchangeAgency, "FI")
        assert fi is not None
        fi.endpoint = None
        session.commit()
    done = _send(pair)
    assert done.state == "pending" and "no endpoint for FI" in (done.error or "")
    assert done.attempts == 0
