"""Banding: recall-first band choice and the numpy index against brute force."""

import numpy as np
from datasketch.lsh import _optimal_param

from selfreflect.dedup.lsh import BandIndex, candidate_probability, choose_bands


def test_chosen_bands_avoid_the_recall_trap():
    bands, rows = choose_bands(0.8, 128)
    assert candidate_probability(0.8, bands, rows) >= 0.99
    ds_bands, ds_rows = _optimal_param(0.8, 128, 0.5, 0.5)
    assert candidate_probability(0.8, ds_bands, ds_rows) < 0.8  # datasketch's "optimal"
    assert bands * rows <= 128


def test_index_finds_exactly_the_shared_keys():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 50, size=(400, 5)).astype(np.uint64)  # many collisions
    keys += np.arange(5, dtype=np.uint64) * np.uint64(1000)  # band keys differ across bands
    index = BandIndex()
    for start in range(0, 300, 37):
        stop = min(start + 37, 300)
        index.add(keys[start:stop], np.arange(start, stop))
    rows, owners = index.query(keys[300:])
    got = sorted(set(zip(rows.tolist(), owners.tolist(), strict=True)))
    expected = sorted(
        (q, o) for q in range(100) for o in range(300) if (keys[300 + q] == keys[o]).any()
    )
    assert got == expected
    assert len(index.runs) < 6
    assert index.nbytes == 300 * 5 * 8  # 32-bit key + 32-bit record number
