"""Banding: recall-first band choice and the numpy index against brute force."""

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from selfreflect.dedup import runs
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
    assert index.nbytes == 300 * 5 * 7  # small runs: 32-bit key + 24-bit record number


@pytest.mark.parametrize("bucketed_from", [1 << 40, 1000])
def test_bucketed_runs_find_the_same_entries_in_5_bytes(monkeypatch, bucketed_from):
    monkeypatch.setattr(runs, "BUCKETED_FROM", bucketed_from)
    rng = np.random.default_rng(3)
    # keys crowd a few buckets (and the top and bottom of the key range); numbers pass 2^24
    keys = np.concatenate(
        [
            rng.integers(0, 2**32, 6000, dtype=np.uint64),
            rng.integers(0x12340000, 0x12340040, 3000, dtype=np.uint64),
            np.array([0, 0, 2**32 - 1, 2**32 - 1], dtype=np.uint64),
        ]
    ).astype(np.uint32)
    numbers = rng.integers(0, 2**25, len(keys), dtype=np.int64)
    index = BandIndex()
    for start in range(0, len(keys), 700):
        part = slice(start, start + 700)
        index.add(keys[part].reshape(-1, 1).astype(np.uint64), numbers[part])
    assert len(index.runs) < 8
    needles = np.concatenate([keys[::7], rng.integers(0, 2**32, 3000, dtype=np.uint64)])
    rows, owners = index.query(needles.reshape(-1, 1).astype(np.uint64))
    got = sorted(zip(rows.tolist(), owners.tolist(), strict=True))
    held: dict[int, list[int]] = {}
    for key, number in zip(keys.tolist(), numbers.tolist(), strict=True):
        held.setdefault(key, []).append(number)
    expected = sorted((q, o) for q, key in enumerate(needles.tolist()) for o in held.get(key, ()))
    assert got == expected
    big = max(index.runs, key=lambda run: run.size)
    if bucketed_from < big.size:
        assert big.starts is not None
        assert big.nbytes <= big.size * 6 + big.starts.nbytes  # 16-bit key + 32-bit number
