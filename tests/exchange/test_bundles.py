"""Referral bundles between agencies: NL refers a person to FI; everything else is refused."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from intercop.access import AccessError
from intercop.audit import search, verify
from intercop.exchange.authorisations import authorise_transfer
from intercop.exchange.bundles import Exported, Imported, export_referral, import_referral
from intercop.exchange.envelope import CONTEXT, Header, canonical, open_payload, parse, seal
from intercop.exchange.errors import ExchangeError
from intercop.exchange.keys import box_key, ensure_keys, load_keys
from intercop.store.base import utc_now
from intercop.store.models import Case, CaseEvent, ReceivedBundle
from tests.exchange.fixtures import P_REF, SE_DATASET, VICTIMS, Network


def _export(
    net: Network,
    tmp_path: Path,
    to: str = "FI",
    user: str = "sam",
    *,
    days: int = 30,
    now: datetime | None = None,
    from_agency: str | None = None,
) -> Exported:
    with net.store.session() as session:
        done = export_referral(net.workspace, session, P_REF, to, user,
                               "seen in the NL takedown", out=tmp_path / f"to-{to}.icb",
                               days=days, now=now, from_agency=from_agency)  # fmt: skip
        session.commit()
    return done


def _import(net: Network, path: Path, agency: str = "FI", user: str = "fin") -> Imported:
    with net.store.session() as session:
        done = import_referral(net.workspace, session, path, agency, user)
        session.commit()
    return done


def test_nl_refers_a_person_and_fi_gets_the_case(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    assert sent.path.stat().st_mode & 0o777 == 0o600
    assert sent.accounts == 2 and sent.withheld == {"SE": 1}
    got = _import(network, sent.path)
    assert got.new_case and got.sender == "NL" and got.recipient == "FI"
    assert (got.handling, got.tlp) == ("H2", "amber")
    payload = got.payload
    assert payload["case"]["intervention"] == "warning_email"
    assert payload["profile"]["country"] == "FI" and payload["profile"]["attacks"] == 2
    accounts = {a["username"]: a for a in payload["accounts"]}
    assert set(accounts) == {"kid_ddos", "kid_ddos2"}  # the SE dataset's account is withheld
    assert accounts["kid_ddos"]["email"] == "kid@example.net"
    assert accounts["kid_ddos"]["activity"] == {"attack": 2}
    assert accounts["kid_ddos2"]["activity"] == {"login": 1, "message": 1}
    assert SE_DATASET not in json.dumps(payload)
    with network.store.session() as session:
        case = session.get(Case, got.case_id)
        assert case is not None
        assert (case.agency, case.state, case.person_id) == ("FI", "new", P_REF)
        assert "referral from NL" in json.loads(case.reasons)[0]
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
        detail = json.loads(event.detail)
        assert detail["handling"] == "H2" and detail["tlp"] == "amber"
        assert detail["sender"] == "NL" and detail["bundle_id"] == sent.bundle_id
        disclosed = search(session, action="exchange.disclose")[0]
        assert disclosed.agency == "NL" and disclosed.user_name == "sam"
        assert json.loads(disclosed.detail)["recipient"] == "FI"
        received = search(session, action="exchange.receive")[0]
        assert received.agency == "FI" and received.object_id == str(case.id)
        assert verify(session).ok


def test_victims_data_never_leaves_the_agency(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    got = _import(network, sent.path)
    decrypted = json.dumps(got.payload)
    for secret in (*VICTIMS, "198.51.100.9", "+000 555 0101", "Secret"):
        assert secret not in decrypted, secret
    with network.store.session() as session:
        stored = session.scalars(select(ReceivedBundle.payload)).one()
        audit = " ".join(e.detail for e in search(session, limit=1000))
    assert stored is not None and not any(v in stored + audit for v in VICTIMS)


def test_the_bundle_is_sealed_for_fi_only(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    with pytest.raises(ExchangeError, match="addressed to FI, not SE"):
        _import(network, sent.path, "SE", "sven")
    envelope, header = parse(sent.path.read_bytes())
    with pytest.raises(ExchangeError, match="cannot be decrypted"):
        open_payload(envelope, header, load_keys(network.workspace, "SE").box)
    assert b"kid_ddos" not in sent.path.read_bytes()


@pytest.mark.parametrize("field", ["payload", "recipient", "expires_at", "handling", "sender_key"])
def test_a_changed_byte_is_refused(network: Network, tmp_path: Path, field: str) -> None:
    sent = _export(network, tmp_path)
    envelope = json.loads(sent.path.read_bytes())
    value = envelope[field]
    if field == "payload":
        raw = bytearray(base64.b64decode(value))
        raw[len(raw) // 2] ^= 0x01
        envelope[field] = base64.b64encode(bytes(raw)).decode()
    else:
        changed = {"recipient": "SE", "expires_at": "2099-01-01T00:00:00Z", "handling": "H0"}
        envelope[field] = changed.get(field, value[:-1] + ("1" if value.endswith("0") else "0"))
    sent.path.write_text(json.dumps(envelope))
    with pytest.raises(ExchangeError, match=r"signature does not verify \(tampered"):
        _import(network, sent.path, "SE" if field == "recipient" else "FI",
                "sven" if field == "recipient" else "fin")  # fmt: skip


def test_a_flipped_byte_in_the_file_is_refused(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    data = bytearray(sent.path.read_bytes())
    data[len(data) // 2] ^= 0x04
    sent.path.write_bytes(bytes(data))
    with pytest.raises(ExchangeError, match=r"signature does not verify|not a referral bundle"):
        _import(network, sent.path)


def test_replay_is_refused(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    _import(network, sent.path)
    with pytest.raises(ExchangeError, match=r"already imported on .* \(replay\)"):
        _import(network, sent.path)


def test_an_expired_bundle_is_refused(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path, days=2, now=utc_now() - timedelta(days=5))
    with pytest.raises(ExchangeError, match=r"expired on \d{4}-\d\d-\d\d"):
        _import(network, sent.path)


def test_a_non_eu_transfer_needs_an_authorisation(network: Network, tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match=r"outside the EU.*exchange authorise"):
        _export(network, tmp_path, to="US")
    with network.store.session() as session:
        with pytest.raises(AccessError, match="supervisor"):
            authorise_transfer(session, P_REF, "US", "olle", "joint operation")
        with pytest.raises(ExchangeError, match="EU agency"):
            authorise_transfer(session, P_REF, "FI", "sam", "not needed")
        auth = authorise_transfer(session, P_REF, "US", "sam", "MLAT request 2026/17")
        session.commit()
    sent = _export(network, tmp_path, to="US")
    assert sent.authorisation == auth.id
    got = _import(network, sent.path, "US", "usa")
    assert got.payload["authorisation"]["reason"] == "MLAT request 2026/17"
    with network.store.session() as session:
        assert search(session, action="exchange.authorise")[0].user_name == "sam"
        assert verify(session).ok


def test_only_officers_of_the_owning_agency_export(network: Network, tmp_path: Path) -> None:
    with pytest.raises(AccessError, match=r"exchange.export"):
        _export(network, tmp_path, user="ana")
    with pytest.raises(ExchangeError, match="no case at FI"):
        _export(network, tmp_path, to="SE", user="fin")
    with pytest.raises(AccessError, match="belongs to agency FI, not NL"):
        _export(network, tmp_path, user="fin", from_agency="NL")
    with pytest.raises(ExchangeError, match="--from"):
        _export(network, tmp_path, user="nina")
    assert _export(network, tmp_path, user="nina", from_agency="NL").sender == "NL"


def test_an_unknown_sender_or_a_foreign_key_is_refused(network: Network, tmp_path: Path) -> None:
    sent = _export(network, tmp_path)
    _, header = parse(sent.path.read_bytes())
    stranger, _ = ensure_keys(network.workspace, "PT")  # keys PT never registered
    fi = box_key(load_keys(network.workspace, "FI").box_public)
    forged = tmp_path / "forged.icb"
    fields = {**header.__dict__, "bundle_id": "0f3a6c2e-4f11-4b8e-9a53-1d2c3b4a5f60"}
    forged.write_bytes(seal(Header(**{**fields, "sender": "PT"}), {"person_id": "x"},
                            stranger.signing, fi))  # fmt: skip
    with pytest.raises(ExchangeError, match="unknown sender agency PT: add it with intercop"):
        _import(network, forged)
    forged.write_bytes(seal(Header(**fields), {"person_id": "x"}, stranger.signing, fi))
    with pytest.raises(ExchangeError, match="signature does not verify"):
        _import(network, forged)


def test_a_payload_rewrapped_under_another_header_is_refused(
    network: Network, tmp_path: Path
) -> None:
    sent = _export(network, tmp_path)
    envelope, header = parse(sent.path.read_bytes())
    nl = load_keys(network.workspace, "NL")
    # a valid NL signature over a new bundle id, carrying the old sealed payload
    moved = {**envelope, "bundle_id": "0f3a6c2e-4f11-4b8e-9a53-1d2c3b4a5f61"}
    del moved["signature"]
    moved["signature"] = base64.b64encode(
        nl.signing.sign(CONTEXT + canonical(moved)).signature
    ).decode()
    path = tmp_path / "moved.icb"
    path.write_bytes(canonical(moved))
    with pytest.raises(ExchangeError, match="does not match its header"):
        _import(network, path)
    assert header.bundle_id == sent.bundle_id
