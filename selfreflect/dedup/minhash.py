"""MinHash signatures for many texts at once, bit-identical to ``datasketch.MinHash``.

Same permutations as datasketch (``np.random.RandomState(seed)``) and the same arithmetic:

- ``scheme="affine32"`` (datasketch >= 2.0 default): ``fmix32(h)`` then ``a * h + b mod 2^32``
  with odd ``a``; uint32 wrap-around, the fast path (~1 G shingle x perm / s).
- ``scheme="legacy"`` (datasketch < 2.0): ``((a * h + b) mod 2^64) mod (2^61 - 1)`` truncated to
  32 bits, stored as uint64; ~3x slower, for signatures that must match older indexes.

``hash="xxh32"`` (default) hashes tokens once and combines them into n-gram hashes with numpy
(:func:`selfreflect.dedup.shingles.shingle_hash` is the matching datasketch ``hashfunc``);
``hash="sha1"`` hashes each shingle string with datasketch's ``sha1_hash32`` (slow, compatible
with ``datasketch.MinHash()`` built with its default hash function).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from selfreflect.dedup.mix import fmix32
from selfreflect.dedup.shingles import TokenHasher, batch_shingle_hashes, shingles

Scheme = Literal["affine32", "legacy"]
HashName = Literal["xxh32", "sha1"]

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
#: Shingles per numpy block (fits in a CPU cache; bounds temporary memory).
_BLOCK = 1 << 15
#: Permutations applied to a block at once (fewer numpy calls; 8 x 32k x 8 bytes stays in L2).
_CHUNK = 8


def permutations(num_perm: int, seed: int, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) permutation parameters datasketch draws for this seed and scheme."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        ab = np.array(
            [
                (
                    gen.randint(1, _MERSENNE, dtype=np.uint64),
                    gen.randint(0, _MERSENNE, dtype=np.uint64),
                )
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        ).T
        return ab[0].copy(), ab[1].copy()
    if scheme != "affine32":
        raise ValueError(f"scheme must be 'affine32' or 'legacy', got {scheme!r}")
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def empty_value(scheme: Scheme) -> int:
    """The value of a signature slot that saw no shingle (datasketch's max hash)."""
    return (1 << 32) - 1


class MinHasher:
    """Computes MinHash signatures (rows = texts, columns = permutations) in numpy batches."""

    def __init__(
        self,
        num_perm: int = 128,
        seed: int = 1,
        ngram: int = 2,
        scheme: Scheme = "affine32",
        hash: HashName = "xxh32",
    ) -> None:
        if hash not in ("xxh32", "sha1"):
            raise ValueError(f"hash must be 'xxh32' or 'sha1', got {hash!r}")
        self.num_perm = num_perm
        self.seed = seed
        self.ngram = ngram
        self.scheme = scheme
        self.hash = hash
        self.a, self.b = permutations(num_perm, seed, scheme)
        self.dtype = np.uint64 if scheme == "legacy" else np.uint32
        self._tokens = TokenHasher()

    def shingle_hashes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(hashes, offsets)`` of the shingles of every text (text i: offsets[i]:offsets[i+1])."""
        if self.hash == "xxh32":
            return batch_shingle_hashes(texts, self.ngram, self._tokens)
        from datasketch.hashfunc import sha1_hash32

        per_text = [
            [sha1_hash32(s.encode("utf-8")) for s in shingles(t, self.ngram)] for t in texts
        ]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in per_text], out=offsets[1:])
        flat = [h for p in per_text for h in p]
        return np.array(flat, dtype=np.uint32), offsets

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """One signature row per text; an empty text gets the all-max (empty) signature."""
        hashes, offsets = self.shingle_hashes(texts)
        return self.from_hashes(hashes, offsets)

    def from_hashes(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures from concatenated shingle hashes and their per-text offsets."""
        n = len(offsets) - 1
        sig = np.full((n, self.num_perm), empty_value(self.scheme), dtype=self.dtype)
        if self.scheme == "affine32":
            hv = fmix32(hashes.astype(np.uint32, copy=False))
        else:
            hv = hashes.astype(np.uint64)
        per_block = _BLOCK
        doc = 0
        while doc < n:
            # take whole texts until the block is full (at least one text)
            end = int(np.searchsorted(offsets, offsets[doc] + per_block, side="right")) - 1
            end = min(max(end, doc + 1), n)
            lo, hi = int(offsets[doc]), int(offsets[end])
            if hi > lo:
                self._block(hv[lo:hi], offsets[doc : end + 1] - lo, sig[doc:end])
            doc = end
        return sig

    def _block(self, hv: np.ndarray, offs: np.ndarray, out: np.ndarray) -> None:
        """Permute one block of shingle hashes and take the minimum per text into ``out``.

        ``_CHUNK`` permutations at a time over a contiguous block that stays in cache (~2 G
        shingle x perm / s; the whole (shingles x perms) outer product ran at ~0.2).
        """
        nonempty = np.diff(offs) > 0
        starts = offs[:-1][nonempty]
        target = out[nonempty] if not nonempty.all() else out
        legacy = self.scheme == "legacy"
        permuted = np.empty((_CHUNK, len(hv)), dtype=hv.dtype)
        with np.errstate(over="ignore"):
            for p in range(0, self.num_perm, _CHUNK):
                m = permuted[: min(_CHUNK, self.num_perm - p)]
                np.multiply(hv, self.a[p : p + len(m), None], out=m)
                m += self.b[p : p + len(m), None]
                if legacy:
                    m %= _MERSENNE
                    m &= _MAX32
                target[:, p : p + len(m)] = np.minimum.reduceat(m, starts, axis=1).T
        if target is not out:
            out[nonempty] = target
