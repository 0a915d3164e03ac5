"""One sorted run of the band index: (32-bit key, record number) pairs in 5 bytes per entry.

A record number is held as 16 + 8 bits (16 + 16 from 2^24 records on). A large run keeps only
the low bits of each key (uint16): the high bits are implied by a table of bucket starts (the
first entry of each high value, ~1/32 of an entry), so an entry is 2 + 3 bytes instead of
4 + 4, with the same keys and numbers. Lookups bisect inside the buckets, vectorised over all
needles (docs/decisions/band-index.md).
"""

from __future__ import annotations

import numpy as np

#: Runs with at least this many entries drop the high key bits (smaller ones keep uint32 keys:
#: the bucket table would cost more than it saves).
BUCKETED_FROM = 1 << 17
#: Entries per bucket a bucketed run aims at (the table costs 4 bytes per bucket).
_PER_BUCKET = 128


def _owner_parts(owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record numbers as (low 16 bits, high bits in the smallest unsigned type that holds them)."""
    high = owners >> 16
    dtype = np.uint8 if int(high.max(initial=0)) < 1 << 8 else np.uint16
    return (owners & 0xFFFF).astype(np.uint16), high.astype(dtype)


def _bisect(
    values: np.ndarray, needles: np.ndarray, lo: np.ndarray, hi: np.ndarray, steps: int, right: bool
) -> np.ndarray:
    """Per needle, ``bisect_left`` (or ``_right``) of it in ``values[lo:hi]`` (sorted slices)."""
    lo, hi = lo.copy(), hi.copy()
    last = len(values) - 1
    for _ in range(steps):
        mid = (lo + hi) >> 1
        v = values[np.minimum(mid, last)]
        go = ((v <= needles) if right else (v < needles)) & (lo < hi)
        lo = np.where(go, mid + 1, lo)
        hi = np.where(go, hi, mid)
    return lo


class Run:
    """Entries sorted by key; ``find`` gives where each needle's entries are."""

    __slots__ = ("size", "keys", "starts", "shift", "steps", "owner_lo", "owner_hi")

    def __init__(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """``keys`` (uint32) sorted, ``owners`` the record number of each entry."""
        self.size = len(keys)
        self.owner_lo, self.owner_hi = _owner_parts(owners.astype(np.uint32, copy=False))
        self.starts: np.ndarray | None = None
        self.shift = self.steps = 0
        if self.size < BUCKETED_FROM:
            self.keys = keys.astype(np.uint32, copy=False)
            return
        bits = min(max((self.size // _PER_BUCKET).bit_length(), 16), 24)
        self.shift = 32 - bits
        self.keys = (keys & np.uint32((1 << self.shift) - 1)).astype(np.uint16)
        starts = np.zeros((1 << bits) + 1, dtype=np.uint32)
        counts = np.bincount(keys >> np.uint32(self.shift), minlength=1 << bits)
        np.cumsum(counts, out=starts[1:])
        self.starts = starts
        self.steps = int(counts.max()).bit_length()

    def full_keys(self) -> np.ndarray:
        """The uint32 keys, in order."""
        if self.starts is None:
            return self.keys
        high = np.repeat(
            np.arange(len(self.starts) - 1, dtype=np.uint32) << np.uint32(self.shift),
            np.diff(self.starts),
        )
        return high | self.keys

    def owners(self, positions: np.ndarray | None = None, dtype: type = np.int64) -> np.ndarray:
        """The record numbers at ``positions`` (all of them by default)."""
        lo = self.owner_lo if positions is None else self.owner_lo[positions]
        hi = self.owner_hi if positions is None else self.owner_hi[positions]
        out: np.ndarray = hi.astype(dtype)
        out <<= 16
        out |= lo
        return out

    def find(self, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per needle (uint32): the first position of its entries and how many there are."""
        if self.starts is None:
            lo = np.searchsorted(self.keys, needles, side="left")
            return lo, np.searchsorted(self.keys, needles, side="right") - lo
        bucket = (needles >> np.uint32(self.shift)).astype(np.int64)
        low = (needles & np.uint32((1 << self.shift) - 1)).astype(np.uint16)
        begin, end = self.starts[bucket].astype(np.int64), self.starts[bucket + 1].astype(np.int64)
        first = _bisect(self.keys, low, begin, end, self.steps, right=False)
        counts = np.zeros(len(needles), dtype=np.int64)
        hit = np.flatnonzero(first < end)
        hit = hit[self.keys[first[hit]] == low[hit]]
        if len(hit):
            stop = _bisect(self.keys, low[hit], first[hit], end[hit], self.steps, right=True)
            counts[hit] = stop - first[hit]
        return first, counts

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        table = 0 if self.starts is None else self.starts.nbytes
        return self.keys.nbytes + self.owner_lo.nbytes + self.owner_hi.nbytes + table


def merge(older: Run, newer: Run) -> Run:
    """One run holding both (entries of equal keys: the older run's first)."""
    keys = np.concatenate([older.full_keys(), newer.full_keys()])
    order = np.argsort(keys, kind="stable")  # timsort: two sorted runs merge in linear time
    owners = np.concatenate([older.owners(dtype=np.uint32), newer.owners(dtype=np.uint32)])
    return Run(keys[order], owners[order])
