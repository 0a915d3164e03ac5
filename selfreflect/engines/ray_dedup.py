"""Distributed LSH dedup on Ray Data: keys in map_batches, a shuffle by shard, pairs, a decision.

1. ``map_batches``: bucket keys for each record (LSH bands; one key for exact dedup); one row per
   (record, key) with the band folded into the key and ``shard = key % shards``.
2. ``groupby("shard").map_groups``: one call per shard (not per bucket), vectorised: sort by key,
   every run of equal keys is a bucket, its members give candidate pairs.
3. Driver: the candidate pairs (they exist only for similar records) and the records that appear
   in them are collected; each pair is checked exactly (Jaccard of shingles); the verified pairs
   are decided in input order with the local rule (:func:`selfreflect.dedup.lsh.resolve`).
   The driver therefore holds O(candidate pairs + records in a pair); see docs/scaling.md.
4. ``map_batches`` drops the duplicates (a broadcast ``{order: (kept id, score)}``).

Which steps run this way: any step that speaks the banding protocol of
:mod:`selfreflect.dedup.banding` and says it is ``distributable`` (``near_dedup`` and
``exact_dedup`` with ``keep="first"``, or a plugin's). The engine knows nothing else about
them: no names, modules or parameters. Other stream steps run on the driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from selfreflect.dedup.banding import Banding
from selfreflect.dedup.lsh import mix_band, pairs_from_keys, resolve

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

ORDER = "_order"


# -- the distributed plumbing --------------------------------------------------------------------
def _band_keys(batch: pa.Table, step: Banding, shards: int) -> pa.Table:
    """Batch function: (record, key) rows with the mixed key and its shard."""
    import pyarrow as pa

    from selfreflect.engines.ray_rows import decode

    convs = [decode(t) for t in batch.column("conv").to_pylist()]
    orders = batch.column(ORDER).to_numpy()
    keys, usable = step.band_keys(convs)
    keys = np.asarray(keys, dtype=np.uint64).reshape(len(convs), -1)
    keys = mix_band(keys[usable])
    flat = keys.reshape(-1)
    return pa.table(
        {
            "key": pa.array(flat, pa.uint64()),
            "shard": pa.array((flat % np.uint64(shards)).astype(np.int64), pa.int64()),
            ORDER: pa.array(np.repeat(orders[usable], keys.shape[1]), pa.int64()),
        }
    )


def _shard_pairs(group: pa.Table) -> pa.Table:
    """All candidate pairs of one shard's buckets."""
    import pyarrow as pa

    pairs = sorted(pairs_from_keys(group.column("key").to_numpy(), group.column(ORDER).to_numpy()))
    return pa.table(
        {
            "a": pa.array([p[0] for p in pairs], pa.int64()),
            "b": pa.array([p[1] for p in pairs], pa.int64()),
        }
    )


def _involved(batch: pa.Table, orders: np.ndarray) -> pa.Table:
    """Batch function: only the rows whose order is in ``orders``."""
    return batch.filter(np.isin(batch.column(ORDER).to_numpy(), orders))


def candidate_pairs(
    step: Banding, ds: ray.data.Dataset, shards: int, batch_size: int
) -> set[tuple[int, int]]:
    """Candidate pairs ``(earlier order, later order)`` found by the distributed band shuffle."""
    # ray types fn as taking the batch alone, though fn_args passes the rest
    keys = ds.map_batches(
        _band_keys,  # type: ignore[arg-type]
        fn_args=(step, shards),
        batch_size=batch_size,
        batch_format="pyarrow",
    )
    pairs_ds = keys.groupby("shard").map_groups(_shard_pairs, batch_format="pyarrow")
    pairs: set[tuple[int, int]] = set()
    for batch in pairs_ds.iter_batches(batch_format="pyarrow", batch_size=65536):
        table = cast("pa.Table", batch)  # batch_format="pyarrow": a pyarrow Table
        pairs.update(zip(table.column("a").to_pylist(), table.column("b").to_pylist(), strict=True))
    return pairs


def find_duplicates(
    step: Banding, ds: ray.data.Dataset, shards: int, batch_size: int
) -> tuple[dict[int, tuple[str, float]], dict[str, int]]:
    """``{order of a duplicate: (id of the kept record it repeats, score)}`` and counters."""

    from selfreflect.engines.ray_rows import decode

    pairs = sorted(candidate_pairs(step, ds, shards, batch_size))
    counters = {"candidate_pairs": len(pairs)}
    if not pairs:
        return {}, counters
    involved = np.unique(np.fromiter((o for p in pairs for o in p), dtype=np.int64))
    rows = ds.map_batches(
        _involved,  # type: ignore[arg-type]
        fn_args=(involved,),
        batch_size=batch_size,
        batch_format="pyarrow",
    ).take_all()
    convs = {r[ORDER]: decode(r["conv"]) for r in rows}
    verified = [
        (a, b, float(score))
        for (a, b), score in zip(pairs, step.verify_pairs(convs, pairs), strict=True)
        if score is not None
    ]
    counters["verified_pairs"] = len(verified)
    found = {dup: (convs[kept].id, score) for dup, (kept, score) in resolve(verified).items()}
    return found, counters
