"""The interventions catalogue: the built-in entries, agency overrides, errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from intercop.casework.interventions import (
    WORKSPACE_CATALOGUE,
    catalogue_path,
    load_catalogue,
    parse_catalogue,
)
from intercop.errors import ConfigError

EXPECTED = (
    "no_action",
    "warning_email",
    "warning_letter",
    "knock_and_talk",
    "cease_and_desist",
    "reboot_camp_invite",
    "hack_right_referral",
    "prosecution_referral",
)


def test_the_builtin_catalogue_has_every_intervention() -> None:
    catalogue = load_catalogue()
    assert tuple(catalogue) == EXPECTED
    assert catalogue["warning_letter"].parents_if_minor
    assert catalogue["warning_letter"].channels == ("letter",)
    assert not catalogue["no_action"].message and catalogue["no_action"].channels == ()
    assert catalogue["prosecution_referral"].approver_role == "supervisor"
    assert catalogue["warning_email"].approver_role == "officer"


def test_hack_right_follows_the_dutch_criteria() -> None:
    hr = load_catalogue()["hack_right_referral"]
    person = {"age": 17, "first_offence": True, "role": "customer", "risk": 30.0}
    assert hr.unmet(person) == ()
    assert [c.field for c in hr.unmet({**person, "age": 24})] == ["age"]
    assert [c.field for c in hr.unmet({**person, "age": 11})] == ["age"]
    assert [c.field for c in hr.unmet({**person, "first_offence": False})] == ["first_offence"]
    # what no data can show is left to the approving officer
    assert dict(hr.requires_confirmation).keys() == {"confession", "willing", "not_too_serious"}


def test_an_agency_file_overrides_adds_and_disables(tmp_path: Path) -> None:
    own = tmp_path / "interventions.yaml"
    own.write_text(
        "interventions:\n"
        "  warning_email:\n"
        "    approver_role: supervisor\n"
        "  game_ban_notice:\n"
        "    title: In-game notice\n"
        "    channels: [webhook]\n"
        "    approver_role: officer\n"
        "    message: true\n"
        "    eligibility:\n"
        "      game_share: '>= 0.5'\n"
        "  knock_and_talk:\n"
        "    enabled: false\n"
    )
    catalogue = load_catalogue(own)
    assert catalogue["warning_email"].approver_role == "supervisor"
    assert catalogue["warning_email"].channels == ("outbox", "smtp", "webhook")  # kept
    assert catalogue["game_ban_notice"].unmet({"game_share": 0.9}) == ()
    assert "knock_and_talk" not in catalogue


def test_the_workspace_catalogue_is_found(tmp_path: Path) -> None:
    assert catalogue_path(tmp_path) is None
    (tmp_path / WORKSPACE_CATALOGUE).parent.mkdir()
    (tmp_path / WORKSPACE_CATALOGUE).write_text("interventions: {}\n")
    assert catalogue_path(tmp_path) == tmp_path / WORKSPACE_CATALOGUE
    assert catalogue_path(tmp_path, Path("x.yaml")) == Path("x.yaml")


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("interventions:\n  x:\n    title: X\n", 2, "intervention 'x' needs channels"),
        ("interventions:\n  warning_email:\n    channels: [pigeon]\n", 3, "unknown channel"),
        ("interventions:\n  warning_email:\n    approver_role: analyst\n", 3, "approver_role"),
        ("interventions:\n  warning_email:\n    colour: red\n", 3, "unknown key 'colour'"),
        ("interventions:\n  no_action:\n    channels: [smtp]\n", 3, "sends no message"),
        ("interventions:\n  no_action:\n    eligibility: {agee: 3}\n", 3, "unknown field 'agee'"),
        ("interventions:\n  no_action: [1\n", 3, "not valid YAML"),
    ],
)
def test_errors_name_the_agency_file_and_line(text: str, line: int, needle: str) -> None:
    from intercop.casework.interventions import CATALOGUE_FILE, builtin_text

    with pytest.raises(ConfigError) as caught:
        parse_catalogue([(CATALOGUE_FILE, builtin_text()), ("nl.yaml", text)])
    assert f"nl.yaml:{line}:" in str(caught.value)
    assert needle in str(caught.value)
