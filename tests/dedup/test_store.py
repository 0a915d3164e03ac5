"""Compact dedup stores: ids and keys come back as stored, in the bytes docs/steps.md states."""

import numpy as np
import pytest

from selfreflect.conversation import Conversation
from selfreflect.dedup import ExactDedup
from selfreflect.dedup.shingles import TokenHasher, batch_token_hashes, tokens
from selfreflect.dedup.store import IdStore, KeyIndex
from selfreflect.pipeline import Pipeline


def test_ids_come_back_as_stored_and_made_ids_take_8_bytes():
    store = IdStore()
    ids = ["0123456789abcdef", "ff" * 8, "r1", "", "caf\u00e9-\U0001f600", "0123456789ABCDEF"]
    ids += ["00" * 8]
    store.extend(ids)
    assert len(store) == len(ids)
    assert [store[i] for i in range(len(ids))] == ids
    made = IdStore()
    made_ids = [Conversation.make_id("a.jsonl", i) for i in range(1000)]
    made.extend(made_ids)
    assert made.nbytes == 8 * 1000
    assert [made[i] for i in (0, 1, 999)] == [made_ids[0], made_ids[1], made_ids[999]]
    with pytest.raises(IndexError):
        made[1000]
    made.append("own-id")  # from here on, 4-byte end offsets
    assert made.nbytes == 8 * 1000 + 6 + 4 * 1001
    assert [made[i] for i in (0, 999, 1000)] == [made_ids[0], made_ids[999], "own-id"]


def test_key_index_finds_the_first_number_of_each_key():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**63, 5000, dtype=np.uint64)
    index = KeyIndex()
    for start in range(0, 4000, 333):
        index.add(keys[start : min(start + 333, 4000)], np.arange(start, min(start + 333, 4000)))
    found = index.find(keys)
    assert found[:4000].tolist() == list(range(4000))
    assert (found[4000:] == -1).all()
    assert index.nbytes == 12 * 4000


def test_exact_dedup_holds_at_most_20_bytes_per_distinct_record():
    records = [
        Conversation(
            id=Conversation.make_id("in.jsonl", i),
            messages=[
                {"role": "user", "content": f"question {i % 7000}"},
                {"role": "assistant", "content": "answer"},
            ],
        )
        for i in range(10000)
    ]
    result = Pipeline([ExactDedup()]).run(records)
    assert len(result.kept) == 7000
    assert result.rejects[0].duplicate_of == records[0].id
    assert result.report.steps[-1].counters["index_bytes"] <= 20 * 7000


def test_token_hashes_are_the_same_when_the_table_is_cleared_and_batches_sliced(monkeypatch):
    import sys

    import xxhash

    shingles = sys.modules["selfreflect.dedup.shingles"]  # the package exports a function too
    texts = [f"w{i} w{i + 1} Caf\u00e9 \u4e2d\u6587 x" for i in range(3000)]
    expected = [xxhash.xxh32_intdigest(t.encode()) for text in texts for t in tokens(text)]
    monkeypatch.setattr(shingles, "_CACHE_LIMIT", 500)
    monkeypatch.setattr(shingles, "_SLICE", 2000)  # batches tokenised in slices too
    hasher = TokenHasher()
    got = []
    for start in range(0, len(texts), 400):
        values, counts = batch_token_hashes(texts[start : start + 400], hasher)
        assert counts.tolist() == [len(tokens(t)) for t in texts[start : start + 400]]
        got += values.tolist()
    assert got == expected
    assert hasher.size <= 500 + 400 * 4
