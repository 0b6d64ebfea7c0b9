"""The agencies of the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from intercop.casework.agencies import agency_for_country, load_agencies
from intercop.errors import ConfigError


def test_the_network_has_27_members_and_partners() -> None:
    agencies = load_agencies()
    members = [a for a in agencies.values() if a.member]
    assert len(members) == 27
    assert {"NL", "GB", "FI", "SE", "PT"} <= {a.code for a in members}
    assert not agencies["BR"].member and agencies["BR"].locale == "pt-BR"
    assert agencies["NL"].sender_domain.endswith(".example")


def test_country_to_agency() -> None:
    agencies = load_agencies()
    assert agency_for_country("fi", agencies) is agencies["FI"]
    assert agency_for_country(None, agencies) is None
    assert agency_for_country("ZZ", agencies) is None


def test_a_workspace_file_overrides(tmp_path: Path) -> None:
    own = tmp_path / "agencies.yaml"
    own.write_text(
        "agencies:\n  NL:\n    name: Team X\n    locale: nl\n    sender: a@b.example\n"
        "    reply_to: r@b.example\n    phone: '1'\n    website: https://b.example/\n"
        "    eu: true\n",
        encoding="utf-8",
    )
    agencies = load_agencies(own)
    assert agencies["NL"].name == "Team X" and agencies["FI"].locale == "fi"


@pytest.mark.parametrize(
    "text, message",
    [
        ("agencies: [1, 2", "not valid YAML"),
        ("agencies:\n  Netherlands: {}\n", "is not a two-letter country code"),
        ("agencies:\n  NL:\n    name: x\n", "missing locale"),
        ("agencies: 3\n", "expected a mapping"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    own = tmp_path / "agencies.yaml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_agencies(own)
