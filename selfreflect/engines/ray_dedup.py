"""Distributed LSH dedup on Ray Data: keys in map_batches, a shuffle by shard, pairs, a decision.

1. ``map_batches``: bucket keys for each record (LSH bands; one key for exact dedup); one row per
   (record, key) with the band folded into the key and ``shard = key % shards``.
2. ``groupby("shard").map_groups``: one call per shard (not per bucket), vectorised: sort by key,
   every run of equal keys is a bucket, its members give candidate pairs.
3. Driver: the candidate pairs (they exist only for similar records) and the records that appear
   in them are collected; each pair is checked exactly (Jaccard of shingles); the verified pairs
   are decided in input order with the local rule (:func:`selfreflect.engines.lsh.resolve`).
   The driver therefore holds O(candidate pairs + records in a pair); see docs/scaling.md.
4. ``map_batches`` drops the duplicates (a broadcast ``{order: (kept id, score)}``).

Which steps run this way (:func:`dedup_adapter`): ``near_dedup`` and ``exact_dedup`` with
``keep="first"``, and any step that speaks
the protocol of :mod:`selfreflect.engines.lsh`. Other dedup settings run on the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from selfreflect.conversation import Conversation
from selfreflect.engines.lsh import mix_band, pairs_from_keys, resolve
from selfreflect.steps import Reject, Step

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

ORDER = "_order"


# -- adapters: what the distributed plumbing needs from a dedup step ---------------------------
class DedupAdapter:
    """Bucket keys, the exact check and the reject of one dedup step."""

    def __init__(self, step: Step):
        self.step = step

    def keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        """``(keys (n, k) uint64, usable (n,) bool)``; unusable records are never duplicates."""
        keys = np.asarray(self.step.band_keys(convs), dtype=np.uint64).reshape(len(convs), -1)
        return keys, np.ones(len(convs), dtype=bool)

    def scores(self, convs: dict[int, Conversation],
               pairs: Sequence[tuple[int, int]]) -> list[float | None]:
        """The score of each candidate pair, or None when it is not a duplicate."""
        return [self.step.verify(convs[a], convs[b]) for a, b in pairs]

    def finish(self, stats: Any) -> None:
        """Add the counters the local step keeps, from the stage's final stats."""

    def reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        """The reject the local step would give."""
        reason = self.step.duplicate_reason
        extra = {"jaccard": score} if reason == "near_duplicate" else {}
        return self.step.reject(conv, reason, duplicate_of=kept_id, **extra)


class NearDedupAdapter(DedupAdapter):
    """``near_dedup`` (selfreflect.dedup): its MinHash bands and its bottom-k Jaccard check."""

    def _hasher(self) -> Any:
        from selfreflect.dedup.minhash import MinHasher

        s = self.step
        return MinHasher(s.num_perm, s.seed, s.ngram, s.scheme, s.hash)

    def keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        from selfreflect.dedup.lsh import band_keys

        texts = [c.dedup_text(self.step.mode) for c in convs]
        hasher = self._hasher()
        hashes, offsets = hasher.shingle_hashes(texts)
        bands, rows = self.step.banding()
        keys = band_keys(hasher.from_hashes(hashes, offsets), bands, rows)
        return keys, np.diff(offsets) > 0

    def scores(self, convs: dict[int, Conversation],
               pairs: Sequence[tuple[int, int]]) -> list[float | None]:
        from selfreflect.dedup.samples import bottom_k, jaccard

        orders = sorted(convs)
        where = {o: i for i, o in enumerate(orders)}
        hashes, offsets = self._hasher().shingle_hashes(
            [convs[o].dedup_text(self.step.mode) for o in orders])
        k = self.step.sample
        sample, off = bottom_k(hashes, offsets, k)
        out: list[float | None] = []
        for a, b in pairs:
            i, j = where[a], where[b]
            score = jaccard(sample[off[i]:off[i + 1]], sample[off[j]:off[j + 1]], k)
            out.append(score if score >= self.step.threshold else None)
        return out

    def reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        s = self.step
        return s.reject(conv, "near_duplicate",
                        f"Jaccard {score:.3f} >= {s.threshold} with kept record {kept_id}",
                        duplicate_of=kept_id, jaccard=round(score, 4))


class ExactKeyAdapter(DedupAdapter):
    """Exact dedup by a digest of the compared text: one key (its first 8 bytes), checked whole."""

    def digest(self, conv: Conversation) -> bytes:
        """The digest two duplicates share."""
        raise NotImplementedError

    def keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        keys = [int.from_bytes(self.digest(c)[:8], "little") for c in convs]
        return np.array(keys, dtype=np.uint64).reshape(-1, 1), np.ones(len(convs), dtype=bool)

    def scores(self, convs: dict[int, Conversation],
               pairs: Sequence[tuple[int, int]]) -> list[float | None]:
        digest = {o: self.digest(c) for o, c in convs.items()}
        return [1.0 if digest[a] == digest[b] else None for a, b in pairs]


