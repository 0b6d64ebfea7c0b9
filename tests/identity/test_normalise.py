"""Normalisers of e-mails, usernames, IPs, phones, bitcoin addresses and handles."""

from __future__ import annotations

import ipaddress

import pytest

from intercop.identity.normalise import (
    NormalisedIp,
    normalise_btc,
    normalise_email,
    normalise_handle,
    normalise_ip,
    normalise_phone,
    normalise_username,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  John.Doe+tag@GMail.com ", "john.doe+tag@gmail.com"),
        ("<a@b.nl>", "a@b.nl"),
        ("mailto:X@Y.org", "x@y.org"),
        ("not an email", None),
        ("", None),
        ("user@localhost", None),
        (None, None),
    ],
)
def test_normalise_email(raw: str | None, expected: str | None) -> None:
    assert normalise_email(raw) == expected


def test_normalise_username_folds_case_width_and_space() -> None:
    assert normalise_username("  Zero_Cool ") == "zero_cool"
    assert normalise_username("ＺｅｒｏＣｏｏｌ") == "zerocool"  # full-width letters
    assert normalise_username("Straße") == "strasse"
    assert normalise_username("   ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.0.113.7", NormalisedIp("203.0.113.7", 4, True)),
        ("8.8.8.8", NormalisedIp("8.8.8.8", 4, False)),
        (" 010.001.002.003 ", NormalisedIp("10.1.2.3", 4, True)),
        ("8.8.4.4:443", NormalisedIp("8.8.4.4", 4, False)),
        ("2001:DB8:0:0::1", NormalisedIp("2001:db8::1", 6, True)),
        ("::ffff:8.8.8.8", NormalisedIp("8.8.8.8", 4, False)),
        ("[2606:4700::1111]", NormalisedIp("2606:4700::1111", 6, False)),
        (ipaddress.IPv4Address("1.1.1.1").packed, NormalisedIp("1.1.1.1", 4, False)),
        (ipaddress.IPv6Address("::ffff:1.1.1.1").packed, NormalisedIp("1.1.1.1", 4, False)),
        (ipaddress.IPv6Address("2606:4700::1").packed, NormalisedIp("2606:4700::1", 6, False)),
        (b"9.9.9.9", NormalisedIp("9.9.9.9", 4, False)),  # text kept in a binary column
        (16843009, NormalisedIp("1.1.1.1", 4, False)),
        ("0.0.0.0", None),
        (b"\x00\x00\x00\x00", None),
        (b"\x01\x02", None),
        ("", None),
        ("localhost", None),
        (None, None),
    ],
)
def test_normalise_ip(raw: str | bytes | int | None, expected: NormalisedIp | None) -> None:
    assert normalise_ip(raw) == expected


def test_normalise_phone_btc_and_handles() -> None:
    assert normalise_phone("+31 (6) 1234-5678") == "+31612345678"
    assert normalise_phone("0031 6 12345678") == "+31612345678"
    assert normalise_phone("06-12345678") == "0612345678"
    assert normalise_phone("12") is None
    assert normalise_btc(" BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ ") == (
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    )
    assert (
        normalise_btc("1BoatSLRHtKNngkdXEeobR76b53LETtpyT") == "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    )
    assert normalise_handle("@Kid_Hacker") == "kid_hacker"
    assert normalise_handle("none") is None
