"""Jaccard similarity of many pairs of bottom-k sets at once (numpy, no Python loop per pair).

Each side of a pair is a sorted run of distinct uint32 hashes. The runs of all pairs are tagged
with the pair number in the high 32 bits and concatenated, so the array is two sorted runs; a
stable sort (numpy's timsort) merges them in linear time (~6 ns per hash), and a hash held by
both sides of a pair ends up next to its twin. The values are bit-identical to
:func:`selfreflect.dedup.samples.jaccard` pair by pair (tested).
"""

from __future__ import annotations

import numpy as np

_SHIFT = np.uint64(32)


def gather(data: np.ndarray, offsets: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs ``data[offsets[i]:offsets[i + 1]]`` for every ``i`` of ``idx``, concatenated,
    and their lengths."""
    starts = offsets[idx].astype(np.int64)
    lengths = offsets[idx + 1].astype(np.int64) - starts
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    pos = np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)
    return data[pos], lengths


def _tagged(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``pair << 32 | hash`` for runs given by their lengths (pair = run number)."""
    pair = np.repeat(np.arange(len(lengths), dtype=np.uint64), lengths)
    return (pair << _SHIFT) | values.astype(np.uint64)


def pair_jaccard(
    a: np.ndarray, a_len: np.ndarray, b: np.ndarray, b_len: np.ndarray, k: int
) -> np.ndarray:
    """Jaccard of pairs ``(a run i, b run i)``: exact when both runs hold fewer than ``k``
    hashes, else the bottom-k estimate on the union's ``k`` smallest hashes; 0 if one is empty."""
    n = len(a_len)
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    merged = np.concatenate([_tagged(a, a_len), _tagged(b, b_len)])
    merged.sort(kind="stable")
    twin = merged[1:] == merged[:-1]  # a hash both sides hold (sets have no repeats)
    pair_of = (merged >> _SHIFT).astype(np.int64)
    inter = np.bincount(pair_of[:-1][twin], minlength=n)
    union = a_len + b_len - inter
    exact = (a_len < k) & (b_len < k)
    ok = (a_len > 0) & (b_len > 0)
    sel = exact & ok
    out[sel] = inter[sel] / union[sel]
    estimate = ~exact & ok
    if estimate.any():
        out[estimate] = _bottom_k_estimate(merged, twin, pair_of, n, k)[estimate]
    return out


def _bottom_k_estimate(
    merged: np.ndarray, twin: np.ndarray, pair_of: np.ndarray, n: int, k: int
) -> np.ndarray:
    """Per pair: share of the union's ``k`` smallest hashes that both sides hold."""
    first = np.ones(len(merged), dtype=bool)
    first[1:] = ~twin  # one entry per distinct hash of the union
    both = np.zeros(len(merged), dtype=bool)
    both[:-1] = twin  # this entry's twin follows it
    u_pair, u_both = pair_of[first], both[first]
    starts = np.searchsorted(u_pair, np.arange(n), side="left")
    rank = np.arange(len(u_pair)) - starts[u_pair]
    top = rank < k
    num = np.bincount(u_pair[top & u_both], minlength=n)
    den = np.bincount(u_pair[top], minlength=n)
    return num / np.maximum(den, 1)
