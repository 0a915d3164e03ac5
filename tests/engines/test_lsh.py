"""The engine-agnostic LSH plumbing: candidate pairs from keys, and the keep-first decision."""

import numpy as np

from selfreflect.dedup.lsh import MAX_BUCKET, bucket_pairs, pairs_from_keys, resolve


def test_records_sharing_a_key_become_pairs_earlier_first():
    keys = np.array([7, 9, 7, 7, 9, 3], dtype=np.uint64)
    orders = np.array([5, 1, 2, 8, 4, 0])
    assert pairs_from_keys(keys, orders) == {(2, 5), (2, 8), (5, 8), (1, 4)}


def test_a_flood_bucket_stays_linear():
    members = np.arange(MAX_BUCKET * 4)
    pairs = list(bucket_pairs(members))
    assert len(pairs) == 2 * len(members) - 3
    assert all(a < b for a, b in pairs)


def test_chain_keeps_the_end_the_first_record_does_not_reach():
    # 0~1 and 1~2 but not 0~2: 1 repeats 0; 2's only partner (1) was dropped, so 2 is kept
    assert resolve([(0, 1, 0.9), (1, 2, 0.9)]) == {1: (0, 0.9)}


def test_best_kept_partner_wins_and_ties_go_to_the_earliest():
    decided = resolve([(0, 3, 0.85), (1, 3, 0.95), (2, 3, 0.95)])
    assert decided == {3: (1, 0.95)}
    assert resolve([(4, 6, 0.9), (2, 6, 0.9)]) == {6: (2, 0.9)}
