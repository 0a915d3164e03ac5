"""Bounded shingle sets for the Jaccard check: the ``k`` smallest distinct shingle hashes of a text.

For texts with at most ``k`` distinct shingles (most chat turns) the set is complete and the
check is the exact Jaccard similarity; above ``k`` it is the bottom-k estimate (Broder; Cohen &
Kaplan), computed on the union's ``k`` smallest hashes, which is far tighter than a 128-slot
MinHash estimate. Memory: at most ``4 * k`` bytes per record.
"""

from __future__ import annotations

import numpy as np


def distinct(hashes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per text, its distinct shingle hashes, sorted (vectorised)."""
    n = len(offsets) - 1
    counts = np.diff(offsets)
    doc = np.repeat(np.arange(n, dtype=np.uint64), counts)
    # texts are already in order: a stable sort (timsort) only sorts within each text, ~3x
    # faster here than the default introsort
    combined = np.sort((doc << np.uint64(32)) | hashes.astype(np.uint64), kind="stable")
    keep = np.ones(len(combined), dtype=bool)
    keep[1:] = combined[1:] != combined[:-1]
    combined = combined[keep]
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(
        np.bincount((combined >> np.uint64(32)).astype(np.int64), minlength=n), out=new_offsets[1:]
    )
    return (combined & np.uint64(0xFFFFFFFF)).astype(np.uint32), new_offsets


def head(values: np.ndarray, offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``k`` values of every run."""
    counts = np.diff(offsets)
    if counts.max(initial=0) <= k:
        return values, offsets
    n = len(counts)
    doc_of = np.repeat(np.arange(n), counts)
    rank = np.arange(len(values)) - offsets[:-1][doc_of]
    top = rank < k
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.minimum(counts, k), out=new_offsets[1:])
    return values[top], new_offsets


def bottom_k(hashes: np.ndarray, offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text, its distinct shingle hashes, sorted, cut to the ``k`` smallest (vectorised)."""
    return head(*distinct(hashes, offsets), k)


def jaccard(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Jaccard similarity of two bottom-k sets (exact when both hold fewer than ``k`` hashes)."""
    if not len(a) or not len(b):
        return 0.0
    if len(a) < k and len(b) < k:
        inter = len(np.intersect1d(a, b, assume_unique=True))
        return inter / (len(a) + len(b) - inter)
    union = np.union1d(a, b)[:k]
    both = np.isin(union, a, assume_unique=True) & np.isin(union, b, assume_unique=True)
    return float(both.sum()) / len(union)


class SampleStore:
    """Append-only store of bottom-k sets, one per indexed record, in two growing arrays
    (uint32 hashes and uint32 end offsets: 4 bytes per hash + 4 per record)."""

    def __init__(self) -> None:
        self.data = np.empty(0, dtype=np.uint32)
        self.offsets = np.zeros(1, dtype=np.uint32)
        self.size = 0

    def extend(self, hashes: np.ndarray, offsets: np.ndarray) -> None:
        """Append the sets given as concatenated hashes and offsets."""
        used = int(self.offsets[self.size])
        need = used + len(hashes)
        if need >= 1 << 32:
            raise OverflowError("more than 2^32 shingle hashes in one near_dedup index")
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data), 1024), dtype=np.uint32)
            grown[:used] = self.data[:used]
            self.data = grown
        self.data[used:need] = hashes
        n = len(offsets) - 1
        if self.size + n + 1 > len(self.offsets):
            grown_off = np.empty(max(self.size + n + 1, 2 * len(self.offsets)), dtype=np.uint32)
            grown_off[: self.size + 1] = self.offsets[: self.size + 1]
            self.offsets = grown_off
        self.offsets[self.size + 1 : self.size + n + 1] = used + offsets[1:]
        self.size += n

    def __getitem__(self, i: int) -> np.ndarray:
        return self.data[self.offsets[i] : self.offsets[i + 1]]

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        """Bytes in use (not counting spare capacity)."""
        return int(self.offsets[self.size]) * 4 + (self.size + 1) * 4
