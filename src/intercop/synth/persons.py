"""The synthetic population: persons generated lazily and deterministically by index.

Person ``i`` of a seed is a pure function of (seed, i), so a scenario of millions of
persons never holds them all in memory: each platform writer asks for the persons it
needs and an LRU cache keeps the recent ones.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import string
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import phonenumbers
from faker import Faker

from intercop.synth.aliases import COMMON_HANDLES, ascii_fold, mailbox, make_handle
from intercop.synth.bitcoin import btc_address
from intercop.synth.countries import Country, load_countries
from intercop.synth.ipspace import ipv4_in, ipv6_in

#: the population is aged against this date (between the first and last seizure)
REFERENCE_DATE = date(2024, 6, 1)
_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/118.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "python-requests/2.31.0",
)


@dataclass(frozen=True)
class Person:
    """One synthetic person and every identifier they may leave on a platform."""

    index: int
    person_id: str
    country: str
    locale: str
    given_name: str
    family_name: str
    birth_date: date
    handle: str
    email: str
    alt_email: str
    paypal_email: str
    jabber: str
    phone: str
    home_ips: tuple[str, ...]
    ipv6: str | None
    vpn_share: float
    vpn_exit: int
    user_agent: str
    street: str
    postcode: str
    city: str
    btc_address: str


class MailboxCodes:
    """Give every person's mailboxes a code of their own, so no two persons share one.

    The code is ``width`` letters, an affine permutation of the person's index under the
    seed: a bijection, so distinct persons get distinct codes without a table of all
    addresses. It goes between the readable part and its trailing digits, so a birth year
    at the end of a local part stays where people put it.
    """

    def __init__(self, seed: int, size: int) -> None:
        self.width = 3
        while 26**self.width < size:
            self.width += 1
        self.space = 26**self.width
        digest = hashlib.sha256(f"{seed}:mailbox-codes".encode()).digest()
        multiplier = int.from_bytes(digest[:8], "big") % self.space
        # coprime with 26 (odd and not a multiple of 13), so the map is a permutation
        while multiplier % 2 == 0 or multiplier % 13 == 0:
            multiplier += 1
        self.multiplier = multiplier
        self.offset = int.from_bytes(digest[8:16], "big") % self.space

    def code(self, index: int) -> str:
        """The letters of person ``index``."""
        value = (self.multiplier * index + self.offset) % self.space
        letters = []
        for _ in range(self.width):
            value, digit = divmod(value, 26)
            letters.append(string.ascii_lowercase[digit])
        return "".join(reversed(letters))

    def local(self, readable: str, index: int) -> str:
        """``readable`` made unique to person ``index``.

        Canonical forms (lower case, gmail dots and ``+tags`` gone) stay unique too: the code
        is letters only and of fixed width, and it is followed by nothing but the trailing
        digits, so it can be read back from any canonical form of the address.
        """
        stem = readable.rstrip(string.digits)
        digits = readable[len(stem) :]
        separator = "." if stem and stem[-1].isalnum() else ""
        return f"{stem}{separator}{self.code(index)}{digits}"


def _age_years(rng: random.Random) -> float:
    """Mostly 12-30 years old, peaking in the late teens, with a thin tail up to 45."""
    if rng.random() < 0.9:
        return min(30.0, max(12.0, rng.gauss(18.5, 4.0)))
    return rng.uniform(30.0, 45.0)


@lru_cache(maxsize=64)
def _mobile_pattern(region: str) -> tuple[str, int]:
    """The country code plus the fixed leading digits of a mobile number, and how many follow."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "", 0
    digits = str(example.national_number)
    keep = max(2, len(digits) - 6)
    return f"+{example.country_code}{digits[:keep]}", len(digits) - keep


def _mobile_number(rng: random.Random, region: str) -> str:
    """A mobile number of ``region`` in E.164: its example's prefix with random digits."""
    prefix, free = _mobile_pattern(region)
    if not prefix:
        return ""
    return f"{prefix}{rng.randrange(10**free):0{free}d}"


class Population:
    """``size`` persons of one seed; ``person(i)`` builds person ``i`` on demand."""

    def __init__(self, seed: int, size: int, vpn_count: int) -> None:
        self.seed = seed
        self.size = size
        self.vpn_count = vpn_count
        self._countries = load_countries()
        self._cumulative = list(itertools.accumulate(c.weight for c in self._countries))
        # one Faker per locale, reseeded per person, so no global random state is used
        self._fakers = {c.locale: Faker(c.locale) for c in self._countries}
        self.codes = MailboxCodes(seed, size)
        self.person = lru_cache(maxsize=4096)(self._build)

    def _country(self, rng: random.Random) -> Country:
        pick = rng.random() * self._cumulative[-1]
        return self._countries[bisect.bisect_right(self._cumulative, pick)]

    def _build(self, index: int) -> Person:
        rng = random.Random(f"{self.seed}:person:{index}")
        country = self._country(rng)
        fake = self._fakers[country.locale]
        fake.seed_instance(rng.getrandbits(64))
        if country.locale == "ja_JP":
            first, last = fake.first_name_pair(), fake.last_name_pair()
            given, family, roman_given, roman_family = first[0], last[0], first[2], last[2]
        else:
            given, family = fake.first_name(), fake.last_name()
            roman_given, roman_family = given, family
        birth = REFERENCE_DATE - timedelta(days=int(_age_years(rng) * 365.25))
        handle = (
            rng.choice(COMMON_HANDLES)
            if rng.random() < 0.01
            else make_handle(rng, roman_given, roman_family, birth.year)
        )
        domains, weights = country.providers, country.provider_weights
        # mailboxes are unique per person (a real provider enforces it); handles are not
        unique = self.codes.local
        email = (
            f"{unique(mailbox(rng, roman_given, roman_family, handle, birth.year), index)}@"
            f"{rng.choices(domains, weights)[0]}"
        )
        alt_local = unique(f"{ascii_fold(handle) or 'user'}{rng.randrange(1, 99)}", index)
        alt_email = f"{alt_local}@{rng.choices(domains, weights)[0]}"
        pay_local = unique(f"{ascii_fold(roman_given) or 'user'}.pay", index)
        paypal = email if rng.random() < 0.7 else f"{pay_local}@gmail.com"
        home_ips = tuple(ipv4_in(rng, country.code) for _ in range(rng.randint(1, 3)))
        ipv6 = ipv6_in(rng, country.code) if rng.random() < 0.25 else None
        vpn_share = rng.choice((0.0, 0.0, 0.0, 0.2, 0.5, 0.9))
        street = fake.street_address().replace("\n", " ")
        return Person(
            index=index,
            person_id=f"P{index + 1:07d}",
            country=country.code,
            locale=country.locale,
            given_name=given,
            family_name=family,
            birth_date=birth,
            handle=handle,
            email=email,
            alt_email=alt_email,
            paypal_email=paypal,
            jabber=f"{unique(handle.lower(), index)}@jabber.example",
            phone=_mobile_number(rng, country.code),
            home_ips=home_ips,
            ipv6=ipv6,
            vpn_share=vpn_share,
            vpn_exit=rng.randrange(self.vpn_count),
            user_agent=rng.choice(_USER_AGENTS),
            street=street,
            postcode=fake.postcode(),
            city=fake.city(),
            btc_address=btc_address(rng),
        )
