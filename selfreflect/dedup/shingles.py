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

from selfreflect.dedup.mix import fmix32, mix64

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


_WORD, _CJK_CLASS = 1, 2
_BLOCK_BITS = 10
#: Per code point: 0 (not part of a token), 1 (word character), 2 (a CJK token of its own),
#: 255 (not classified yet); filled 1,024 code points at a time, for the blocks texts use.
_classes = np.full(0x110000, 255, dtype=np.uint8)


def _classify(block: int) -> None:
    """Fill one block of ``_classes`` from the same patterns as ``_TOKEN``."""
    lo = block << _BLOCK_BITS
    chars = "".join(map(chr, range(lo, lo + (1 << _BLOCK_BITS))))
    marked = re.sub(f"[{_CJK}]", "\x02", chars)
    marked = _WORD_TOKEN.sub(lambda m: "\x01" * len(m.group()), marked)
    codes = np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    _classes[lo : lo + len(codes)] = np.where(codes < 3, codes, 0)


def _char_classes(points: np.ndarray) -> np.ndarray:
    """The class of every code point (classifying the blocks not seen before)."""
    classes = _classes[points]
    unknown = classes == 255
    if unknown.any():
        for block in np.unique(points[unknown] >> _BLOCK_BITS).tolist():
            _classify(block)
        classes = _classes[points]
    return classes


def _token_bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, stop) of every token in code points (texts joined by a newline), the same
    tokens as ``_TOKEN`` finds: runs of word characters, every CJK character alone."""
    classes = _char_classes(points)
    word = classes == _WORD
    lone = classes == _CJK_CLASS
    before = np.zeros(len(points), dtype=bool)
    before[1:] = word[:-1]
    after = np.zeros(len(points), dtype=bool)
    after[:-1] = word[1:]
    starts = np.flatnonzero(lone | (word & ~before))
    stops = np.flatnonzero(lone | (word & ~after)) + 1
    return starts, stops


_B = np.uint64(0x100000001B3)  # odd: invertible modulo 2^64
_B_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))


_powers = np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)


def _powers_upto(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``B**i`` and ``B**-i`` modulo 2^64 for i <= n (grown by doubling, kept between batches)."""
    global _powers
    if len(_powers[0]) > n:
        return _powers
    size = max(n + 1, len(_powers[0]) * 5 // 4)  # a little spare: slices differ in size
    grown = []
    for old, base in zip(_powers, (_B, _B_INV), strict=True):
        out = np.empty(size, dtype=np.uint64)
        m = len(old)
        out[:m] = old
        with np.errstate(over="ignore"):
            while m < size:  # B**(m + i) = B**i * B**m, in place
                step = min(m, size - m)
                np.multiply(out[:step], out[m - 1] * base, out=out[m : m + step])
                m += step
        grown.append(out)
    _powers = grown[0], grown[1]
    return _powers


def _token_keys(points: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """A 64-bit key per token (polynomial hash of its code points, length mixed in), to find
    repeated tokens without making a Python string of each."""
    powers, inverse = _powers_upto(len(points))
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(points) + 1, dtype=np.uint64)
        np.cumsum((points.astype(np.uint64) + np.uint64(1)) * powers[: len(points)], out=prefix[1:])
        keys = (prefix[stops] - prefix[starts]) * inverse[starts]
        return mix64(keys ^ (stops - starts).astype(np.uint64))


def batch_token_hashes(texts: Sequence[str], hasher: TokenHasher) -> tuple[np.ndarray, np.ndarray]:
    """xxh32 of every token of every text (``tokens(t)`` in order) and the token count per
    text: one vectorised pass over the batch's code points, xxh32 called once per new token.
    Batches of long texts go in slices of about ``_SLICE`` characters (bounded memory)."""
    sizes = list(map(len, texts))
    if len(texts) > 1 and sum(sizes) > _SLICE:
        ends = np.cumsum(sizes)
        cut = max(1, int(np.searchsorted(ends, _SLICE)))
        head = batch_token_hashes(texts[:cut], hasher)
        rest = batch_token_hashes(texts[cut:], hasher)
        return np.concatenate([head[0], rest[0]]), np.concatenate([head[1], rest[1]])
    return _slice_token_hashes(texts, hasher)


def _slice_token_hashes(texts: Sequence[str], hasher: TokenHasher) -> tuple[np.ndarray, np.ndarray]:
    """:func:`batch_token_hashes` for one slice."""
    # one lower() for the batch; the NUL between texts (a control character, like a newline)
    # keeps Greek final sigma per text
    raw = "\x00".join(texts)
    if raw.count("\x00") == len(texts) - 1:
        joined = raw.lower()
        parts = texts if len(joined) == len(raw) else joined.split("\x00")  # "İ" grows
    else:  # a text holds a NUL itself
        parts = [t.lower() for t in texts]
        joined = "\n".join(parts)
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(texts)) + 1
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_ends = np.cumsum(sizes)  # each text's end, its newline included
    starts, stops = _token_bounds(points)
    counts = np.diff(np.searchsorted(starts, text_ends), prepend=0)  # tokens per text
    if not len(starts):
        return np.empty(0, dtype=np.uint32), counts
    return hasher.lookup(_token_keys(points, starts, stops), joined, starts, stops), counts


