"""Every record ends kept or rejected; the pipeline fails loudly when a step loses one."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from core_test_steps import DropShort, LoseEveryTenth, Shout, Swallow, make  # noqa: E402

from selfreflect import Pipeline, Reject  # noqa: E402
from selfreflect.report import AccountingError  # noqa: E402


@pytest.mark.parametrize("workers", [1, 2])
def test_a_step_that_loses_records_fails_the_run(workers):
    records = [make(i, "a long enough answer") for i in range(30)]
    with pytest.raises(AccountingError, match="lose_every_tenth: in 30 != out 27 \\+ dropped 0"):
        Pipeline([DropShort(3), LoseEveryTenth(), Shout()]).run(records, workers=workers)


def test_a_step_that_invents_records_fails_the_run():
    class Duplicate(LoseEveryTenth):
        """Yield every record twice."""

        def run(self, records, stats):
            for conv in records:
                yield conv
                yield conv

    with pytest.raises(AccountingError):
        Pipeline([Duplicate()]).run([make(1, "hello")])


def test_counts_add_up_with_read_rejects():
    records = [
        make(0, "hi"),
        Reject("read", "invalid_json", "x:2: bad", raw="{", line=2),
        make(2, "a longer answer"),
    ]
    result = Pipeline([DropShort(5)]).run(records)
    report = result.report
    assert (report.input, report.kept, report.rejected) == (3, 1, 2)
    assert [(r.step, r.reason) for r in result.rejects] == [
        ("drop_short", "too_short"),
        ("read", "invalid_json"),
    ]
    report.check()


@pytest.mark.parametrize("workers", [1, 2])
def test_duplicate_ids_are_counted_and_both_records_processed(workers, caplog):
    records = [
        make(0, "first answer", id="same"),
        make(1, "second answer", id="same"),
        make(2, "third answer"),
        make(3, "x", id="same"),
    ]
    with caplog.at_level(logging.WARNING, logger="selfreflect"):
        result = Pipeline([DropShort(3)]).run(records, workers=workers)
    assert [c.messages[1].content for c in result.kept] == [
        "first answer",
        "second answer",
        "third answer",
    ]
    assert [r.id for r in result.rejects] == ["same"]
    read = result.report.to_json()["steps"][0]
    assert read["counters"] == {"duplicate_ids": 2}
    (warning,) = [r.getMessage() for r in caplog.records if "reuse an id" in r.getMessage()]
    assert warning == (
        "2 record(s) reuse an id seen earlier (e.g. 'same', 'same'); all were processed"
    )


def test_no_duplicate_counter_when_ids_are_unique():
    result = Pipeline([]).run([make(i, "answer") for i in range(5)])
    assert "counters" not in result.report.to_json()["steps"][0]
    assert result.report.kept == 5


def test_a_per_record_step_that_swallows_a_record_fails_in_a_worker_too():
    records = [make(i, "short" if i % 2 else "a long enough answer") for i in range(6)]
    for workers in (1, 2):
        with pytest.raises(AccountingError, match="swallow"):
            Pipeline([Swallow()]).run(records, workers=workers)


def test_duplicate_id_counter_is_exact_across_buffer_merges():
    from selfreflect.pipeline import DuplicateIds

    ids = DuplicateIds(buffer=4)
    sequence = ["a", "b", "c", "a", "d", "e", "f", "b", "g", "h", "a", "i", "j", "k", "l", "z"]
    for n, name in enumerate(sequence):
        ids.add(make(n, "x", id=name))
    ids.flush()
    assert ids.count == 3  # a twice more, b once more
    ids.flush()
    assert ids.count == 3
