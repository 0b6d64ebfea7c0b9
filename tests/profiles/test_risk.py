"""Risk weights: the built-in file, scores, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from intercop.errors import ConfigError
from intercop.profiles.risk import load_risk_model, parse_risk_model


def test_builtin_model_scores_and_sums() -> None:
    model = load_risk_model()
    low, parts = model.score({"attacks": 0, "role": "customer", "platforms": 1})
    assert low == 0.0 and all(p.contribution == 0 for p in parts)
    high, parts = model.score(
        {
            "attacks": 5000,
            "attack_days": 300,
            "game_share": 1.0,
            "spend_eur": 900,
            "role": "admin",
            "repeat_offender": True,
            "platforms": 5,
            "sales": 40,
        }
    )
    assert high == 100.0
    mid, parts = model.score({"attacks": 30, "attack_days": 4, "role": "staff", "platforms": 2})
    assert 0 < mid < 100
    assert abs(sum(p.contribution for p in parts) - mid) < 1e-9
    assert {p.factor for p in parts if p.contribution > 0} == {
        "attacks",
        "attack_days",
        "role",
        "multiple_platforms",
    }


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "factors:\n  a:\n    figure: shoe_size\n    weight: 1\n    scale: flag\n",
            3,
            "unknown figure",
        ),
        ("factors:\n  attacks:\n    weight: -2\n    scale: log\n    saturation: 9\n", 3, "weight"),
        ("factors:\n  attacks:\n    weight: 2\n    scale: cubic\n", 4, "scale must be"),
        ("factors:\n  attacks:\n    weight: 2\n    scale: log\n", 3, "saturation"),
        (
            "factors:\n  attacks: {weight: 1, scale: flag}\n  attacks: {weight: 1, scale: flag}\n",
            3,
            "twice",
        ),
        (
            "factors:\n  attacks:\n    weight: 1\n    scale: flag\n    colour: red\n",
            5,
            "unknown key",
        ),
        (
            "factors:\n  role:\n    weight: 1\n    scale: levels\n    levels: {admin: 3}\n",
            5,
            "<= 1",
        ),
    ],
)
def test_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_risk_model(text, "mine.yaml")
    assert f"mine.yaml:{line}:" in str(info.value)
    assert words in str(info.value)


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "risk.yaml"
    path.write_text(
        "factors:\n  repeat_offending:\n    figure: repeat_offender\n"
        "    weight: 1\n    scale: flag\n"
    )
    model = load_risk_model(path)
    assert model.score({"repeat_offender": True})[0] == 100.0
    with pytest.raises(ConfigError, match="cannot be read"):
        load_risk_model(tmp_path / "missing.yaml")
