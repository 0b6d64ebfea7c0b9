"""The size-driven booter dump for benchmarks."""

from __future__ import annotations

from pathlib import Path

from intercop.synth import generate_booter
from tests.synth.dumpreader import tables


def test_booter_reaches_the_size_and_is_attack_heavy(tmp_path: Path) -> None:
    written = generate_booter(tmp_path / "b.sql", size_mb=3, seed=1)
    assert 3 * 1024**2 <= written.bytes < 4.5 * 1024**2
    assert written.tables["attack_logs"] > 10 * written.tables["login_logs"]
    rows = tables(tmp_path / "b.sql")
    assert {t: len(r) for t, r in rows.items()} == written.tables
    users = {r[0] for r in rows["users"]}
    assert all(r[1] in users for r in rows["attack_logs"][:5000])
    again = generate_booter(tmp_path / "c.sql", size_mb=3, seed=1)
    assert again.sha256 == written.sha256
