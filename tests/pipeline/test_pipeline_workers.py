"""Workers: same kept records, rejects and report with 1 or N processes; bounded memory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))  # so spawned workers can import the steps
from core_test_steps import (  # noqa: E402
    CountWords,
    DropMultipleOf,
    DropShort,
    Explode,
    KeepFirstPerUser,
    RecordPid,
    Shout,
    make,
)

from selfreflect import Pipeline, Reject  # noqa: E402


def dataset(n: int) -> list:
    out: list = []
    for i in range(n):
        answer = ["ok", "a fine answer", "what a day!", "yes indeed, sir"][i % 4]
        out.append(make(i, f"{i} {answer}" if i % 4 else answer, user=f"question {i % 50}"))
        if i % 97 == 0:
            out.append(Reject("read", "invalid_json", f"mem.jsonl:{i}: broken", raw="{", line=i))
    return out


def summary(result):
    report = result.report.to_json()
    for step in report["steps"]:
        step.pop("seconds")
    report.pop("seconds")
    kept = [c.to_record() for c in result.kept]
    # Within a step rejects keep input order; across steps the pool may interleave them
    # differently (the parent reads ahead), so compare them grouped by step.
    rejects: dict[str, list] = {}
    for r in result.rejects:
        rejects.setdefault(r.step, []).append(r.to_json())
    return kept, rejects, report


PIPELINE = Pipeline([DropShort(3), Shout(), CountWords(), KeepFirstPerUser(), DropMultipleOf(7)])


def test_workers_give_identical_results_to_one_process():
    records = dataset(1200)
    serial = PIPELINE.run(records)
    pooled = PIPELINE.run(records, workers=2)
    assert summary(pooled) == summary(serial)
    kept, rejects, report = summary(serial)
    # The run did something on every axis the comparison covers.
    assert report["kept"] > 0 and report["rejected"] > 0
    assert report["steps"][2]["modified"] > 0
    assert report["steps"][3]["counters"]["words"] > 1000
    assert set(rejects) == {"read", "drop_short", "keep_first_per_user", "drop_multiple_of"}


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_small_chunks_keep_order_and_run_in_workers(start_method):
    records = [make(i, f"answer number {i}") for i in range(300)]
    rejects: list[Reject] = []
    report = Pipeline([RecordPid(), DropMultipleOf(5)]).new_report()
    kept = list(
        (RecordPid() | DropMultipleOf(5)).stream(
            records, rejects.append, report, workers=2, chunk_size=7, start_method=start_method
        )
    )
    assert [c.id for c in kept] == [str(i) for i in range(300) if i % 5]
    assert [r.id for r in rejects] == [str(i) for i in range(0, 300, 5)]
    pids = {c.metadata["pid"] for c in kept}
    assert pids and os.getpid() not in pids  # ran in worker processes
    assert report.steps[2].reasons == {"multiple": 60}
    assert (report.input, report.kept, report.rejected) == (300, 240, 60)


def test_one_process_pulls_one_record_at_a_time():
    pulled = 0

    def source():
        nonlocal pulled
        for i in range(100_000):
            pulled += 1
            yield make(i, f"answer {i}")

    stream = Pipeline([DropShort(1), Shout()]).stream(source(), lambda r: None)
    assert [next(stream).id for _ in range(5)] == ["0", "1", "2", "3", "4"]
    assert pulled == 5
    stream.close()


def test_memory_is_bounded_by_chunks_in_flight():
    """The pool never reads far ahead of the consumer: input is pulled lazily."""
    pulled = 0

    def source():
        nonlocal pulled
        for i in range(100_000):
            pulled += 1
            yield make(i, f"answer {i}")

    stream = Pipeline([DropShort(1)]).stream(source(), lambda r: None, workers=2, chunk_size=10)
    first = [next(stream) for _ in range(5)]
    assert [c.id for c in first] == ["0", "1", "2", "3", "4"]
    # 2 workers -> at most 4 chunks in flight, plus the one refilled after the first result.
    assert pulled <= 5 * 10
    stream.close()


def test_step_error_in_a_worker_surfaces_in_the_parent():
    records = [make(i, "fine answer") for i in range(20)]
    with pytest.raises(RuntimeError, match="boom on 3"):
        Pipeline([Explode("3")]).run(records, workers=2)


def test_unpicklable_step_gives_a_clear_error():
    step = DropShort(3)
    step.n = lambda: 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="workers=1"):
        Pipeline([step]).run([make(1, "x")], workers=2)


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers"):
        Pipeline([DropShort()]).run([], workers=0)


def test_default_recipe_with_workers_matches_one_process_and_shares_unchanged_messages():
    from selfreflect.recipe import load
    from selfreflect.registry import get

    records = [
        make(i, f"answer   number {i % 300}  with  spaces", user=f"question {i % 40}")
        for i in range(900)
    ]
    pipeline = load("default").pipeline
    assert summary(pipeline.run(records, workers=2)) == summary(pipeline.run(records))
    tidy = Pipeline([get("normalize_whitespace")()]).run(records, workers=2)
    originals = {c.id: c for c in records}
    assert all(c.messages[-1].content != originals[c.id].messages[-1].content for c in tidy.kept)
    assert len(tidy.kept) == len(records)
    # the user turn did not change: the parent's own Message object comes back, not a copy
    assert all(c.messages[0] is originals[c.id].messages[0] for c in tidy.kept)
