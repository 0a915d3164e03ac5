"""Banding (LSH) for MinHash signatures: choosing bands, band keys, and a compact numpy index.

The recall trap: datasketch's "optimal" (bands, rows) for threshold 0.8 at 128 permutations is
9 x 13, which finds only ~73% of the pairs whose true Jaccard is >= 0.8. :func:`choose_bands`
instead takes the most rows per band that still makes a pair at exactly the threshold a candidate
with probability >= ``recall`` (21 x 6 for 0.8 / 128: 99.8%), and every candidate is then checked
against the (exact) Jaccard similarity, so the looser banding costs a few checks, not precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from selfreflect.dedup.mix import mix64
from selfreflect.dedup.runs import Run, merge

_K1 = np.uint64(0x9E3779B97F4A7C15)


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The probability that a pair with this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest false candidates) that keeps the candidate
    probability of a pair at exactly ``threshold`` at or above ``recall``."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            best = (bands, rows)
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (text, band), band number mixed in: shape (texts, bands)."""
    n = signatures.shape[0]
    sig = signatures.astype(np.uint64, copy=False)
    with np.errstate(over="ignore"):
        keys = np.tile((np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _K1, (n, 1))
        for row in range(rows):  # column band * rows + row of every band at once
            keys = mix64(keys ^ sig[:, row : bands * rows : rows])
    return keys


def _short(keys: np.ndarray) -> np.ndarray:
    """The 32 bits of a band key the index keeps (a rare false candidate costs one check)."""
    return (keys.ravel() & np.uint64(0xFFFFFFFF)).astype(np.uint32)


class BandIndex:
    """Sorted runs of (32-bit band key, record number) merged like a log-structured tree: 5 bytes
    per band entry in the large runs (:mod:`selfreflect.dedup.runs`).

    Keys of all bands share one array, so they must differ across bands (:func:`band_keys`
    mixes the band number in). Only 32 bits of each key are kept: at 1M indexed records with
    21 bands a query key falls on a stranger's with probability 0.5%, and every candidate is
    checked against its Jaccard similarity anyway.

    ``add`` appends a sorted run; runs of similar size merge, so there are O(log n) runs and a
    batch query is a few lookups per run.
    """

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def add(self, keys: np.ndarray, numbers: np.ndarray) -> None:
        """Index every key of ``keys`` (texts x bands) under that text's record number."""
        flat = _short(keys)
        owners = np.repeat(numbers.astype(np.uint32), keys.shape[1])
        order = np.argsort(flat, kind="stable")
        self.runs.append(Run(flat[order], owners[order]))
        while len(self.runs) > 1 and self.runs[-1].size * 2 >= self.runs[-2].size:
            newer, older = self.runs.pop(), self.runs.pop()
            self.runs.append(merge(older, newer))

    def query(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs ``(row, record number)``: row of ``keys`` that shares a band key with a record."""
        flat = _short(keys)
        order = np.argsort(flat)
        flat = flat[order]  # sorted needles: lookups walk the run in order
        rows_out, owners_out = [], []
        for run in self.runs:
            lo, counts = run.find(flat)
            hit = np.flatnonzero(counts)
            if not len(hit):
                continue
            c = counts[hit]
            first = np.repeat(lo[hit] - np.cumsum(c) + c, c) + np.arange(c.sum())
            rows_out.append(np.repeat(order[hit] // keys.shape[1], c))
            owners_out.append(run.owners(first))
        if not rows_out:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(rows_out), np.concatenate(owners_out)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index arrays."""
        return sum(run.nbytes for run in self.runs)


# -- candidate pairs and decisions, the same on one machine and on a cluster -------------------
# All records sharing a bucket are candidate pairs (a bucket larger than ``MAX_BUCKET`` links
# each member to its first and previous members only, so a flood of identical records stays
# linear); verified pairs are decided in input order exactly as the streaming steps do
# (:func:`resolve`). Engines use these with the protocol of :mod:`selfreflect.dedup.banding`.

#: Buckets up to this size give every pair; bigger ones give star + chain edges only.
MAX_BUCKET = 256


def mix_band(keys: np.ndarray) -> np.ndarray:
    """Fold the band index into each key so one column holds (band, key); shape (n, bands)."""
    bands = np.arange(keys.shape[1], dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(keys.astype(np.uint64) ^ (bands * _K1))


def bucket_pairs(orders: np.ndarray) -> Iterator[tuple[int, int]]:
    """Candidate pairs ``(earlier, later)`` of one bucket whose members have these orders."""
    members = np.unique(orders)
    if len(members) < 2:
        return
    if len(members) <= MAX_BUCKET:
        for i in range(1, len(members)):
            for j in range(i):
                yield int(members[j]), int(members[i])
        return
    first = int(members[0])
    for i in range(1, len(members)):
        yield first, int(members[i])
        if i > 1:
            yield int(members[i - 1]), int(members[i])


def pairs_from_keys(keys: np.ndarray, orders: np.ndarray) -> set[tuple[int, int]]:
    """All candidate pairs from flat arrays of mixed bucket keys and the orders holding them."""
    if len(keys) == 0:
        return set()
    sort = np.lexsort((orders, keys))
    keys, orders = keys[sort], orders[sort]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    pairs: set[tuple[int, int]] = set()
    for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
        pairs.update(bucket_pairs(orders[s:e]))
    return pairs


def resolve(
    verified: Iterable[tuple[int, int, float]],
) -> dict[int, tuple[int, float]]:
    """Verified pairs -> ``{duplicate order: (kept order, score)}``, the local engine's rule.

    Records are decided in input order: a record is a duplicate when one of its verified
    partners that came earlier was kept; it names the one with the highest score (ties: the
    earliest). Kept records never duplicate each other and every duplicate names a kept record.
    For exact duplicates (cliques) this is the connected component's first record.
    """
    earlier: dict[int, list[tuple[int, float]]] = {}
    for a, b, score in verified:
        first, later = (a, b) if a < b else (b, a)
        earlier.setdefault(later, []).append((first, score))
    dropped: dict[int, tuple[int, float]] = {}
    for record in sorted(earlier):
        best: tuple[int, float] | None = None
        for other, score in sorted(earlier[record]):
            if other in dropped:
                continue
            if best is None or score > best[1]:
                best = (other, score)
        if best is not None:
            dropped[record] = best
    return dropped
