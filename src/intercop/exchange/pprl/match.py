"""Matching two encodings: Dice over all pairs, then greedy one-to-one by best score.

A person with several accounts has several CLKs under one ref; a ref is matched at
most once, through its best-scoring CLK pair. Greedy solving takes pairs from the
highest score down and keeps a pair when neither ref is taken yet (ties broken by
position, so the result is deterministic).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from intercop.exchange.pprl.dice import DEFAULT_KERNEL, DiceScan
from intercop.exchange.pprl.encoding import Encoding
from intercop.exchange.pprl.errors import EncodingMismatchError, PprlError

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.7
RESULT_FORMAT = "intercop-pprl-result"


@dataclass(frozen=True)
class MatchResult:
    """The overlap of two encodings and, optionally, the matched pairs of refs."""

    overlap: int
    threshold: float
    comparisons: int
    seconds: float
    secret_fingerprint: str
    records: tuple[int, int]
    pairs: tuple[tuple[str, str, float], ...]

    @property
    def comparisons_per_second(self) -> float:
        return self.comparisons / self.seconds if self.seconds > 0 else 0.0

    def as_json(self, *, with_pairs: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": RESULT_FORMAT,
            "overlap": self.overlap,
            "threshold": self.threshold,
            "comparisons": self.comparisons,
            "seconds": round(self.seconds, 4),
            "comparisons_per_second": round(self.comparisons_per_second),
            "records": {"a": self.records[0], "b": self.records[1]},
            "secret_fingerprint": self.secret_fingerprint,
        }
        if with_pairs:
            out["pairs"] = [[a, b, round(s, 4)] for a, b, s in self.pairs]
        return out


def check_compatible(a: Encoding, b: Encoding) -> None:
    """Refuse two encodings made with different secrets or schemas."""
    if a.secret_fingerprint != b.secret_fingerprint:
        raise EncodingMismatchError(
            "the two encodings were made with different secrets "
            f"(fingerprints {a.secret_fingerprint[:12]}… and {b.secret_fingerprint[:12]}…); "
            "their CLKs cannot be compared"
        )
    if a.schema != b.schema:
        raise EncodingMismatchError("the two encodings use different schemas (fields, k, length)")


def greedy_pairs(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, refs_a: np.ndarray, refs_b: np.ndarray
) -> list[tuple[int, int, float]]:
    """One-to-one pairs of ref indices, best score first (``refs_*`` map rows to ref index).

    Computed in vectorised rounds: a pair that is the best remaining one of both its
    refs is exactly a pair greedy would take (under one strict order: score, then
    refs), so each round takes all such pairs and drops every pair touching them.
    """
    ra, rb, sc = refs_a[rows], refs_b[cols], scores.astype(np.float64)
    order = np.lexsort((rb, ra, -sc))
    ra, rb, sc = ra[order], rb[order], sc[order]
    taken_a: list[np.ndarray] = []
    taken_b: list[np.ndarray] = []
    taken_s: list[np.ndarray] = []
    while len(ra):
        rank = np.arange(len(ra))
        # candidates are in greedy order, so the first one of each ref is its best
        first_a = np.zeros(len(ra), dtype=bool)
        first_a[np.unique(ra, return_index=True)[1]] = True
        first_b = np.zeros(len(rb), dtype=bool)
        first_b[np.unique(rb, return_index=True)[1]] = True
        mutual = rank[first_a & first_b]
        taken_a.append(ra[mutual])
        taken_b.append(rb[mutual])
        taken_s.append(sc[mutual])
        keep = ~(np.isin(ra, ra[mutual]) | np.isin(rb, rb[mutual]))
        ra, rb, sc = ra[keep], rb[keep], sc[keep]
    if not taken_a:
        return []
    xa, xb, xs = np.concatenate(taken_a), np.concatenate(taken_b), np.concatenate(taken_s)
    final = np.lexsort((xb, xa, -xs))
    return list(zip(xa[final].tolist(), xb[final].tolist(), xs[final].tolist(), strict=True))


def match(
    a: Encoding, b: Encoding, *, threshold: float = DEFAULT_THRESHOLD, kernel: str = DEFAULT_KERNEL
) -> MatchResult:
    """The one-to-one overlap of ``a`` and ``b`` at Dice >= ``threshold``."""
    if not 0.0 < threshold <= 1.0:
        raise PprlError(f"threshold {threshold} is not in (0, 1]", hint="Use e.g. 0.7")
    check_compatible(a, b)
    started = time.perf_counter()
    names_a, index_a = np.unique(np.asarray(a.refs, dtype=object), return_inverse=True)
    names_b, index_b = np.unique(np.asarray(b.refs, dtype=object), return_inverse=True)
    parts = list(DiceScan(threshold, kernel).candidates(a.clks, b.clks))
    empty = np.zeros(0, dtype=np.int64)
    rows = np.concatenate([p[0] for p in parts]) if parts else empty
    cols = np.concatenate([p[1] for p in parts]) if parts else empty
    scores = np.concatenate([p[2] for p in parts]) if parts else empty.astype(np.float32)
    chosen = greedy_pairs(rows, cols, scores, index_a, index_b)
    seconds = time.perf_counter() - started
    comparisons = a.count * b.count
    log.info(
        "PPRL match: %d x %d CLKs, %d candidates, overlap %d in %.2fs",
        a.count, b.count, len(rows), len(chosen), seconds,
    )  # fmt: skip
    return MatchResult(
        overlap=len(chosen),
        threshold=threshold,
        comparisons=comparisons,
        seconds=seconds,
        secret_fingerprint=a.secret_fingerprint,
        records=(a.count, b.count),
        pairs=tuple((str(names_a[x]), str(names_b[y]), float(s)) for x, y, s in chosen),
    )
