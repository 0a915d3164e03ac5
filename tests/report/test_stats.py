"""DatasetStats: exact percentiles, word counts, duplicates, merging shards, the table."""

from __future__ import annotations

from selfreflect import Conversation, Reject
from selfreflect.stats import DatasetStats, Distribution, count_words


def _c(i: int, user: str, answer: str) -> Conversation:
    return Conversation(
        id=str(i),
        messages=[{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
    )


def test_percentiles_are_nearest_rank_and_exact():
    d = Distribution()
    for v in range(1, 101):
        d.add(v)
    assert d.percentiles() == {"p5": 5, "p25": 25, "p50": 50, "p75": 75, "p95": 95, "max": 100}
    assert d.n == 100 and d.mean == 50.5 and d.min == 1


def test_histogram_bins_cover_every_value():
    d = Distribution()
    for v in (0, 1, 3, 7, 150, 10**6):
        d.add(v)
    hist = d.histogram([0, 1, 5, 100])
    assert hist == [(0, 1, 1), (1, 5, 2), (5, 100, 1), (100, None, 2)]
    assert sum(c for *_, c in hist) == d.n


def test_cjk_characters_count_as_words():
    assert count_words("hello  world") == 2
    assert count_words("你好世界") == 4
    assert count_words("I said 你好 twice") == 5


def test_stats_count_roles_duplicates_and_invalid():
    records = [
        _c(1, "hi there", "hello"),
        _c(2, "hi there", "hello"),
        _c(3, "other", "x"),
        Reject("read", "invalid_json", raw="{"),
    ]
    stats = DatasetStats.from_records(records)
    assert stats.records == 3 and stats.invalid == 1
    assert stats.duplicates == 1
    assert stats.roles == {"user": 3, "assistant": 3}
    assert stats.chars["user"].percentiles()["max"] == 8
    assert stats.words["user"].percentile(50) == 2


def test_merging_shards_equals_one_pass():
    records = [_c(i, "q" * (i % 7 + 1), "a " * (i % 11)) for i in range(60)]
    whole = DatasetStats.from_records(records)
    merged = DatasetStats.from_records(records[:25]) + DatasetStats.from_records(records[25:])
    assert merged.to_json() == whole.to_json()
    assert whole.duplicates == 60 - len({(i % 7, i % 11) for i in range(60)})


def test_table_shows_percentile_rows():
    stats = DatasetStats.from_records([_c(1, "abc", "defgh"), _c(2, "ab", "d")])
    table = stats.table()
    assert "records 2" in table
    line = next(ln for ln in table.splitlines() if ln.startswith("assistant chars"))
    assert line.split()[-6:] == ["1", "1", "1", "5", "5", "5"]  # nearest rank: p50 of (1, 5) is 1


def test_dataset_stats_reads_and_merges_files(tmp_path):
    import json

    from selfreflect.stats import dataset_stats

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"messages": [{"role": "user", "content": "hey"}]}) + "\n{broken\n")
    b.write_text(
        json.dumps({"messages": [{"role": "user", "content": "hey"}]})
        + "\n"
        + json.dumps({"id": "x", "messages": [{"role": "user", "content": "a"}]})
        + "\n"
        + json.dumps({"id": "x", "messages": [{"role": "user", "content": "b"}]})
        + "\n"
    )
    stats = dataset_stats([a, b])
    assert (stats.records, stats.invalid, stats.duplicates, stats.duplicate_ids) == (4, 1, 1, 1)


def test_cjk_punctuation_separates_and_korean_counts_by_spaces():
    assert count_words("床前明月光，疑是地上霜。") == 10
    assert count_words("안녕하세요 세계") == 2
    assert count_words("naïve café") == 2
