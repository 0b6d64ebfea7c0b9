"""Cohort profiles ("daderprofielen"): counts of persons by country, age band, platform
kind, role and spend band, with small cells suppressed, for sharing with partners.

What is published: the grand total, the one-way distribution of every dimension
(marginals) and the count of every non-empty cell of the full cross-classification.
Cells never listed are zero (structural zeros are not secret).

Suppression (documented for partners in ``SUPPRESSION``):

1. primary: every count from 1 to ``min_cell - 1`` is shown as ``"<min_cell"``;
2. complementary: a published total must never reveal a suppressed count by
   subtraction. For every published total (the grand total over the marginals of a
   dimension and over all cells; each marginal over its cells) that has exactly one
   suppressed part, the smallest other non-empty part is suppressed too; repeated
   until nothing changes.

This protects against single subtractions along every published total. It is not a
full audit against combining several totals by linear programming (what tools such
as tau-ARGUS do); for tables with many dimensions, share fewer dimensions at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

ALL = "*"
UNKNOWN = "unknown"
DEFAULT_BY = ("country", "age_band", "platform_kind", "role", "spend_band")
SUPPRESSION = (
    "counts from 1 to {limit} are shown as '<{min_cell}'; where a published total would "
    "reveal one suppressed count by subtraction, the next smallest count of that total "
    "is suppressed as well (complementary suppression), until no published total has "
    "exactly one suppressed part; cells not listed are zero"
)

Key = tuple[str, ...]


@dataclass(frozen=True)
class CohortRow:
    """One published count: the grand total, a marginal or a cell."""

    level: str  # total | marginal | cell
    values: dict[str, str]  # dimension -> value ("*" = all)
    persons: int | None  # None when suppressed
    suppressed: str | None  # None | "small" | "complementary"
    min_cell: int

    @property
    def shown(self) -> int | str:
        """The count as published: the number, or ``"<min_cell"`` when suppressed."""
        return self.persons if self.persons is not None else f"<{self.min_cell}"


def _value(raw: Any) -> str:
    if raw is None or raw == "":
        return UNKNOWN
    return str(raw)


def _suppress(
    counts: dict[Key, int], groups: list[tuple[Key, list[Key]]], min_cell: int
) -> dict[Key, str]:
    """Primary and complementary suppression over ``counts`` with ``(total, parts)`` groups."""
    marks = {k: "small" for k, n in counts.items() if 0 < n < min_cell}
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            if total in marks:
                continue
            hidden = [p for p in parts if p in marks]
            if len(hidden) != 1:
                continue
            shown = sorted((counts[p], p) for p in parts if p not in marks and counts[p] > 0)
            if shown:
                marks[shown[0][1]] = "complementary"
                changed = True
    return marks


def cohort_table(
    profiles: pa.Table | Iterable[dict[str, Any]],
    by: Sequence[str] = DEFAULT_BY,
    min_cell: int = 10,
) -> list[CohortRow]:
    """Counts of persons by ``by``, small cells suppressed (see the module docstring).

    Args:
        profiles: the profiles table (or rows as dicts) with the ``by`` columns.
        by: the dimensions; a missing or empty value counts as ``"unknown"``.
        min_cell: the smallest count published as a number.

    Returns:
        The grand total, then the marginals of each dimension, then the cells.
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    dims = tuple(by)
    if isinstance(profiles, pa.Table):
        missing = [d for d in dims if d not in profiles.column_names]
        if missing:
            raise ValueError(f"the profiles have no column {', '.join(missing)}")
        columns = [profiles.column(d).to_pylist() for d in dims]
        cells = Counter(tuple(_value(v) for v in row) for row in zip(*columns, strict=True))
    else:
        cells = Counter(tuple(_value(p.get(d)) for d in dims) for p in profiles)
    counts: dict[Key, int] = dict(cells)
    total_key: Key = (ALL,) * len(dims)
    counts[total_key] = sum(cells.values())
    groups: list[tuple[Key, list[Key]]] = [(total_key, list(cells))]
    members: dict[Key, list[Key]] = defaultdict(list)
    for cell, n in cells.items():
        for i, value in enumerate(cell):
            marginal = tuple(value if j == i else ALL for j in range(len(dims)))
            counts[marginal] = counts.get(marginal, 0) + n
            members[marginal].append(cell)
    for i in range(len(dims)):
        marginals = [k for k in members if k[i] != ALL]
        groups.append((total_key, marginals))
        groups += [(m, members[m]) for m in marginals]
    marks = _suppress(counts, groups, min_cell)

    def row(level: str, key: Key) -> CohortRow:
        mark = marks.get(key)
        return CohortRow(
            level, dict(zip(dims, key, strict=True)), None if mark else counts[key], mark, min_cell
        )

    rows = [row("total", total_key)]
    for i in range(len(dims)):
        rows += [row("marginal", k) for k in sorted(k for k in members if k[i] != ALL)]
    rows += [row("cell", k) for k in sorted(cells)]
    return rows


def cohort_json(rows: Sequence[CohortRow]) -> dict[str, Any]:
    """The cohort rows as one JSON-ready document for partners."""
    if not rows:
        return {"by": [], "cells": []}
    dims = list(rows[0].values)
    total = rows[0].persons if rows[0].level == "total" else None
    min_cell = rows[0].min_cell

    def entry(r: CohortRow) -> dict[str, Any]:
        share = round(100.0 * r.persons / total, 1) if r.persons is not None and total else None
        return {**r.values, "persons": r.shown, "share_pct": share, "suppressed": r.suppressed}

    marginals: dict[str, list[dict[str, Any]]] = {d: [] for d in dims}
    for r in rows:
        if r.level == "marginal":
            dim = next(d for d, v in r.values.items() if v != ALL)
            e = entry(r)
            marginals[dim].append(
                {
                    "value": r.values[dim],
                    "persons": e["persons"],
                    "share_pct": e["share_pct"],
                    "suppressed": r.suppressed,
                }
            )
    return {
        "by": dims,
        "min_cell": min_cell,
        "suppression": SUPPRESSION.format(limit=min_cell - 1, min_cell=min_cell),
        "total": rows[0].shown,
        "marginals": marginals,
        "cells": [entry(r) for r in rows if r.level == "cell"],
    }


def cohort_arrow(rows: Sequence[CohortRow]) -> pa.Table:
    """The cohort rows as a table: the dimensions, level, persons (null if suppressed)."""
    dims = list(rows[0].values) if rows else []
    data: dict[str, list[Any]] = {d: [r.values[d] for r in rows] for d in dims}
    data["level"] = [r.level for r in rows]
    data["persons"] = [r.persons for r in rows]
    data["shown"] = [str(r.shown) for r in rows]
    data["suppressed"] = [r.suppressed for r in rows]
    schema = pa.schema(
        [(d, pa.string()) for d in dims]
        + [
            ("level", pa.string()),
            ("persons", pa.int64()),
            ("shown", pa.string()),
            ("suppressed", pa.string()),
        ]
    )
    return pa.table(data, schema=schema)
