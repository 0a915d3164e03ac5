"""near_dedup gives the same outcomes as before its vectorised rewrite (stored digests).

The digests were taken from the per-record implementation (commit 1bb36bd) on a corpus that
exercises every path: planted near-copies across and within batches, texts longer than the
bottom-k sample, empty texts, CJK, a flood of identical records, all keep policies.
"""

import hashlib
import random

import pytest

from selfreflect.conversation import Conversation
from selfreflect.dedup import NearDedup
from selfreflect.pipeline import Pipeline

WORDS = [f"w{i}" for i in range(400)] + ["\u4e2d", "\u6587", "caf\u00e9"]


def corpus(n: int = 3000, seed: int = 7) -> list[Conversation]:
    """Records with near-copies (1 to 8 word edits) of earlier ones, long and empty texts."""
    rng = random.Random(seed)
    texts: list[str] = []
    records = []
    for i in range(n):
        roll = rng.random()
        if texts and roll < 0.3:
            words = rng.choice(texts).split()
            for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
                if words:
                    words[rng.randrange(len(words))] = rng.choice(WORDS)
            body = " ".join(words)
        elif roll < 0.32:
            body = ""
        elif roll < 0.36:
            body = "hi there, how can I help?"
        else:
            body = " ".join(rng.choices(WORDS, k=rng.choice([3, 8, 20, 40, 120, 400])))
            texts.append(body)
        cut = len(body) // 2
        records.append(
            Conversation(
                id=f"r{i}",
                metadata={"score": rng.random()},
                messages=[
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": body[:cut] or "?"},
                    {"role": "assistant", "content": body[cut:]},
                ],
            )
        )
    return records


def digest(params: dict) -> str:
    result = Pipeline([NearDedup(**params)]).run(corpus())
    lines = [
        f"{r.id} {r.reason} {r.duplicate_of} {r.extra.get('jaccard')} {r.detail}"
        for r in result.rejects
    ]
    lines += [c.id for c in result.kept]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


CASES = [
    ({"batch_size": 256}, "7c0122d868c2013c"),
    ({"ngram": 5, "threshold": 0.7, "batch_size": 300}, "93039ce1070d1af6"),
    ({"sample": 16, "batch_size": 512}, "55f5ea1e2ee2046d"),
    ({"keep": "longest", "threshold": 0.6}, "36e7dcad11292b03"),
    (
        {"keep": "score", "score_key": "score", "mode": "user", "batch_size": 128},
        "b3891160fc932f10",
    ),
    ({"num_perm": 64, "threshold": 0.9, "ngram": 1}, "15855db737302770"),
]


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_same_outcomes_as_the_per_record_implementation(params, expected):
    assert digest(params) == expected


def outcomes(params: dict) -> list[tuple]:
    result = Pipeline([NearDedup(**params)]).run(corpus(2000, seed=11))
    return [(r.id, r.duplicate_of, r.extra.get("jaccard"), r.detail) for r in result.rejects] + [
        (c.id,) for c in result.kept
    ]


@pytest.mark.parametrize(
    "params",
    [{"batch_size": 200}, {"sample": 12, "ngram": 1}],
    ids=["default", "bottom-k estimates"],
)
def test_batch_pass_decides_like_the_record_by_record_pass(monkeypatch, params):
    import sys

    vectorised = outcomes(params)
    near = sys.modules["selfreflect.dedup.near"]
    monkeypatch.setattr(near, "_PAIR_BUDGET", -1)  # every batch through the per-record loop
    assert outcomes(params) == vectorised
    assert len([o for o in vectorised if len(o) > 1]) > 100
