"""Normalisers of e-mails, usernames, IPs, phones, bitcoin addresses, handles, names, dates."""

from __future__ import annotations

import ipaddress
from datetime import date

import pytest

from intercop.identity.normalise import (
    NormalisedIp,
    UsernameParts,
    canonical_email,
    fold_username,
    normalise_btc,
    normalise_email,
    normalise_handle,
    normalise_ip,
    normalise_name,
    normalise_phone,
    normalise_phone_e164,
    normalise_username,
    parse_birth_date,
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


# --- comparison keys of identity resolution --------------------------------------------

JUNK: list[str | None] = [
    None, "", "   ", "@", "@@", "a@", "@b.c", "\x00\x01", "💥💥", "+", "00", "-", "null",
    "x" * 5000, "１２３", "a@b@c.d", "+++@gmail.com", "..@gmail.com", "31-02-", "99/99/9999",
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("John.Doe+ddos@gmail.com", "johndoe@gmail.com"),
        (" J.O.H.N.DOE@GoogleMail.COM ", "johndoe@gmail.com"),
        ("johndoe+a+b@googlemail.com", "johndoe@gmail.com"),
        ("john.doe+forum@outlook.com", "john.doe@outlook.com"),  # dots count at Microsoft
        ("kid+x@hotmail.co.uk", "kid@hotmail.co.uk"),
        ("kid+x@live.nl", "kid@live.nl"),
        ("kid+x@proton.me", "kid@protonmail.com"),
        ("kid@pm.me", "kid@protonmail.com"),
        ("kid+games@me.com", "kid@icloud.com"),
        ("kid+shop@fastmail.com", "kid@fastmail.com"),
        ("kid-shop@yahoo.com", "kid-shop@yahoo.com"),  # Yahoo's base name is not the mailbox
        ("kid+shop@gmx.de", "kid+shop@gmx.de"),  # no sub-addressing at GMX
        ("j.doe@ziggo.nl", "j.doe@ziggo.nl"),
        ("none@gmail.com", None),
        ("test@test.com", None),
        ("buyer1@example.com", None),
        ("kid@booter.invalid", None),
        ("+tag@gmail.com", None),
        ("not an email", None),
        (None, None),
    ],
)
def test_canonical_email(raw: str | None, expected: str | None) -> None:
    assert canonical_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("xX_d4rk_l0rd_Xx99", UsernameParts("darklord99", "darklord", "99")),
        ("XXSNIPERJOHNXX", UsernameParts("sniperjohn", "sniperjohn", "")),
        ("xXx~Sniper~xXx", UsernameParts("sniper", "sniper", "")),
        ("xXSniper2007Xx", UsernameParts("sniper2007", "sniper", "2007")),
        ("5n1p3r", UsernameParts("sniper", "sniper", "")),
        ("Zero_Cool", UsernameParts("zerocool", "zerocool", "")),
        ("zer0.c00l-1337", UsernameParts("zerocool1337", "zerocool", "1337")),
        ("$hadow__07_", UsernameParts("shadow07", "shadow", "07")),
        ("sniperrrr!!!", UsernameParts("sniper", "sniper", "")),
        ("ＧｈｏｓｔＲｉｄｅｒ", UsernameParts("ghostrider", "ghostrider", "")),
        ("★Shadow★", UsernameParts("shadow", "shadow", "")),
        ("1337", UsernameParts("1337", "", "1337")),
        ("山田_たろう", UsernameParts("山田たろう", "山田たろう", "")),
        ("___", None),
        (None, None),
    ],
)
def test_fold_username(raw: str | None, expected: UsernameParts | None) -> None:
    assert fold_username(raw) == expected


def test_leetspeak_and_case_variants_of_one_handle_fold_together() -> None:
    variants = ["GhostRider", "GHOSTRIDER", "gh0str1d3r", "xXGhostRiderXx", "ghost_rider"]
    assert {p.stem for v in variants if (p := fold_username(v))} == {"ghostrider"}


@pytest.mark.parametrize(
    ("raw", "hint", "expected"),
    [
        ("06-12345678", "NL", "+31612345678"),
        ("+31 (6) 1234 5678", None, "+31612345678"),
        ("0031 6 12345678", None, "+31612345678"),
        ("07700 900123", "GB", "+447700900123"),
        ("+44 7700 900123", "NL", "+447700900123"),  # an international number ignores the hint
        ("(11) 96164-0705", "br", "+5511961640705"),
        ("090-1234-5678", "JP", "+819012345678"),
        ("0612345678", None, None),  # national number, no country to read it in
        ("0612345678", "??", None),
        ("1111111111", "NL", None),
        ("12", "NL", None),
        ("+31 6 123", None, None),  # too short for the Netherlands
        ("call me", "GB", None),
    ],
)
def test_normalise_phone_e164(raw: str, hint: str | None, expected: str | None) -> None:
    assert normalise_phone_e164(raw, hint) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José Müller", "jose muller"),
        ("  ÉLODIE   Lefèvre ", "elodie lefevre"),
        ("Jean-Luc O'Brien", "jean luc obrien"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Søren Ærø", "soren aero"),
        ("Straße", "strasse"),
        ("Ирина", "ирина"),
        ("山田 太郎", "山田 太郎"),
        ("ガンダム", "ガンダム"),  # kana voicing marks are kept
        ("R2-D2", "r d"),
        ("n/a", None),
        ("123", None),
        (None, None),
    ],
)
def test_normalise_name(raw: str | None, expected: str | None) -> None:
    assert normalise_name(raw) == expected


TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17-5-2007", date(2007, 5, 17)),  # MyBB d-m-Y
        ("2007-05-17", date(2007, 5, 17)),
        ("2007-05-17 00:00:00", date(2007, 5, 17)),
        ("2007-05-17T12:00:00Z", date(2007, 5, 17)),
        ("17/05/2007", date(2007, 5, 17)),
        ("17.05.2007", date(2007, 5, 17)),
        ("05/17/2007", date(2007, 5, 17)),  # only readable as US m/d/Y
        ("03/04/2007", date(2007, 4, 3)),  # ambiguous: day first
        ("20070517", date(2007, 5, 17)),
        (date(2007, 5, 17), date(2007, 5, 17)),
        ("31-02-2007", None),
        ("0000-00-00", None),
        ("17-5-", None),  # MyBB birthday without the year
        ("1850-01-01", None),
        ("2030-01-01", None),  # after today
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_birth_date(raw: str | date | None, expected: date | None) -> None:
    assert parse_birth_date(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw", JUNK)
def test_comparison_keys_never_raise_on_junk(raw: str | None) -> None:
    canonical_email(raw)
    fold_username(raw)
    normalise_phone_e164(raw, "NL")
    normalise_phone_e164(raw, "not a country")
    normalise_name(raw)
    assert parse_birth_date(raw) is None or raw is not None
