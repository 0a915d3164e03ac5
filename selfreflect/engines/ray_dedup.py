"""Distributed LSH dedup on Ray Data: keys in map_batches, a shuffle by shard, pairs, components.

1. ``map_batches``: the step's ``band_keys`` for each record; one row per (record, band) with the
   band folded into the key and ``shard = key % shards``.
2. ``groupby("shard").map_groups``: one call per shard (not per bucket), vectorised: sort by key,
   every run of equal keys is a bucket, its members give candidate pairs.
3. Driver: the candidate pairs (small: they exist only for similar records) and the texts of the
   records that appear in them are collected; ``verify`` checks each pair exactly; connected
   components pick the first record of each cluster. The driver therefore holds
   O(candidate pairs + records in a pair); see docs/scaling.md for where that stops fitting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selfreflect.engines.lsh import mix_band, pairs_from_keys, resolve
from selfreflect.steps import Step

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

ORDER = "_order"


class _BandKeys:
    """Batch function: (record, band) rows with the mixed key and its shard."""

    def __init__(self, step: Step, shards: int):
        self.step = step
        self.shards = shards

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        from selfreflect.engines.ray_engine import decode

        convs = [decode(t) for t in batch.column("conv").to_pylist()]
        orders = batch.column(ORDER).to_numpy()
        keys = mix_band(np.asarray(self.step.band_keys(convs), dtype=np.uint64).reshape(
            len(convs), -1))
        flat = keys.reshape(-1)
        return pa.table({
            "key": pa.array(flat, pa.uint64()),
            "shard": pa.array((flat % np.uint64(self.shards)).astype(np.int64), pa.int64()),
            ORDER: pa.array(np.repeat(orders, keys.shape[1]), pa.int64()),
        })


def _shard_pairs(group: pa.Table) -> pa.Table:
    """All candidate pairs of one shard's buckets."""
    import pyarrow as pa

    pairs = sorted(pairs_from_keys(group.column("key").to_numpy(),
                                   group.column(ORDER).to_numpy()))
    return pa.table({"a": pa.array([p[0] for p in pairs], pa.int64()),
                     "b": pa.array([p[1] for p in pairs], pa.int64())})


class _Involved:
    """Batch function: only the rows whose order is in a given set."""

    def __init__(self, orders: Any):
        import ray

        self.orders = ray.get(orders) if isinstance(orders, ray.ObjectRef) else orders

    def __call__(self, batch: pa.Table) -> pa.Table:
        mask = np.isin(batch.column(ORDER).to_numpy(), self.orders)
        return batch.filter(mask)


def candidate_pairs(step: Step, ds: ray.data.Dataset, shards: int,
                    batch_size: int) -> set[tuple[int, int]]:
    """Candidate pairs ``(earlier order, later order)`` found by the distributed band shuffle."""
    keys = ds.map_batches(_BandKeys, fn_constructor_args=(step, shards),
                          batch_size=batch_size, batch_format="pyarrow")
    pairs_ds = keys.groupby("shard").map_groups(_shard_pairs, batch_format="pyarrow")
    pairs: set[tuple[int, int]] = set()
    for batch in pairs_ds.iter_batches(batch_format="pyarrow", batch_size=65536):
        pairs.update(zip(batch.column("a").to_pylist(), batch.column("b").to_pylist(),
                         strict=True))
    return pairs


def find_duplicates(step: Step, ds: ray.data.Dataset, shards: int,
                    batch_size: int) -> dict[int, tuple[str, float]]:
    """``{order of a duplicate: (id of the record kept for it, score)}``."""
    import ray

    from selfreflect.engines.ray_engine import decode

    pairs = candidate_pairs(step, ds, shards, batch_size)
    if not pairs:
        return {}
    involved = np.unique(np.fromiter((o for p in pairs for o in p), dtype=np.int64))
    rows = ds.map_batches(_Involved, fn_constructor_args=(ray.put(involved),),
                          batch_size=batch_size, batch_format="pyarrow").take_all()
    convs = {r[ORDER]: decode(r["conv"]) for r in rows}
    verified = []
    for a, b in sorted(pairs):
        score = step.verify(convs[a], convs[b])
        if score is not None:
            verified.append((a, b, float(score)))
    return {dup: (convs[rep].id, score) for dup, (rep, score) in resolve(verified).items()}
