"""The thin ``intercop synth`` commands."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from intercop.cli.synth import app

runner = CliRunner()


def test_booter_command_prints_json(tmp_path: Path) -> None:
    target = tmp_path / "x" / "booter.sql"
    result = runner.invoke(app, ["booter", "--out", str(target), "--size-mb", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["bytes"] == target.stat().st_size and doc["tables"]["attack_logs"] > 0


def test_takedowns_command(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["takedowns", "--out", str(tmp_path), "--seed", "2", "--scale", "0.05", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["files"]) == 7 and (tmp_path / "truth" / "persons.csv").exists()


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["takedowns", "--out", str(tmp_path), "--scale", "-1"])
    assert result.exit_code == 2
