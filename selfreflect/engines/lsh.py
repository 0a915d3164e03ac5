"""Engine-agnostic LSH plumbing: bucket keys -> candidate pairs -> clusters -> who is a duplicate.

A dedup step that wants to run distributed (see :mod:`selfreflect.engines.ray_engine`) exposes:

- ``band_keys(convs) -> numpy uint64 array (n, bands)``: one key per LSH band per record
  (an exact dedup step uses one "band": a hash of its normalised text);
- ``verify(a, b) -> float | None``: the exact check of a candidate pair, ``None`` when not a
  duplicate, else the score kept in the reject's ``extra`` (``jaccard``);
- ``duplicate_reason``: ``"near_duplicate"`` or ``"exact_duplicate"``.

The functions here turn keys into decisions the same way on one machine and on a cluster:
all records sharing a bucket are candidate pairs (a bucket larger than ``MAX_BUCKET`` links
each member to its first and previous members only, so a flood of identical records stays
linear; exact dedup before near dedup keeps buckets small), then the verified pairs are
decided in input order exactly as the streaming local steps do (:func:`resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

#: Buckets up to this size give every pair; bigger ones give star + chain edges only.
MAX_BUCKET = 256

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix_band(keys: np.ndarray) -> np.ndarray:
    """Fold the band index into each key so one column holds (band, key); shape (n, bands)."""
    bands = np.arange(keys.shape[1], dtype=np.uint64)
    with np.errstate(over="ignore"):
        mixed = (keys.astype(np.uint64) ^ (bands * np.uint64(0x9E3779B97F4A7C15))) & _MASK
        mixed = (mixed ^ (mixed >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
    return mixed ^ (mixed >> np.uint64(29))


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
