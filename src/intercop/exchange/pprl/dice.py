"""Sørensen-Dice coefficients between two sets of CLKs, in bounded-memory blocks.

Dice(a, b) = 2 |a AND b| / (|a| + |b|). The intersection counts of a block of A
against a block of B are computed by one of two kernels, kept in a registry:

* ``gemm`` (default): the bits unpacked to float32 0/1 and multiplied by BLAS
  (exact: counts stay far below 2^24); fastest on the measured machine;
* ``popcount``: AND of uint64 words and a population count (``np.bitwise_count``
  where numpy has it, else a byte lookup table); the reference the tests check
  ``gemm`` against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class DiceScan:
    """Scan all pairs of A x B for Dice >= ``threshold`` in blocks of ``block`` rows."""

    threshold: float
    kernel: str = "gemm"
    block: int = 4096

    def candidates(self, a: np.ndarray, b: np.ndarray) -> Iterator[Candidates]:
        """Pairs at or above the threshold, block by block (rows of A, rows of B, scores)."""
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

    def matrix(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Every Dice score (for tests and small inputs)."""
        inter = KERNELS[self.kernel](a, b)
        total = popcounts(a)[:, None] + popcounts(b)[None, :]
        scores: np.ndarray = np.divide(
            2.0 * inter, total, out=np.zeros_like(inter), where=total > 0
        )
        return scores