_GOLDEN = np.uint32(0x9E3779B1)
#: Characters tokenised in one vectorised pass (~50 bytes of temporary arrays each).
_SLICE = 1 << 22
_SLOT_BITS = 20
_SLOTS = 1 << _SLOT_BITS
_CACHE_LIMIT = _SLOTS // 2


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
    """xxh32 of tokens by token key: an open-addressing numpy hash table (linear probing), so
    a batch's lookups are a few vectorised passes; xxh32 runs once per new token. Bounded:
    cleared when half full (``_CACHE_LIMIT`` tokens, 12 MB)."""

    def __init__(self) -> None:
        self.keys = np.zeros(_SLOTS, dtype=np.uint64)  # 0 = empty slot
        self.values = np.zeros(_SLOTS, dtype=np.uint32)
        self.size = 0

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """Slot holding each key, or -1 where the key is not in the table."""
        slot = (keys >> np.uint64(64 - _SLOT_BITS)).astype(np.int64)
        out = np.full(len(keys), -1, dtype=np.int64)
        pending = np.arange(len(keys))
        while len(pending):
            held = self.keys[slot[pending]]
            hit = held == keys[pending]
            out[pending[hit]] = slot[pending[hit]]
            pending = pending[~hit & (held != 0)]  # another key there: probe the next slot
            slot[pending] = (slot[pending] + 1) & (_SLOTS - 1)
        return out

    def lookup(
        self, keys: np.ndarray, text: str, starts: np.ndarray, stops: np.ndarray
    ) -> np.ndarray:
        """xxh32 of the tokens ``text[starts[i]:stops[i]]``, whose keys are ``keys``."""
        keys = keys | np.uint64(1)  # never 0, the empty mark
        slots = self._find(keys)
        missing = np.flatnonzero(slots < 0)
        if not len(missing):
            return self.values[slots]
        new, first = np.unique(keys[missing], return_index=True)
        if self.size + len(new) > _CACHE_LIMIT:  # start afresh with this batch's tokens
            self.keys[:] = 0
            self.size = 0
            missing = np.arange(len(keys))
            new, first = np.unique(keys, return_index=True)
        import xxhash

        table, mask = self.keys, _SLOTS - 1
        for key, i in zip(new.tolist(), missing[first].tolist(), strict=True):
            slot = key >> (64 - _SLOT_BITS)
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = key
            self.values[slot] = xxhash.xxh32_intdigest(text[starts[i] : stops[i]].encode())
        self.size += len(new)
        slots[missing] = self._find(keys[missing])
        return self.values[slots]


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
    token_hashes, lengths = batch_token_hashes(texts, hasher)
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
