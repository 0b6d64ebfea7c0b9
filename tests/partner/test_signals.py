"""Partner signals: validation, idempotency, and the review queue of the partner's agency."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.audit import search
from intercop.partner.errors import ConflictError, NotFoundError, PartnerError
from intercop.partner.signals import list_signals, review_signal, submit_signal
from tests.partner.conftest import user


@pytest.mark.parametrize(
    "kind, value, canonical",
    [
        ("ip", " 192.0.2.10 ", "192.0.2.10"),
        ("ip", "2001:DB8:0:0::1", "2001:db8::1"),
        ("server", "Booter.Example.", "booter.example"),
        ("account", "xXstresserXx", "xXstresserXx"),
        (
            "advert",
            "cheap stresser at https://booter.example",
            "cheap stresser at https://booter.example",
        ),
    ],
)
def test_valid_signals_are_normalised(db: Session, kind: str, value: str, canonical: str) -> None:
    signal, created = submit_signal(db, user(db, "game"), kind, value, "game-x", "seen twice")
    assert created and (signal.value, signal.state, signal.agency) == (canonical, "new", "NL")


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("email", "a@b.example", "kind 'email' is not known"),
        ("ip", "999.1.1.1", "not an IPv4 or IPv6 address"),
        ("ip", "booter.example", "not an IPv4 or IPv6 address"),
        ("server", "bad_host!.example", "not a host name"),
        ("server", "-lead.example", "not a host name"),
        ("account", "", "value is empty"),
        ("account", "x" * 201, "at most 200"),
        ("account", "bell\x07", "control characters"),
    ],
)
def test_invalid_signals_are_refused(db: Session, kind: str, value: str, message: str) -> None:
    with pytest.raises(PartnerError, match=message):
        submit_signal(db, user(db, "game"), kind, value)


def test_only_partners_submit(db: Session) -> None:
    with pytest.raises(AccessError, match="only partners"):
        submit_signal(db, user(db, "ana"), "ip", "192.0.2.1")


def test_idempotency_key(db: Session) -> None:
    game = user(db, "game")
    first, created = submit_signal(db, game, "ip", "192.0.2.1", idempotency_key="k-1")
    again, created_again = submit_signal(db, game, "ip", "192.0.2.1", idempotency_key="k-1")
    assert created and not created_again and again.id == first.id
    with pytest.raises(ConflictError, match="different content"):
        submit_signal(db, game, "ip", "192.0.2.2", idempotency_key="k-1")
    other, created_other = submit_signal(db, user(db, "game2"), "ip", "192.0.2.1",
                                         idempotency_key="k-1")  # fmt: skip
    assert created_other and other.id != first.id
    with pytest.raises(PartnerError, match="idempotency key"):
        submit_signal(db, game, "ip", "192.0.2.1", idempotency_key="has space")
    db.commit()
    assert len(search(db, action="signal.submit")) == 2


def test_review_queue_of_the_agency(db: Session) -> None:
    signal, _ = submit_signal(db, user(db, "game"), "server", "booter.example")
    db.commit()
    assert [s.id for s in list_signals(db, "NL")] == [signal.id]
    assert list_signals(db, "BE") == []
    with pytest.raises(NotFoundError):
        review_signal(db, user(db, "bea"), signal.id, "accept", "seen it")  # other agency
    with pytest.raises(NotFoundError):
        review_signal(db, user(db, "ana"), 999, "accept", "seen it")
    with pytest.raises(AccessError, match="analyst"):
        review_signal(db, user(db, "aud"), signal.id, "accept", "seen it")
    with pytest.raises(PartnerError, match="needs a reason"):
        review_signal(db, user(db, "ana"), signal.id, "reject", " ")
    reviewed = review_signal(db, user(db, "ana"), signal.id, "reject", "a parked domain")
    assert (reviewed.state, reviewed.reviewed_by) == ("rejected", "ana")
    with pytest.raises(PartnerError, match="rejected already"):
        review_signal(db, user(db, "ana"), signal.id, "accept", "changed my mind")
    db.commit()
    assert list_signals(db, "NL") == [] and len(list_signals(db, "NL", "rejected")) == 1
    assert search(db, action="signal.review")[0].reason == "a parked domain"
