"""Country from clues: providers, TLDs, phones, shared IPs, conflicts."""

from __future__ import annotations

import pytest

from intercop.profiles.jurisdiction import (
    Clue,
    claimed_country,
    email_country,
    estimate_country,
    ip_weight,
    phone_country,
)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("ziggo.nl", ("NL", "email_provider")),
        ("btinternet.com", ("GB", "email_provider")),
        ("hotmail.co.uk", ("GB", "email_provider")),
        ("web.de", ("DE", "email_provider")),
        ("uol.com.br", ("BR", "email_provider")),
        ("yahoo.co.jp", ("JP", "email_provider")),
        ("school.fi", ("FI", "email_cctld")),
        ("example.co.uk", ("GB", "email_cctld")),
        ("gmail.com", None),
        ("hotmail.com", None),
        ("proton.me", None),
        ("startup.io", None),
    ],
)
def test_email_country(domain: str, expected: tuple[str, str] | None) -> None:
    assert email_country(domain) == expected


def test_claimed_and_phone_countries() -> None:
    assert claimed_country(" nl ") == "NL"
    assert claimed_country("UK") == "GB"
    assert claimed_country("Nederland") == "NL"
    assert claimed_country("XX") is None
    assert phone_country("+31612345678") == "NL"
    assert phone_country("0031612345678") == "NL"
    assert phone_country("+12015550123") == "US"
    assert phone_country("2015550123") is None  # national: +20 would be Egypt


def test_shared_ips_weigh_little() -> None:
    assert ip_weight(1) == 1.0
    assert ip_weight(10) < 0.25
    assert ip_weight(500) == 0.0


def test_home_ip_and_provider_agree() -> None:
    est = estimate_country(
        [Clue("ip", "NL", 2.0, {"ips": 2, "shared_ips": 0})], ["kim@ziggo.nl"], [], [], []
    )
    assert est.country == "NL"
    assert est.confidence > 0.9
    assert est.flags == ()
    assert {e["kind"] for e in est.evidence} == {"ip", "email_provider"}


def test_a_vpn_exit_alone_names_no_country() -> None:
    est = estimate_country([Clue("ip", "CH", 0.2, {"ips": 1, "shared_ips": 1})], [], [], [], [])
    assert est.country is None
    assert "no_evidence" in est.flags
    assert est.evidence[-1]["kind"] == "best_guess"


def test_conflicts_are_flagged() -> None:
    est = estimate_country(
        [Clue("ip", "DE", 1.0, {"ips": 1, "shared_ips": 0})],
        ["x@kpnmail.nl"],
        [("NL", "shop")],
        [],
        [],
    )
    assert est.country == "NL"
    assert "conflict" not in est.flags
    close = estimate_country(
        [Clue("ip", "DE", 2.0, {"ips": 2, "shared_ips": 0})],
        ["x@kpnmail.nl"],
        [("NL", "shop")],
        [],
        [],
    )
    assert "conflict" in close.flags


def test_language_only_supports_countries_found_otherwise() -> None:
    alone = estimate_country([], [], [], [], [("nl", 5)], texts=5)
    assert alone.country is None
    tie = estimate_country(
        [Clue("ip", "BE", 0.9, {"ips": 1, "shared_ips": 0})],
        ["a@example.de"],
        [],
        [],
        [("de", 4)],
        texts=5,
    )
    assert tie.country == "DE"
    stray = estimate_country([], ["a@example.de"], [], [], [("ru", 1)], texts=20)
    assert all(e["kind"] != "language" for e in stray.evidence)


def test_national_providers_load_with_norway_as_a_country() -> None:
    from intercop.profiles.jurisdiction import national_providers

    providers = national_providers()
    assert providers["online.no"] == "NO"  # "NO" must not load as YAML false
    assert providers["kpnmail.nl"] == "NL"
    assert "gmail.com" not in providers
