"""The later-takedown generator draws returns from the hazard ratio it is given."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intercop.synth.followup import FollowupPerson, generate_followup

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def people(n: int) -> list[FollowupPerson]:
    return [
        FollowupPerson(f"PER-{i:06d}", f"p{i}@example.org", f"user{i}", "NL", i % 2 == 0, T0)
        for i in range(n)
    ]


def test_returns_follow_the_hazard_ratio(tmp_path: Path) -> None:
    seized = T0 + timedelta(days=365)
    result = generate_followup(tmp_path, people(4000), seed=1, hazard_ratio=0.5, seized_on=seized)
    truth = json.loads(result.truth.read_text())["persons"]
    rates = {}
    for treated in (True, False):
        arm = [t for t in truth if t["treated"] is treated]
        events = sum(t["observed"] for t in arm)
        exposure = sum(
            (min(datetime.fromisoformat(t["back"]), seized) - T0).days / 365.25 for t in arm
        )
        rates[treated] = events / exposure
    assert 0.4 < rates[True] / rates[False] < 0.6  # the exponential MLE of the ratio
    with result.path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == result.returned == sum(t["observed"] for t in truth)
    assert all(datetime.fromisoformat(r["registered"]).replace(tzinfo=UTC) < seized for r in rows)


def test_same_seed_same_file(tmp_path: Path) -> None:
    seized = T0 + timedelta(days=200)
    a = generate_followup(tmp_path / "a", people(50), seed=3, hazard_ratio=0.6, seized_on=seized)
    b = generate_followup(tmp_path / "b", people(50), seed=3, hazard_ratio=0.6, seized_on=seized)
    assert a.path.read_bytes() == b.path.read_bytes()
