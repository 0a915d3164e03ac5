"""Bounded shingle samples: exact Jaccard for short texts, a tight estimate for long ones."""

import numpy as np
import pytest

from selfreflect.dedup.samples import SampleStore, bottom_k, jaccard


def test_bottom_k_keeps_the_smallest_distinct_hashes_per_text():
    hashes = np.array([5, 3, 3, 9, 1, 7, 7, 2, 4], dtype=np.uint32)
    offsets = np.array([0, 5, 5, 8, 9])
    data, offs = bottom_k(hashes, offsets, 2)
    assert [data[offs[i] : offs[i + 1]].tolist() for i in range(4)] == [[1, 3], [], [2, 7], [4]]


def test_estimate_on_long_texts_is_close_to_exact():
    rng = np.random.default_rng(0)
    universe = rng.choice(2**32, size=6000, replace=False).astype(np.uint32)
    a, b = universe[:2000], universe[400:2400]  # exact Jaccard 1600 / 2400
    sa, offs_a = bottom_k(a, np.array([0, len(a)]), 256)
    sb, offs_b = bottom_k(b, np.array([0, len(b)]), 256)
    assert len(sa) == 256
    assert jaccard(sa, sb, 256) == pytest.approx(1600 / 2400, abs=0.06)


def test_store_round_trips_and_reports_bytes():
    store = SampleStore()
    store.extend(np.array([1, 2, 3], dtype=np.uint32), np.array([0, 2, 3]))
    store.extend(np.array([], dtype=np.uint32), np.array([0, 0]))
    store.extend(np.arange(5000, dtype=np.uint32), np.array([0, 5000]))
    assert [store[i].tolist()[:3] for i in range(len(store))] == [[1, 2], [3], [], [0, 1, 2]]
    assert store.nbytes == 5003 * 4 + 5 * 4
