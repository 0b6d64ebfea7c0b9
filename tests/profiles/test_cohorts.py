"""Cohort tables: counts, primary and complementary suppression, JSON and Arrow forms."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa
import pytest

from intercop.profiles.cohorts import ALL, CohortRow, cohort_arrow, cohort_json, cohort_table


def _people(spec: dict[tuple[str, str], int]) -> list[dict[str, str]]:
    return [{"country": c, "role": r} for (c, r), n in spec.items() for _ in range(n)]


def _check_protected(rows: list[CohortRow], min_cell: int) -> None:
    """No shown count is small, and no published total has exactly one hidden part."""
    dims = list(rows[0].values)
    by_key = {tuple(r.values[d] for d in dims): r for r in rows}
    for r in rows:
        assert r.persons is None or r.persons >= min_cell
    totals: dict[tuple[str, ...], list[CohortRow]] = defaultdict(list)
    for r in rows:
        if r.level == "cell":
            for i in range(len(dims)):
                key = tuple(v if j == i else ALL for j, v in enumerate(r.values.values()))
                totals[key].append(r)
            totals[(ALL,) * len(dims)].append(r)
        elif r.level == "marginal":
            totals[(ALL,) * len(dims)].append(r)
    for key, parts in totals.items():
        if by_key[key].persons is not None:
            assert sum(p.persons is None for p in parts) != 1, key


def test_small_cells_and_their_complements_are_suppressed() -> None:
    people = _people(
        {
            ("NL", "customer"): 40,
            ("NL", "admin"): 3,
            ("NL", "staff"): 12,
            ("GB", "customer"): 25,
            ("GB", "staff"): 11,
            ("SE", "customer"): 4,
        }
    )
    rows = cohort_table(people, by=("country", "role"), min_cell=10)
    shown = {(r.level, *r.values.values()): r.shown for r in rows}
    assert shown[("total", ALL, ALL)] == 95
    assert shown[("cell", "NL", "admin")] == "<10"
    # NL's marginal (55) would reveal the admin cell: the next smallest NL cell goes too
    assert shown[("cell", "NL", "staff")] == "<10"
    assert shown[("marginal", "SE", ALL)] == "<10"
    assert shown[("marginal", "NL", ALL)] == 55
    _check_protected(rows, 10)
    kinds = {r.suppressed for r in rows}
    assert kinds == {None, "small", "complementary"}


def test_real_profiles_are_protected(profiles: pa.Table) -> None:
    rows = cohort_table(profiles)
    assert rows[0].persons == profiles.num_rows
    _check_protected(rows, 10)
    assert any(r.persons is None for r in rows) and any(r.persons for r in rows[1:])
    doc = cohort_json(rows)
    json.dumps(doc)
    assert doc["by"] == ["country", "age_band", "platform_kind", "role", "spend_band"]
    assert doc["total"] == profiles.num_rows
    assert "complementary" in doc["suppression"]
    assert all(c["persons"] == "<10" or c["persons"] >= 10 for c in doc["cells"])
    table = cohort_arrow(rows)
    assert table.num_rows == len(rows)
    assert set(table.column("shown").to_pylist()) >= {"<10"}


def test_min_cell_one_suppresses_nothing() -> None:
    rows = cohort_table(_people({("NL", "admin"): 1, ("GB", "staff"): 2}), ("country", "role"), 1)
    assert all(r.suppressed is None for r in rows)
    with pytest.raises(ValueError):
        cohort_table([], ("country",), 0)
