"""Jurisdiction routing: country and confidence to an agency or the network queue."""

from __future__ import annotations

from intercop.casework.agencies import NETWORK, load_agencies
from intercop.casework.routing import route

AGENCIES = load_agencies()


def test_a_known_country_goes_to_its_agency() -> None:
    r = route("FI", 0.9, AGENCIES, 0.6)
    assert r.agency == "FI"
    assert r.reasons == ("country FI at confidence 0.90 >= 0.60: FI",)


def test_low_confidence_unknown_or_uncovered_go_to_the_network_queue() -> None:
    assert route("FI", 0.59, AGENCIES, 0.6).agency == NETWORK
    assert "0.59 < 0.60" in route("FI", 0.59, AGENCIES, 0.6).reasons[0]
    assert route(None, None, AGENCIES, 0.6).reasons == ("country unknown: network queue",)
    assert route("AQ", 1.0, AGENCIES, 0.6).agency == NETWORK
    assert "no network agency for country AQ" in route("AQ", 1.0, AGENCIES, 0.6).reasons[0]


def test_the_threshold_is_a_setting() -> None:
    assert route("NL", 0.4, AGENCIES, 0.3).agency == "NL"
