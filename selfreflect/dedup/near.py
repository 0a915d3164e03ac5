"""Near-duplicate removal with MinHash + LSH, checked against the Jaccard similarity of shingles.

How a record is judged (``keep="first"``, streaming, in batches of ``batch_size``):

1. Its compared text is ``Conversation.dedup_text(mode)``: by default user + assistant turns, the
   system prompt masked (persona cards repeat on every record and would make unrelated records
   look alike). Word bigrams of normalised tokens (see :mod:`selfreflect.dedup.shingles`).
2. Its MinHash signature (datasketch-identical, :mod:`selfreflect.dedup.minhash`) is cut into
   bands chosen for recall (:func:`selfreflect.dedup.lsh.choose_bands`: 21 x 6 for 0.8 / 128).
3. Every kept record sharing a band is a candidate; the candidate with the highest Jaccard
   similarity (exact for texts up to ``sample`` shingles, bottom-k estimate above) decides: at
   or above ``threshold`` the record is rejected as ``near_duplicate`` of it.
4. Otherwise the record is kept and indexed. Only kept records are indexed, so no two kept
   records are near-duplicates of each other, and every reject names a record that was kept.

Memory per kept record: 12 bytes per band (252 for 21 bands) + at most ``4 * sample`` bytes of
shingle hashes + its id; measured 493 bytes per indexed record at 1M short chat records
(``counters.index_bytes`` in the report). ``keep="longest"`` or ``"score"`` buffer the whole
input first (two passes). ``index="redis"`` keeps the band buckets in Redis through datasketch's
MinHashLSH (the samples and ids stay in process; ~8x slower, see docs/benchmarks.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field

from selfreflect.conversation import Conversation, DedupMode
from selfreflect.dedup.index import CandidateIndex, DatasketchIndex, NumpyIndex
from selfreflect.dedup.keep import batched, check_keep, in_keep_order
from selfreflect.dedup.lsh import choose_bands
from selfreflect.dedup.minhash import HashName, MinHasher, Scheme
from selfreflect.dedup.samples import SampleStore, bottom_k, jaccard
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Step

INDEXES = ("memory", "datasketch", "redis")


class NearDedup(Step):
    """Drop conversations whose turns (system prompt masked) are near-copies of a kept one."""

    name = "near_dedup"
    reasons: ClassVar[dict[str, str]] = {
        "near_duplicate": "Jaccard similarity of word bigrams >= threshold with a kept record",
    }

    def __init__(
        self,
        mode: DedupMode = "conversation",
        threshold: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.8,
        num_perm: Annotated[int, Field(ge=2, le=1024)] = 128,
        ngram: Annotated[int, Field(ge=1, le=32)] = 2,
        seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 1,
        bands: Annotated[int, Field(ge=1, le=1024)] | None = None,
        rows: Annotated[int, Field(ge=1, le=1024)] | None = None,
        scheme: Scheme = "affine32",
        hash: HashName = "xxh32",
        sample: Annotated[int, Field(ge=1, le=100_000)] = 256,
        keep: str = "first",
        score_key: str | None = None,
        index: str = "memory",
        redis: dict[str, Any] | None = None,
        batch_size: Annotated[int, Field(ge=1, le=1_000_000)] = 1024,
    ):
        self.mode = mode
        self.threshold = threshold
        self.num_perm = num_perm
        self.ngram = ngram
        self.seed = seed
        self.bands = bands
        self.rows = rows
        self.scheme = scheme
        self.hash = hash
        self.sample = sample
        self.keep = keep
        self.score_key = score_key
        self.index = index
        self.redis = redis
        self.batch_size = batch_size

    def banding(self) -> tuple[int, int]:
        """(bands, rows): as given, or chosen for >= 99% candidate recall at the threshold."""
        if self.bands and self.rows:
            if self.bands * self.rows > self.num_perm:
                raise ValueError(
                    f"bands x rows = {self.bands * self.rows} > num_perm {self.num_perm}"
                )
            return self.bands, self.rows
        if self.bands or self.rows:
            raise ValueError("give both bands and rows, or neither")
        return choose_bands(self.threshold, self.num_perm)

    def _make_index(self, bands: int, rows: int) -> CandidateIndex:
        if self.index == "memory":
            return NumpyIndex(bands, rows)
        if self.index == "datasketch":
            return DatasketchIndex(bands, rows, self.num_perm, self.scheme)
        if self.index == "redis":
            return DatasketchIndex(bands, rows, self.num_perm, self.scheme,
                                   redis=self.redis or {"host": "127.0.0.1", "port": 6379})
        raise ValueError(f"index must be one of {', '.join(INDEXES)}, got {self.index!r}")

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        check_keep(self.keep, self.score_key)
        state = _State(self, stats)
        try:
            if self.keep == "first":
                for batch in batched(records, self.batch_size):
                    yield from state.judge(batch)
            else:
                buffered, order = in_keep_order(records, self.keep, self.mode, self.score_key)
                outcomes: list[Outcome | None] = [None] * len(buffered)
                for chunk in batched(order, self.batch_size):
                    for i, outcome in zip(chunk, state.judge([buffered[i] for i in chunk]),
                                          strict=True):
                        outcomes[i] = outcome
                del buffered
                for outcome in outcomes:
                    assert outcome is not None
                    yield outcome
        finally:
            state.finish()


class _State:
    """The index, the kept records' shingle samples and ids, for one run."""

    def __init__(self, step: NearDedup, stats: StepStats) -> None:
        self.step = step
        self.stats = stats
        bands, rows = step.banding()
        self.hasher = MinHasher(step.num_perm, step.seed, step.ngram, step.scheme, step.hash)
        self.index = step._make_index(bands, rows)
        self.samples = SampleStore()
        self.ids: list[str] = []
        stats.counters["bands"] = bands
        stats.counters["rows"] = rows

    def judge(self, batch: list[Conversation]) -> list[Outcome]:
        """Outcomes for one batch, in order, indexing the records it keeps."""
        step, k = self.step, self.step.sample
        texts = [conv.dedup_text(step.mode) for conv in batch]
        hashes, offsets = self.hasher.shingle_hashes(texts)
        sigs = self.hasher.from_hashes(hashes, offsets)
        sample, sample_off = bottom_k(hashes, offsets, k)
        nonempty = np.diff(offsets) > 0
        self.stats.counters["empty_text"] += int((~nonempty).sum())

        # candidates among records kept in earlier batches
        rows, owners = self.index.query(sigs)
        earlier: dict[int, set[int]] = {}
        for row, owner in zip(rows.tolist(), owners.tolist(), strict=True):
            earlier.setdefault(row, set()).add(owner)
        # candidates inside this batch: earlier rows kept so far that share a band key
        # (buckets hold kept rows only, so a batch of identical "hi"s stays linear)
        keys = self._batch_keys(sigs).tolist()
        buckets: dict[int, list[int]] = {}

        outcomes: list[Outcome] = []
        kept_rows: list[int] = []
        base = len(self.ids)
        for row, conv in enumerate(batch):
            if not nonempty[row]:
                outcomes.append(conv)
                continue
            within: set[int] = set()
            for key in keys[row]:
                bucket = buckets.get(key)
                if bucket:
                    within.update(bucket)
            mine = sample[sample_off[row] : sample_off[row + 1]]
            best, best_j = None, -1.0
            for owner in sorted(earlier.get(row, ())):
                j = jaccard(mine, self.samples[owner], k)
                self.stats.counters["checked"] += 1
                if j > best_j:
                    best, best_j = self.ids[owner], j
            for other in sorted(within):
                theirs = sample[sample_off[other] : sample_off[other + 1]]
                j = jaccard(mine, theirs, k)
                self.stats.counters["checked"] += 1
                if j > best_j:
                    best, best_j = batch[other].id, j
            if best is not None and best_j >= step.threshold:
                outcomes.append(step.reject(
                    conv, "near_duplicate",
                    f"Jaccard {best_j:.3f} >= {step.threshold} with kept record {best}",
                    duplicate_of=best, jaccard=round(best_j, 4),
                ))
                continue
            for key in keys[row]:
                buckets.setdefault(key, []).append(row)
            kept_rows.append(row)
            self.ids.append(conv.id)
            outcomes.append(conv)

        if kept_rows:
            chosen = np.array(kept_rows)
            self.index.add(sigs[chosen], base + np.arange(len(chosen)))
            counts = np.diff(sample_off)[chosen]
            new_off = np.zeros(len(chosen) + 1, dtype=np.int64)
            np.cumsum(counts, out=new_off[1:])
            parts = [sample[sample_off[r] : sample_off[r + 1]] for r in kept_rows]
            self.samples.extend(np.concatenate(parts), new_off)
        return outcomes

    def _batch_keys(self, sigs: np.ndarray) -> np.ndarray:
        """Band keys for the within-batch buckets (any collision-free band hash will do)."""
        from selfreflect.dedup.lsh import band_keys

        bands, rows = self.step.banding()
        return band_keys(sigs, bands, rows)

    def finish(self) -> None:
        """Report index size and free it (Redis keys included)."""
        self.stats.counters["indexed"] = len(self.ids)
        id_bytes = sys.getsizeof(self.ids) + sum(sys.getsizeof(i) for i in self.ids)
        self.stats.counters["index_bytes"] = self.index.nbytes + self.samples.nbytes + id_bytes
        self.index.close()
