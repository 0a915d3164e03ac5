"""near_dedup as a user sees it: rejects, kept record, modes, keep policies, accuracy."""

import itertools
import random
import time

import pytest

from selfreflect.conversation import Conversation
from selfreflect.dedup import NearDedup, clusters, shingles
from selfreflect.pipeline import Pipeline
from selfreflect.registry import get

WORDS = [f"w{i}" for i in range(3000)]


def conv(i, user, assistant, system=None, **metadata):
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return Conversation(id=str(i), messages=messages, metadata=metadata)


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def edit(rng, words_text, n_edits):
    words = words_text.split()
    for _ in range(n_edits):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def true_jaccard(a, b):
    sa, sb = set(shingles(a.dedup_text())), set(shingles(b.dedup_text()))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def run(records, **params):
    return Pipeline([NearDedup(**params)]).run(records)


def test_default_step_is_valid_and_registered():
    step = get("near_dedup")()
    assert step.to_dict()["step"] == "near_dedup"
    assert type(step)(**step.get_params()) == step
    assert step.banding() == (21, 6)


def test_system_prompt_is_masked():
    persona = "You are Captain Nemo, a gruff sea captain. " * 20
    rng = random.Random(1)
    a, b, c = text(rng, 30), text(rng, 30), text(rng, 30)
    same_turns = [conv(1, "hello", a, system="You are Bob."), conv(2, "hello", a, system=persona)]
    same_persona = [conv(3, "hi", b, system=persona), conv(4, "hi", c, system=persona)]
    result = run(same_turns + same_persona)
    assert [r.id for r in result.rejects] == ["2"]
    assert result.rejects[0].duplicate_of == "1"


@pytest.mark.parametrize(
    ("mode", "dropped"),
    [("conversation", []), ("user", ["2"]), ("assistant", ["3"]), ("first_user", ["2"])],
)
def test_modes(mode, dropped):
    rng = random.Random(2)
    q, a1, a2, q2 = (text(rng, 20) for _ in range(4))
    records = [conv(1, q, a1), conv(2, q, a2), conv(3, q2, a1)]
    assert [r.id for r in run(records, mode=mode).rejects] == dropped


def test_reject_names_the_kept_record_and_its_jaccard():
    rng = random.Random(3)
    base = text(rng, 60)
    records = [conv(1, "q", base), conv(2, "q", edit(rng, base, 1)), conv(3, "q", base)]
    result = run(records, batch_size=2)  # the duplicates straddle batches
    assert [c.id for c in result.kept] == ["1"]
    for reject in result.rejects:
        assert reject.reason == "near_duplicate"
        assert reject.duplicate_of == "1"
        assert reject.extra["jaccard"] == pytest.approx(
            true_jaccard(records[0], reject.record), abs=1e-4
        )
        assert reject.to_json()["jaccard"] == reject.extra["jaccard"]
    result.report.check()
    assert result.report.steps[-1].reasons["near_duplicate"] == 2
    assert clusters(result.rejects) == {"1": ["2", "3"]}
    assert clusters(r.to_json() for r in result.rejects) == {"1": ["2", "3"]}


def test_keep_longest_and_keep_score():
    rng = random.Random(4)
    base = text(rng, 60)
    longer = base + " " + "extra"
    records = [
        conv(1, "q", base, score=0.9),
        conv(2, "q", longer, score=0.1),
        conv(3, "other", text(rng, 40)),
    ]
    longest = run(records, keep="longest")
    assert [c.id for c in longest.kept] == ["2", "3"]  # output keeps input order
    assert longest.rejects[0].duplicate_of == "2"
    scored = run(records, keep="score", score_key="score")
    assert [c.id for c in scored.kept] == ["1", "3"]
    with pytest.raises(ValueError, match="score_key"):
        run(records, keep="score")


def test_empty_texts_are_kept_and_counted():
    result = run([conv(1, "...", "!!!"), conv(2, "?", "")])
    assert len(result.kept) == 2
    assert result.report.steps[-1].counters["empty_text"] == 2


def test_numpy_and_datasketch_indexes_agree():
    corpus = planted_corpus(random.Random(5), 300)
    a = run(corpus)
    b = run(corpus, index="datasketch")
    pairs = [(r.id, r.duplicate_of) for r in a.rejects]
    assert pairs == [(r.id, r.duplicate_of) for r in b.rejects]
    assert a.rejects


def planted_corpus(rng, n_clusters):
    """Originals plus edited copies spanning Jaccard ~0.5 to 1.0, shuffled."""
    records = []
    for c in range(n_clusters):
        original = text(rng, rng.randint(20, 120))
        records.append(conv(f"{c}", text(rng, 8), original))
        for k in range(rng.randint(0, 3)):
            n_edits = rng.choice([0, 1, 1, 2, 3, 5, 8])
            records.append(
                conv(f"{c}-{k}", records[-1 - k].messages[0].content, edit(rng, original, n_edits))
            )
    rng.shuffle(records)
    return records


def test_accuracy_against_exact_jaccard():
    """Every pair >= threshold loses one side (recall), every drop is a true pair (precision)."""
    records = planted_corpus(random.Random(6), 250)
    result = run(records)
    by_id = {c.id: c for c in records}
    for reject in result.rejects:  # precision: the named kept record really is >= 0.8
        assert true_jaccard(reject.record, by_id[reject.duplicate_of]) >= 0.8
    kept_pairs = [
        (a.id, b.id)
        for a, b in itertools.combinations(result.kept, 2)
        if a.id.split("-")[0] == b.id.split("-")[0] and true_jaccard(a, b) >= 0.8
    ]
    assert kept_pairs == []  # nothing >= threshold survives
    assert len(result.rejects) > 100


def test_many_identical_short_records_stay_fast():
    """A batch full of the same greeting must not compare every pair (quadratic)."""
    records = [conv(i, "hi", "Hello! How can I help you today?") for i in range(5000)]
    start = time.perf_counter()
    result = run(records)
    assert time.perf_counter() - start < 10
    assert [c.id for c in result.kept] == ["0"]
    assert result.report.steps[-1].counters["checked"] == 4999


def test_the_dedup_steps_speak_the_banding_protocol_engines_use():
    """Engines find distributed dedup steps by the protocol, never by name or module."""
    from selfreflect.dedup.banding import Banding, distributable
    from selfreflect.dedup.exact import ExactDedup

    for step in (NearDedup(), ExactDedup()):
        assert isinstance(step, Banding) and distributable(step)
        assert not distributable(type(step)(keep="longest"))
    assert not distributable(object())
