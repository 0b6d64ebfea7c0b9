"""The index structures of the person directory: sorted keys, row groups, the timeline.

Pure NumPy/Arrow building blocks of ``identity.directory``: a ``KeyIndex`` answers
exact and prefix lookups of a string key by bisection over sorted keys; ``group_rows``
turns "row -> person" into per-person row ranges (CSR); ``build_timeline`` aggregates
the canonical events into counts per person, month, platform and kind (never reading
attack targets or any other field of an event).
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from intercop.workspace import Workspace

if TYPE_CHECKING:
    from intercop.identity.directory import Directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyIndex:
    """Sorted string keys, each with the record row it came from (a key may repeat)."""

    keys: list[str]
    rows: np.ndarray

    @classmethod
    def empty(cls) -> KeyIndex:
        return cls([], np.array([], dtype=np.int64))

    @classmethod
    def build(cls, keys: list[str | None], rows: np.ndarray) -> KeyIndex:
        """An index of ``keys[i] -> rows[i]``; None keys are left out."""
        array = pa.array(keys, pa.string())
        present = np.flatnonzero(array.is_valid().to_numpy(zero_copy_only=False))
        array = array.take(present)
        order = pc.sort_indices(array).to_numpy()
        return cls(array.take(order).to_pylist(), rows[present][order].astype(np.int64))

    @classmethod
    def from_lists(cls, column: pa.ChunkedArray) -> KeyIndex:
        """An index of every element of a list column to the row holding it."""
        lists = column.combine_chunks()
        if len(lists) == 0:
            return cls.empty()
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy()
        rows = np.repeat(np.arange(len(lists)), lengths)
        return cls.build(pc.list_flatten(lists).to_pylist(), rows)

    def exact(self, key: str) -> list[int]:
        """Rows whose key is ``key``."""
        lo = bisect_left(self.keys, key)
        hi = bisect_right(self.keys, key, lo)
        found: list[int] = self.rows[lo:hi].tolist()
        return found

    def prefix(self, prefix: str, limit: int) -> list[int]:
        """Rows whose key starts with ``prefix`` (at most ``limit``, in key order)."""
        if not prefix:
            return []
        lo = bisect_left(self.keys, prefix)
        # every key with the prefix sorts before prefix + the highest code point
        hi = bisect_left(self.keys, prefix + "\U0010ffff", lo)
        found: list[int] = self.rows[lo : min(hi, lo + limit)].tolist()
        return found


def group_rows(owner: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by ``owner`` and the start of each owner's run (``groups + 1`` long).

    Rows whose owner is negative (unknown) are left out.
    """
    keep = np.flatnonzero(owner >= 0)
    order = keep[np.argsort(owner[keep], kind="stable")]
    counts = np.bincount(owner[keep], minlength=groups)[:groups] if groups else np.zeros(0, int)
    start = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return order.astype(np.int64), start


def person_rows_of_links(
    left: list[str],
    right: list[str],
    row_of_uid: dict[str, int],
    person_of_row: np.ndarray,
    persons: int,
) -> tuple[np.ndarray, np.ndarray]:
    """For each person, the link rows touching one of its accounts (CSR, like group_rows)."""

    def persons_of(uids: list[str]) -> np.ndarray:
        rows = np.array([row_of_uid.get(u, -1) for u in uids], dtype=np.int64)
        return np.where(rows >= 0, person_of_row[np.maximum(rows, 0)], -1)

    pl, pr = persons_of(left), persons_of(right)
    link = np.arange(len(left), dtype=np.int64)
    # a link inside one person is listed once for it; a link across two, for each
    owner = np.concatenate([pl, np.where(pr != pl, pr, -1)])
    rows, start = group_rows(owner, persons)
    return np.concatenate([link, link])[rows], start


@dataclass(frozen=True)
class Timeline:
    """Event counts per person, month, platform and kind, grouped by person (CSR)."""

    start: np.ndarray
    month: np.ndarray
    platform: np.ndarray
    kind: np.ndarray
    count: np.ndarray
    months: list[str]
    platforms: list[str]
    kinds: list[str]

    def of(self, person: int) -> list[tuple[str, str, str, int]]:
        lo, hi = int(self.start[person]), int(self.start[person + 1])
        return [
            (self.months[m], self.platforms[p], self.kinds[k], int(c))
            for m, p, k, c in zip(
                self.month[lo:hi].tolist(), self.platform[lo:hi].tolist(),
                self.kind[lo:hi].tolist(), self.count[lo:hi].tolist(), strict=True,
            )
        ]  # fmt: skip


_TIMELINE_SQL = """
SELECT a.row, strftime(date_trunc('month', e.at), '%Y-%m') AS month, e.kind, count(*) AS n
FROM read_parquet({files}, union_by_name = true) e
JOIN accounts a ON a.dataset_id = e.dataset_id AND a.account_key = e.account_key
WHERE e.at IS NOT NULL
GROUP BY ALL
"""


def build_timeline(workspace: Workspace, directory: Directory) -> Timeline:
    """Count the canonical events of every resolved account by month and kind."""
    started = time.perf_counter()
    files = sorted(str(p) for p in workspace.vault.glob("*/canonical/events.parquet"))
    records = directory.records
    n = len(directory)
    if not files or records.num_rows == 0:
        empty = np.zeros(0, dtype=np.int32)
        return Timeline(np.zeros(n + 1, np.int64), empty, empty, empty, empty, [], [], [])
    accounts = pa.table({
        "dataset_id": records.column("dataset_id"),
        "account_key": records.column("account_key"),
        "row": pa.array(np.arange(records.num_rows, dtype=np.int64)),
    })  # fmt: skip
    con = duckdb.connect()
    try:
        con.register("accounts", accounts)
        quoted = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
        counts = con.sql(_TIMELINE_SQL.format(files=quoted)).to_arrow_table()
    finally:
        con.close()
    row = counts.column("row").to_numpy()
    person = directory.person_of_rows(row)
    platform_codes, platforms = encode(records.column("platform").take(pa.array(row)))
    month_codes, months = encode(counts.column("month"))
    kind_codes, kinds = encode(counts.column("kind"))
    # sort by person, then month (labels sort like dates), platform, kind
    month_rank = np.argsort(np.argsort(np.array(months, dtype=object)))
    order = np.lexsort((kind_codes, platform_codes, month_rank[month_codes], person))
    order = order[person[order] >= 0]
    rows, start = group_rows(person[order], n)
    chosen = order[rows]
    log.info("activity timeline of %d persons built in %.2f s", n, time.perf_counter() - started)
    return Timeline(
        start, month_codes[chosen], platform_codes[chosen], kind_codes[chosen],
        counts.column("n").to_numpy()[chosen], months, platforms, kinds,
    )  # fmt: skip


def encode(column: pa.ChunkedArray | pa.Array, missing: str = "") -> tuple[np.ndarray, list[str]]:
    """Integer codes of a string column and the labels they stand for (nulls -> ``missing``)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(array.fill_null(missing))
    return encoded.indices.to_numpy().astype(np.int32), [
        str(v) for v in encoded.dictionary.to_pylist()
    ]
