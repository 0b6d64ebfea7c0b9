"""The parallel path and the ``activity`` knob of ``generate_takedowns``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from intercop.synth import generate_takedowns


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_workers_write_the_same_bytes(tmp_path: Path) -> None:
    one = generate_takedowns(tmp_path / "one", seed=5, scale=0.2)
    two = generate_takedowns(tmp_path / "two", seed=5, scale=0.2, workers=2)
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")
    assert two.accounts == one.accounts > 300
    assert not list((tmp_path / "two" / "truth").glob(".accounts.*"))


def test_low_activity_keeps_the_accounts_and_thins_the_events(tmp_path: Path) -> None:
    full = generate_takedowns(tmp_path / "full", seed=5, scale=0.2)
    thin = generate_takedowns(tmp_path / "thin", seed=5, scale=0.2, activity=0.1)
    truth = Path("truth") / "accounts.csv"
    assert (tmp_path / "full" / truth).read_bytes() == (tmp_path / "thin" / truth).read_bytes()
    rows = {f.platform: f.tables for f in full.files}
    for f in thin.files:
        if f.platform == "stormstresser":
            assert f.tables["users"] == rows["stormstresser"]["users"]
            assert f.tables["attack_logs"] < rows["stormstresser"]["attack_logs"] / 3
            assert f.tables["login_logs"] < rows["stormstresser"]["login_logs"]
    assert sum(f.bytes for f in thin.files) < sum(f.bytes for f in full.files) / 2
