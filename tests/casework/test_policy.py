"""Triage policies: the built-in rules, validation with file:line, hashing, per-agency files."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from intercop.casework.fields import FIELDS, person_fields
from intercop.casework.interventions import load_catalogue
from intercop.casework.policy import (
    POLICY_FILE,
    builtin_policy_text,
    load_policy,
    load_policy_set,
    parse_policy,
    render_reason,
)
from intercop.errors import ConfigError
from tests.casework.profiles import profile

CATALOGUE = load_catalogue()
POLICY = load_policy(CATALOGUE)


def fields(**values: Any) -> dict[str, Any]:
    return person_fields(profile("p1", **values))


@pytest.mark.parametrize(
    ("values", "intervention", "rule"),
    [
        ({"role": "admin"}, "prosecution_referral", "platform_operator"),
        ({"role": "seller"}, "cease_and_desist", "seller"),
        ({"sales_threads": 5}, "cease_and_desist", "seller"),
        ({"attacks": 6000, "age": 30}, "knock_and_talk", "heavy_user"),
        ({"repeat_offender": True}, "knock_and_talk", "repeat_offender"),
        ({"attacks": 150, "age": 17, "minor_now": True}, "hack_right_referral",
         "young_first_offender_nl"),
        ({"attacks": 150, "age": 17, "minor_now": True, "country": "GB"}, "warning_letter",
         "minor"),
        ({"posts": 40, "age": 20}, "reboot_camp_invite", "skilled_young"),
        ({"age": 40}, "warning_email", "booter_customer"),
        # a market buyer or forum poster is not told about DDoS attacks they never ordered
        ({"attacks": 0, "payments": 3, "posts": 2, "age": 40}, "no_action", "default"),
        ({"attacks": 0, "payments": 0, "posts": 0}, "no_action", "default"),
    ],
)  # fmt: skip
def test_the_builtin_policy(values: dict[str, Any], intervention: str, rule: str) -> None:
    rec = POLICY.evaluate(fields(**values))
    assert (rec.intervention, rec.rule) == (intervention, rule)
    assert rec.reasons


def test_a_rule_is_skipped_when_the_person_is_not_eligible() -> None:
    # a heavy user with an uncertain address: no home visit (knock_and_talk needs 0.8)
    rec = POLICY.evaluate(fields(attacks=6000, age=30, country_confidence=0.7))
    assert rec.intervention == "warning_email"
    assert rec.skipped[0].startswith("heavy_user: not eligible for knock_and_talk")
    assert "country_confidence >= 0.8 (0.7)" in rec.skipped[0]


def test_reasons_cite_the_figures() -> None:
    rec = POLICY.evaluate(fields(attacks=6000, spend_eur=612.4, age=30))
    assert rec.reasons == ("6000 attacks and 612 euro spent",)
    assert render_reason("{age} years, {spend_eur:.0f} euro", {"age": None}) == (
        "unknown years, unknown euro"
    )


def test_the_hash_is_the_sha256_of_the_file() -> None:
    expected = hashlib.sha256(builtin_policy_text().encode()).hexdigest()
    assert POLICY.sha256 == expected
    assert POLICY.min_country_confidence == 0.6


def test_every_field_is_derived_from_a_profile() -> None:
    row = fields()
    assert set(FIELDS) <= set(row)
    assert row["methods"] == 1 and row["platforms"] == 1 and row["first_offence"] is True
    assert row["risk_band"] == "low"


RULE = "rules:\n  - name: r1\n    when:\n{when}    intervention: {iv}\n" + (
    "  - name: rest\n    default: true\n    intervention: no_action\n"
)


def policy(when: str = "      attacks: '>= 1'\n", iv: str = "warning_email") -> str:
    return RULE.format(when=when, iv=iv)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (policy("      attackz: 3\n"), 4, "unknown field 'attackz'; valid fields: attacks"),
        (policy(iv="warning_pigeon"), 5, "unknown intervention 'warning_pigeon'"),
        (policy("      attacks: '=> 3'\n"), 4, "expected a int value, not '=> 3'"),
        (policy("      attacks: '>= x'\n"), 4, "needs a number"),
        (policy("      minor_now: 'yes please'\n"), 4, "expected a bool value"),
        ("rules:\n  - name: r1\n    when: {role: admin\n", 4, "not valid YAML"),
        ("rules:\n  - name: r1\n    when: {role: admin}\n    intervention: no_action\n", 2,
         "the last rule must be the default"),
        ("rules:\n  - name: r\n    default: true\n    intervention: hack_right_referral\n", 2,
         "has eligibility conditions"),
        (policy() + "    colour: red\n", 9, "unknown key 'colour'"),
        ("rules:\n  - name: r\n    intervention: no_action\n    default: true\n"
         "    reasons: ['{attackz} attacks']\n", 5, "unknown figure {attackz}"),
        ("rules:\n  - name: r\n    intervention: no_action\n    default: true\n"
         "    reasons: ['{role:.2f}']\n", 5, "bad format for role"),
        ("routing: {min_country_confidence: 2}\n" + policy(), 1, "a number in 0..1"),
        ("", 1, "the policy is empty"),
    ],
)  # fmt: skip
def test_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, "nl-policy.yaml", CATALOGUE)
    assert f"nl-policy.yaml:{line}:" in str(caught.value)
    assert needle in str(caught.value)


def test_policy_files_of_a_workspace(tmp_path: Path) -> None:
    assert load_policy_set(tmp_path, CATALOGUE).default.source == POLICY_FILE
    config = tmp_path / "config"
    config.mkdir()
    (config / "policy.yaml").write_text("routing: {min_country_confidence: 0.5}\n" + policy())
    (config / "policy.FI.yaml").write_text(policy(iv="warning_letter"))
    policies = load_policy_set(tmp_path, CATALOGUE)
    assert policies.default.min_country_confidence == 0.5
    assert policies.for_agency("FI").rules[0].intervention == "warning_letter"
    assert policies.for_agency("NL") is policies.default
    assert set(policies.hashes()) == {"*", "FI"}
    given = tmp_path / "given.yaml"
    given.write_text(policy(iv="cease_and_desist"))
    only = load_policy_set(tmp_path, CATALOGUE, given)
    assert only.for_agency("FI").rules[0].intervention == "cease_and_desist"


def test_a_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_policy(CATALOGUE, tmp_path / "nope.yaml")
