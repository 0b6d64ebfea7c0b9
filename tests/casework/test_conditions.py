"""The condition language: parsing with line numbers, and evaluation."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from intercop.casework.conditions import Condition, all_hold, parse_when
from intercop.errors import ConfigError


def when(text: str) -> tuple[Condition, ...]:
    return parse_when("p.yaml", yaml.compose(text), "rule 'r'")


def holds(text: str, **row: Any) -> bool:
    return all_hold(when(text), row)


def test_comparisons_and_equality() -> None:
    assert holds('attacks: ">= 100"', attacks=100)
    assert not holds('attacks: ">= 100"', attacks=99)
    assert holds('spend_eur: "< 20.5"', spend_eur=20)
    assert holds("role: admin", role="admin")
    assert not holds("role: admin", role="customer")
    assert holds('role: "!= admin"', role="customer")
    assert holds("minor_now: true", minor_now=True)
    assert not holds("minor_now: true", minor_now=None)


def test_membership_ranges_and_combinators() -> None:
    assert holds("role: [admin, staff]", role="staff")
    assert holds("age: {between: [12, 23]}", age=12) and holds("age: {between: [12, 23]}", age=23)
    assert not holds("age: {between: [12, 23]}", age=24)
    assert holds('age: {">=": 12, "<": 18}', age=17) and not holds(
        'age: {">=": 12, "<": 18}', age=18
    )
    assert holds("country: {not_in: [NL, GB]}", country="FI")
    text = "any:\n  - attacks: '>= 1000'\n  - spend_eur: '>= 500'\n"
    assert holds(text, attacks=0, spend_eur=600) and not holds(text, attacks=1, spend_eur=1.0)
    assert holds("not: {role: admin}", role="customer") and not holds(
        "not: {role: admin}", role="admin"
    )
    assert holds("all: [{role: admin}, {attacks: '> 1'}]", role="admin", attacks=2)


def test_unknown_values_fail_comparisons_but_match_null() -> None:
    assert not holds('age: "< 18"', age=None)
    assert not holds("age: {between: [12, 23]}", age=None)
    assert holds("country: null", country=None)
    assert holds("country: [NL, null]", country=None)


def test_descriptions_cite_the_figures() -> None:
    [c] = when('attacks: ">= 100"')
    assert c.describe() == "attacks >= 100"
    assert c.explain({"attacks": 250}) == "attacks >= 100 (250)"
    [c] = when("age: {between: [12, 23]}")
    assert c.explain({}) == "age between 12 and 23 (unknown)"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("role: admin\nattackz: 3\n", 2, "unknown field 'attackz'; valid fields: attacks"),
        ("x: 1\n", 1, "unknown field 'x'"),
        ('attacks: ">= many"\n', 1, "needs a number"),
        ('role: ">= 3"\n', 1, "compares numbers; this field is text"),
        ("minor_now: yes-ish\n", 1, "expected a bool value"),
        ("attacks: lots\n", 1, "expected a int value"),
        ("role: boss\n", 1, "'boss' is not one of unknown, customer"),
        ("country: nl\n", 1, "upper case ('NL', not 'nl')"),
        ("age: {between: [23, 12]}\n", 1, "is empty"),
        ("age: {between: 12}\n", 1, "between takes [low, high]"),
        ("age: {around: 12}\n", 1, "unknown key 'around'"),
        ("\n\nany: {role: admin}\n", 3, "'any:' takes a list"),
        ("role: [admin, [x]]\n", 1, "list items must be plain values"),
        ("role: admin\nrole: staff\n", 2, "'role' is given twice"),
    ],
)
def test_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        when(text)
    assert f"p.yaml:{line}:" in str(caught.value)
    assert needle in str(caught.value)
