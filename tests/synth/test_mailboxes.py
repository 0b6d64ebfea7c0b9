"""E-mail addresses are mailboxes: each belongs to one person, whatever the variant."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from intercop.synth import generate_takedowns
from intercop.synth.persons import MailboxCodes, Population


def _canonical(email: str) -> str:
    """Lower case; for gmail without dots and ``+tag`` (all routes to one mailbox)."""
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
    return f"{local}@{domain}"


@pytest.mark.slow
def test_no_mailbox_is_shared_by_two_persons_at_scale_5(tmp_path: Path) -> None:
    scenario = generate_takedowns(tmp_path, seed=1, scale=5)
    owners: dict[str, set[str]] = {}
    variants: dict[str, set[str]] = {}
    with (scenario.out / "truth" / "accounts.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["email"]:
                key = _canonical(row["email"])
                owners.setdefault(key, set()).add(row["person_id"])
                variants.setdefault(key, set()).add(row["email"])
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert len(owners) > 5000
    assert not shared, sorted(shared.items())[:5]
    # one person's gmail dot, +tag and case variants still meet in one canonical mailbox
    assert sum(1 for v in variants.values() if len(v) > 1) > 100


def test_every_address_of_a_population_is_its_own() -> None:
    population = Population(seed=5, size=3000, vpn_count=10)
    owners: dict[str, int] = {}
    for index in range(population.size):
        person = population.person(index)
        addresses = {person.email, person.alt_email, person.paypal_email, person.jabber}
        for key in {_canonical(a) for a in addresses}:
            assert owners.setdefault(key, index) == index, (key, owners[key], index)


def test_codes_are_a_permutation_and_keep_the_trailing_year() -> None:
    codes = MailboxCodes(seed=2, size=30_000)
    assert codes.width == 4  # 26**3 < 30 000 <= 26**4
    assert len({codes.code(i) for i in range(30_000)}) == 30_000
    local = codes.local("maria2007", 12)
    assert local.endswith("2007") and local.startswith("maria.")
    assert codes.local("gamer", 1) != codes.local("gamer", 2)
    assert MailboxCodes(seed=2, size=30_000).code(77) == codes.code(77)
