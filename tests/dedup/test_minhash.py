"""Signatures are bit-identical to datasketch.MinHash for the same shingles, seed and hash."""

import random

import datasketch
import numpy as np
import pytest
from datasketch.hashfunc import sha1_hash32

from selfreflect.dedup import MinHasher, shingle_hash, shingles

WORDS = (
    "time person year way day thing man world life hand part child eye woman place work week case "
    "point government company number group problem fact water money story month lot right study "
    "book job word business issue side kind head house service friend father power hour game line "
    "end member law car city community name president team minute idea kid body information back "
    "parent face others level office door health art war history party result change morning "
    "reason research girl guy moment air teacher force education foot boy age policy music"
).split()


def sentence(rng: random.Random, n: int) -> str:
    """n random words."""
    return " ".join(rng.choice(WORDS) for _ in range(n))


TEXTS = [
    "Hello there, how are you today my friend?",
    "",
    "one",
    "Hi!",
    "两个中文字测试 hello world",
    "The same words, the same words, the same words again.",
    "word " * 300,
]


def reference(text, num_perm, seed, scheme, hashfunc, ngram=2):
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=hashfunc)
    for s in shingles(text, ngram):  # datasketch's per-token loop
        m.update(s.encode("utf-8"))
    return m.hashvalues


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("hash_name", ["xxh32", "sha1"])
@pytest.mark.parametrize("seed", [1, 42])
def test_signatures_equal_datasketch(scheme, hash_name, seed):
    rng = random.Random(seed)
    texts = TEXTS + [sentence(rng, rng.randint(1, 60)) for _ in range(20)]
    hashfunc = shingle_hash if hash_name == "xxh32" else sha1_hash32
    hasher = MinHasher(num_perm=64, seed=seed, scheme=scheme, hash=hash_name)
    got = hasher.signatures(texts)
    for text, row in zip(texts, got, strict=True):
        expected = reference(text, 64, seed, scheme, hashfunc)
        assert row.dtype == expected.dtype
        assert np.array_equal(row, expected), text


def test_default_hash_equals_datasketch_default_minhash():
    """hash='sha1' matches datasketch.MinHash() with no hashfunc at all."""
    text = "Can you tell me the way to the station, please?"
    m = datasketch.MinHash(num_perm=128, seed=1)
    m.update_batch([s.encode() for s in shingles(text)])
    assert np.array_equal(MinHasher(hash="sha1").signatures([text])[0], m.hashvalues)


def test_batches_do_not_change_signatures():
    rng = random.Random(0)
    texts = [sentence(rng, rng.randint(0, 400)) for _ in range(300)]
    hasher = MinHasher()
    whole = hasher.signatures(texts)
    one_by_one = np.vstack([hasher.signatures([t]) for t in texts])
    assert np.array_equal(whole, one_by_one)


def test_empty_text_has_empty_signature():
    sig = MinHasher(num_perm=16).signatures(["", "  ...  "])
    assert (sig == np.uint32(2**32 - 1)).all()


def test_signature_estimates_jaccard():
    a = " ".join(f"w{i}" for i in range(200))
    b = " ".join(f"w{i}" for i in range(40, 240))  # 159 shared of 239 bigrams: 0.665
    sig = MinHasher(num_perm=256).signatures([a, b])
    assert abs(float((sig[0] == sig[1]).mean()) - 159 / 239) < 0.1