class ExactDedupAdapter(ExactKeyAdapter):
    """``exact_dedup`` (selfreflect.dedup)."""

    def digest(self, conv: Conversation) -> bytes:
        from selfreflect.dedup.exact import exact_key

        step = self.step
        return bytes.fromhex(exact_key(conv, step.mode, step.normalize, step.include_system))

    def reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        return self.step.reject(conv, "exact_duplicate", f"same {self.step.mode} text as "
                                f"{kept_id}", duplicate_of=kept_id, jaccard=1.0)


def dedup_adapter(step: Step) -> DedupAdapter | None:
    """The adapter that runs ``step`` distributed, or None (then it runs on the driver)."""
    module = type(step).__module__
    if module.startswith("selfreflect.dedup") and getattr(step, "keep", "first") == "first":
        if step.name == "near_dedup":
            return NearDedupAdapter(step)
        if step.name == "exact_dedup":
            return ExactDedupAdapter(step)
    if all(hasattr(step, a) for a in ("band_keys", "verify", "duplicate_reason")):
        return DedupAdapter(step)
    return None


# -- the distributed plumbing --------------------------------------------------------------------
def _band_keys(batch: pa.Table, adapter: DedupAdapter, shards: int) -> pa.Table:
    """Batch function: (record, key) rows with the mixed key and its shard."""
    import pyarrow as pa

    from selfreflect.engines.ray_engine import decode

    convs = [decode(t) for t in batch.column("conv").to_pylist()]
    orders = batch.column(ORDER).to_numpy()
    keys, usable = adapter.keys(convs)
    keys = mix_band(keys[usable])
    flat = keys.reshape(-1)
    return pa.table({
        "key": pa.array(flat, pa.uint64()),
        "shard": pa.array((flat % np.uint64(shards)).astype(np.int64), pa.int64()),
        ORDER: pa.array(np.repeat(orders[usable], keys.shape[1]), pa.int64()),
    })


def _shard_pairs(group: pa.Table) -> pa.Table:
    """All candidate pairs of one shard's buckets."""
    import pyarrow as pa

    pairs = sorted(pairs_from_keys(group.column("key").to_numpy(),
                                   group.column(ORDER).to_numpy()))
    return pa.table({"a": pa.array([p[0] for p in pairs], pa.int64()),
                     "b": pa.array([p[1] for p in pairs], pa.int64())})


def _involved(batch: pa.Table, orders: np.ndarray) -> pa.Table:
    """Batch function: only the rows whose order is in ``orders``."""
    return batch.filter(np.isin(batch.column(ORDER).to_numpy(), orders))


def candidate_pairs(adapter: DedupAdapter, ds: ray.data.Dataset, shards: int,
                    batch_size: int) -> set[tuple[int, int]]:
    """Candidate pairs ``(earlier order, later order)`` found by the distributed band shuffle."""
    keys = ds.map_batches(_band_keys, fn_args=(adapter, shards),
                          batch_size=batch_size, batch_format="pyarrow")
    pairs_ds = keys.groupby("shard").map_groups(_shard_pairs, batch_format="pyarrow")
    pairs: set[tuple[int, int]] = set()
    for batch in pairs_ds.iter_batches(batch_format="pyarrow", batch_size=65536):
        pairs.update(zip(batch.column("a").to_pylist(), batch.column("b").to_pylist(),
                         strict=True))
    return pairs


def find_duplicates(adapter: DedupAdapter, ds: ray.data.Dataset, shards: int,
                    batch_size: int) -> tuple[dict[int, tuple[str, float]], dict[str, int]]:
    """``{order of a duplicate: (id of the kept record it repeats, score)}`` and counters."""

    from selfreflect.engines.ray_engine import decode

    pairs = sorted(candidate_pairs(adapter, ds, shards, batch_size))
    counters = {"candidate_pairs": len(pairs)}
    if not pairs:
        return {}, counters
    involved = np.unique(np.fromiter((o for p in pairs for o in p), dtype=np.int64))
    rows = ds.map_batches(_involved, fn_args=(involved,),
                          batch_size=batch_size, batch_format="pyarrow").take_all()
    convs = {r[ORDER]: decode(r["conv"]) for r in rows}
    verified = [(a, b, float(score))
                for (a, b), score in zip(pairs, adapter.scores(convs, pairs), strict=True)
                if score is not None]
    counters["verified_pairs"] = len(verified)
    found = {dup: (convs[kept].id, score) for dup, (kept, score) in resolve(verified).items()}
    return found, counters
