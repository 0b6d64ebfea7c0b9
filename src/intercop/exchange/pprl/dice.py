"""Sørensen-Dice coefficients between two sets of CLKs, in bounded-memory blocks.

Dice(a, b) = 2 |a AND b| / (|a| + |b|). Three ways to scan, by speed:

* ``native`` (default when built): the optional C extension ``cdice`` (AND of uint64
  words and the CPU's popcount), run on blocks of A in threads, one per core;
* ``gemm`` (fallback): the bits unpacked to float32 0/1 and multiplied by BLAS
  (exact: counts stay far below 2^24);
* ``popcount``: AND of uint64 words and ``np.bitwise_count`` (a byte lookup table
  on older numpy); the reference the tests check the others against.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

import numpy as np

cdice: ModuleType | None
try:
    from intercop.exchange.pprl import cdice
except ImportError:  # built only where a C compiler was present; same results, slower
    cdice = None

#: candidate pairs of one block: row in A, row in B, Dice score
Candidates = tuple[np.ndarray, np.ndarray, np.ndarray]
Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]

_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcounts(packed: np.ndarray) -> np.ndarray:
    """Number of bits set in each packed row."""
    per_byte = np.bitwise_count(packed) if hasattr(np, "bitwise_count") else _BYTE_POPCOUNT[packed]
    counts: np.ndarray = per_byte.sum(axis=1, dtype=np.int64)
    return counts


def _gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    fa = np.unpackbits(a, axis=1).astype(np.float32)
    fb = np.unpackbits(b, axis=1).astype(np.float32)
    return fa @ fb.T


def _popcount(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    wa = np.ascontiguousarray(a).view(np.uint64)
    wb = np.ascontiguousarray(b).view(np.uint64)
    out = np.empty((len(wa), len(wb)), dtype=np.float32)
    step = 32  # rows of A per pass, so the AND temporary stays in cache-sized pieces
    for start in range(0, len(wa), step):
        both = wa[start : start + step, None, :] & wb[None, :, :]
        if hasattr(np, "bitwise_count"):
            counts = np.bitwise_count(both).sum(axis=2, dtype=np.int32)
        else:
            counts = _BYTE_POPCOUNT[both.view(np.uint8)].sum(axis=2, dtype=np.int32)
        out[start : start + step] = counts
    return out


KERNELS: dict[str, Kernel] = {"gemm": _gemm, "popcount": _popcount}
#: the scan used unless one is named
DEFAULT_KERNEL = "native" if cdice is not None else "gemm"


def _native_block(
    a: np.ndarray, b: np.ndarray, pop_a: np.ndarray, pop_b: np.ndarray, threshold: float
) -> Candidates:
    assert cdice is not None
    rows, cols, scores = cdice.scan(
        np.ascontiguousarray(a), np.ascontiguousarray(b), a.shape[1], threshold,
        pop_a.astype(np.int32), pop_b.astype(np.int32),
    )  # fmt: skip
    return (
        np.frombuffer(rows, dtype=np.int32).astype(np.int64),
        np.frombuffer(cols, dtype=np.int32).astype(np.int64),
        np.frombuffer(scores, dtype=np.float32),
    )


@dataclass(frozen=True)
class DiceScan:
    """Scan all pairs of A x B for Dice >= ``threshold`` in blocks of ``block`` rows."""

    threshold: float
    kernel: str = DEFAULT_KERNEL
    block: int = 4096

    def candidates(self, a: np.ndarray, b: np.ndarray) -> Iterator[Candidates]:
        """Pairs at or above the threshold, block by block (rows of A, rows of B, scores)."""
        if self.kernel == "native":
            yield from self._native(a, b)
            return
        kernel = KERNELS[self.kernel]
        pop_a = popcounts(a).astype(np.float32)
        pop_b = popcounts(b).astype(np.float32)
        half = np.float32(self.threshold / 2)
        for i in range(0, len(a), self.block):
            for j in range(0, len(b), self.block):
                inter = kernel(a[i : i + self.block], b[j : j + self.block])
                # Dice >= t  <=>  |a AND b| >= t/2 (|a| + |b|): no division over the block
                need = np.add.outer(pop_a[i : i + self.block], pop_b[j : j + self.block])
                need *= half
                rows, cols = np.nonzero(inter >= need)
                total = pop_a[i + rows] + pop_b[j + cols]
                scores = 2 * inter[rows, cols] / np.maximum(total, 1)
                yield rows + i, cols + j, scores

    def _native(self, a: np.ndarray, b: np.ndarray) -> Iterator[Candidates]:
        pop_a, pop_b = popcounts(a), popcounts(b)
        # small blocks of A against all of B: B stays in cache-friendly order, and the
        # threads (the C loop runs without the GIL) share the work evenly
        step = max(1, min(self.block, len(a) // (4 * (os.cpu_count() or 1)) or 1))
        starts = range(0, len(a), step)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            blocks = pool.map(
                lambda i: _native_block(a[i : i + step], b, pop_a[i : i + step], pop_b,
                                        self.threshold),
                starts,
            )  # fmt: skip
            for i, (rows, cols, scores) in zip(starts, blocks, strict=True):
                yield rows + i, cols, scores

    def matrix(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Every Dice score (for tests and small inputs; not with ``native``)."""
        inter = KERNELS["gemm" if self.kernel == "native" else self.kernel](a, b)
        total = popcounts(a)[:, None] + popcounts(b)[None, :]
        scores: np.ndarray = np.divide(
            2.0 * inter, total, out=np.zeros_like(inter), where=total > 0
        )
        return scores
