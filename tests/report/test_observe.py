"""RunObserver: before/after lengths, bounded reject samples, duplicate clusters, reflections."""

from __future__ import annotations


def test_before_counts_records_entering_first_step_after_counts_kept(observed_run):
    _, observer, report, kept, _ = observed_run
    assert observer.before.records == report.steps[0].out  # read step passes them on
    assert observer.before.invalid == report.steps[0].dropped == 1
    assert observer.after.records == report.kept == len(kept)


def test_reject_samples_are_bounded_but_counted(observed_run):
    _, observer, report, _, rejects = observed_run
    short = observer.rejected[("drop_short_answers", "short_answer")]
    assert len(short) == 2  # samples_per_reason=2
    assert (
        observer.reject_counts[("drop_short_answers", "short_answer")]
        == report.steps[2].reasons["short_answer"]
        == 3
    )
    assert sum(observer.reject_counts.values()) == len(rejects) == report.rejected


def test_duplicate_clusters_name_the_kept_record_and_its_text(observed_run):
    _, observer, _, kept, _ = observed_run
    assert set(observer.clusters) == {"r0", "r1", "r2", "r3"}
    cluster = observer.clusters["r2"]
    assert [m.id for m in cluster.members] == ["r22"]
    assert cluster.members[0].jaccard == 1.0
    kept_r2 = next(c for c in kept if c.id == "r2")
    assert cluster.kept_text is not None and cluster.kept_text.startswith("question number 2")
    assert "(revised)" in kept_r2.messages[-1].content


def test_reflections_come_from_kept_metadata(observed_run):
    _, observer, report, _, _ = observed_run
    assert observer.reflections_seen == report.kept
    first = observer.reflections[0]
    assert first.revised == first.original + " (revised)"
    assert first.critique.startswith("answer")


def test_fill_representatives_finds_leaders_seen_before_their_duplicates():
    from selfreflect import Conversation, Reject
    from selfreflect.observe import RunObserver

    observer = RunObserver()
    leader = Conversation(id="k", messages=[{"role": "user", "content": "same"}])
    dup = Conversation(id="d", messages=[{"role": "user", "content": "same"}])
    list(observer.wrap_output([leader]))  # the leader leaves before the duplicate is known
    observer.wrap_on_reject()(Reject("dedup", "exact_duplicate", record=dup, duplicate_of="k"))
    assert observer.clusters["k"].kept_text is None
    observer.fill_representatives([leader])
    assert observer.clusters["k"].kept_text == "same"


def test_observer_run_matches_plain_pipeline_run(observed_run, tmp_path):
    from selfreflect.formats import read
    from selfreflect.observe import RunObserver

    pipeline, _, report, kept, _ = observed_run
    source = next(iter(kept)).source
    plain = pipeline.run(read(source))
    observer = RunObserver()
    observed = observer.run(pipeline, read(source))
    assert [c.id for c in observed.kept] == [c.id for c in plain.kept] == [c.id for c in kept]

    def counts(report):
        return [{k: v for k, v in s.items() if k != "seconds"} for s in report.to_json()["steps"]]

    assert counts(observed.report) == counts(plain.report)
    assert all(c.kept_text for c in observer.clusters.values())


def test_reflect_metadata_as_the_reflect_step_writes_it():
    from selfreflect import Conversation
    from selfreflect.observe import reflect_samples_from

    msgs = [
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Paris, obviously."},
        {"role": "user", "content": "why so rude"},
    ]
    one = {
        "turn": 1,
        "verdict": "revise",
        "critique": "rude",
        "original": "Paris, obviously.",
        "revised": "Paris.",
        "evidence_turns": [2],
    }
    keep = {**one, "verdict": "keep", "revised": None}
    sft = Conversation(id="a", messages=msgs[:2], metadata={"reflect": one})
    conv = Conversation(id="b", messages=msgs, metadata={"reflect": [one, keep]})
    for record in (sft, conv):
        (sample,) = reflect_samples_from(record)
        assert (sample.original, sample.revised, sample.critique, sample.prompt, sample.id) == (
            "Paris, obviously.",
            "Paris.",
            "rude",
            "capital of France?",
            record.id,
        )
