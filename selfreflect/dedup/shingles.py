"""Text to shingles: normalised word tokens (one token per CJK character) and their n-gram hashes.

Why word bigrams (the default ``ngram=2``): chat turns are short. For a text of ``L`` tokens a
one-token edit in the middle removes ``n`` of the ``L - n + 1`` shingles and adds ``n`` new ones, so
the Jaccard similarity is ``(L - 2n + 1) / (L + 1)``. For a 25-word exchange that is 0.92 for
unigrams, 0.85 for bigrams, 0.77 for trigrams and 0.62 for the 5-grams used for web pages: only
n <= 2 keeps a one-word edit above the default threshold of 0.8. Bigrams keep word order (unigrams
would call "dog bites man" and "man bites dog" identical) and the same question with a different
answer stays far below the threshold. Character n-grams catch the same edits but give ~5x more
shingles per text, hence ~5x slower signatures, for no gain on these cases (measured in
``tests/dedup/test_short_texts.py`` and docs/benchmarks.md).

Normalisation: lower case, punctuation and spacing dropped (``\\w+`` runs), and every CJK character
is its own token, because Chinese and Japanese do not separate words with spaces.

Hashes: each token is hashed once with xxh32 (cached), and an n-gram's hash combines its tokens'
hashes with a vectorised mixing step. :func:`shingle_hash` is the same function for one shingle
string (tokens joined by a space), usable as ``datasketch.MinHash(hashfunc=shingle_hash)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from selfreflect.dedup.mix import fmix32

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
_ASCII_TOKEN = re.compile(r"\w+", re.ASCII)
_WORD_TOKEN = re.compile(r"\w+")
_HAS_CJK = re.compile(f"[{_CJK}]")


def _pattern(text: str) -> re.Pattern[str]:
    """The fastest pattern that tokenises this text the same way as ``_TOKEN``."""
    if text.isascii():
        return _ASCII_TOKEN
    return _TOKEN if _HAS_CJK.search(text) else _WORD_TOKEN
_GOLDEN = np.uint32(0x9E3779B1)
_CACHE_LIMIT = 500_000


def tokens(text: str) -> list[str]:
    """The normalised tokens of a text: lower-cased word runs, one token per CJK character."""
    text = text.lower()
    return _pattern(text).findall(text)


def shingles(text: str, ngram: int = 2) -> list[str]:
    """The n-gram shingles of a text as strings (tokens joined by a space); a short text is one."""
    toks = tokens(text)
    if not toks:
        return []
    if len(toks) <= ngram:
        return [" ".join(toks)]
    return [" ".join(toks[i : i + ngram]) for i in range(len(toks) - ngram + 1)]


class TokenHasher:
    """xxh32 of tokens with a bounded cache (chat vocabularies repeat a lot)."""

    def __init__(self) -> None:
        self.cache: dict[str, int] = {}

    def __call__(self, toks: list[str]) -> list[int | None]:
        cache = self.cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out: list[int | None] = list(map(cache.get, toks))
        try:
            i = out.index(None)
        except ValueError:
            return out
        import xxhash

        h32 = xxhash.xxh32_intdigest
        while True:  # only the misses are visited in Python; out.index scans in C
            tok = toks[i]
            value = cache.get(tok)
            if value is None:
                value = cache[tok] = h32(tok.encode("utf-8"))
            out[i] = value
            try:
                i = out.index(None, i + 1)
            except ValueError:
                return out


def combine(token_hashes: np.ndarray, starts: np.ndarray, ngram: int) -> np.ndarray:
    """Hash the n-grams that start at ``starts`` in an array of token hashes (vectorised)."""
    h = np.zeros(len(starts), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for k in range(ngram):
            h = fmix32(h * _GOLDEN + token_hashes[starts + k])
    return h


def shingle_hash(shingle: str | bytes) -> int:
    """The hash of one shingle string (tokens joined by spaces), as :func:`combine` does."""
    import xxhash

    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8")
    h = np.zeros(1, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for tok in shingle.split(" "):
            h = fmix32(h * _GOLDEN + np.uint32(xxhash.xxh32_intdigest(tok.encode("utf-8"))))
    return int(h[0])


def batch_shingle_hashes(
    texts: Sequence[str], ngram: int = 2, hasher: TokenHasher | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once: ``(hashes uint32, offsets)``; text i is
    ``hashes[offsets[i]:offsets[i + 1]]`` (not deduplicated within a text)."""
    hasher = hasher or TokenHasher()
    all_tokens: list[str] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        text = text.lower()
        toks = _pattern(text).findall(text)
        lengths[i] = len(toks)
        all_tokens.extend(toks)
    token_hashes = np.array(hasher(all_tokens), dtype=np.uint32)
    token_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=token_starts[1:])
    counts = np.where(lengths > ngram, lengths - ngram + 1, np.minimum(lengths, 1))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    # start position of every shingle in the token array
    doc_of = np.repeat(np.arange(len(texts)), counts)
    starts = token_starts[doc_of] + (np.arange(offsets[-1]) - offsets[doc_of])
    full = lengths[doc_of] >= ngram
    hashes = np.empty(offsets[-1], dtype=np.uint32)
    if full.all():
        hashes[:] = combine(token_hashes, starts, ngram)
    else:
        hashes[full] = combine(token_hashes, starts[full], ngram)
        for j in np.flatnonzero(~full):  # texts shorter than one n-gram: one shingle of all tokens
            d = doc_of[j]
            hashes[j] = combine(token_hashes, np.array([token_starts[d]]), int(lengths[d]))[0]
    return hashes, offsets
