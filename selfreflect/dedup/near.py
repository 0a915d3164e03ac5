"""Near-duplicate removal with MinHash + LSH, checked against the Jaccard similarity of shingles.

How a record is judged (``keep="first"``, streaming, in batches of ``batch_size``):

1. Its compared text is ``Conversation.dedup_text(mode)``: by default user + assistant turns, the
   system prompt masked (persona cards repeat on every record and would make unrelated records
   look alike). Word bigrams of normalised tokens (see :mod:`selfreflect.dedup.shingles`).
2. Its MinHash signature (datasketch-identical, :mod:`selfreflect.dedup.minhash`) is cut into
   bands chosen for recall (:func:`selfreflect.dedup.lsh.choose_bands`: 21 x 6 for 0.8 / 128).
3. Every kept record sharing a band is a candidate; the candidate with the highest Jaccard
   similarity (exact for texts up to ``sample`` shingles, bottom-k estimate above) decides: at
   or above ``threshold`` the record is rejected as ``near_duplicate`` of it (ties: the
   earliest kept record).
4. Otherwise the record is kept and indexed. Only kept records are indexed, so no two kept
   records are near-duplicates of each other, and every reject names a record that was kept.

A batch is judged at once (:mod:`selfreflect.dedup.pairs`, docs/decisions/dedup-numpy.md): all
its candidate pairs are checked in one vectorised pass (``counters.checked``; pairs whose set
sizes rule out the threshold are skipped), and only records with a match go through the
keep-first pass in Python. The outcomes are those of the record-by-record rule above.

Memory per kept record: 5 bytes per band (105 for 21 bands, :mod:`selfreflect.dedup.runs`) +
4 bytes per distinct shingle (at most ``sample``) + a 4-byte offset + its packed id (8 bytes;
``counters.index_bytes`` in the report; 287 bytes at 1M records, docs/benchmarks.md).
``keep="longest"`` or ``"score"`` buffer the whole input first (two passes).
``index="redis"`` keeps the band buckets in Redis through datasketch's MinHashLSH (the samples
and ids stay in process; ~8x slower, see docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from selfreflect.conversation import Conversation, DedupMode
from selfreflect.dedup.index import CandidateIndex, DatasketchIndex, NumpyIndex
from selfreflect.dedup.keep import Keep, batched, check_keep, in_keep_order
from selfreflect.dedup.lsh import band_keys as keys_of_bands
from selfreflect.dedup.lsh import choose_bands
from selfreflect.dedup.minhash import HashName, MinHasher, Scheme
from selfreflect.dedup.pairs import gather, pair_jaccard
from selfreflect.dedup.samples import SampleStore, bottom_k, distinct, head, jaccard
from selfreflect.dedup.store import IdStore
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Reject, Step

INDEXES = ("memory", "datasketch", "redis")
IndexName = Literal["memory", "datasketch", "redis"]
#: Candidate pairs inside one batch, per record, above which the batch is judged record by record.
_PAIR_BUDGET = 16


class NearDedup(Step):
    """Drop conversations whose turns (system prompt masked) are near-copies of a kept one.

    Args:
        mode: which text is compared: conversation (user and assistant turns), user, assistant
            or first_user (the opening question only).
        threshold: the Jaccard similarity of word n-grams at or above which a record is a near
            duplicate of a kept one (1 = identical n-gram sets).
        num_perm: MinHash permutations per record; more gives finer similarity estimates and
            costs time and 5 bytes of band keys per band.
        ngram: words per shingle (2 = word bigrams: one changed word in a long text still
            matches).
        seed: the number the random hash permutations are drawn from; the same number gives
            the same signatures as datasketch.
        bands: LSH bands; null chooses bands and rows for 99% recall at the threshold (21 x 6
            for 0.8 at 128 permutations). Give both bands and rows, or neither.
        rows: signature rows per band (bands x rows must not exceed num_perm); null: chosen
            with bands.
        scheme: how permutations are computed: affine32 (fast, datasketch's) or legacy.
        hash: how a shingle becomes a number: xxh32 (fast) or sha1 (datasketch's default).
        sample: most distinct shingles kept per record for the exact check; texts with more
            are compared by a bottom-k estimate.
        keep: which record of a group is kept: first (streaming), longest or score (both read
            the whole input first).
        score_key: with keep=score, the metadata field holding the score (higher is kept).
        index: where band buckets live: memory, datasketch (its MinHashLSH) or redis.
        redis: with index=redis, the connection settings (host, port, ...); null:
            127.0.0.1:6379.
        batch_size: records judged at once (bigger batches vectorise better and hold more
            memory).
    """

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
        keep: Keep = "first",
        score_key: str | None = None,
        index: IndexName = "memory",
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

    # -- the banding protocol (selfreflect.dedup.banding): how engines run it distributed ------
    @property
    def distributable(self) -> bool:
        """Keep-first runs as bands + checks; keeping by score needs the whole stream."""
        return self.keep == "first"

    def _hasher(self) -> MinHasher:
        return MinHasher(self.num_perm, self.seed, self.ngram, self.scheme, self.hash)

    def band_keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        """The MinHash band keys of each record; a record without shingles never matches."""
        hasher = self._hasher()
        hashes, offsets = hasher.shingle_hashes([c.dedup_text(self.mode) for c in convs])
        bands, rows = self.banding()
        signatures = hasher.from_hashes(hashes, offsets)
        return keys_of_bands(signatures, bands, rows), np.diff(offsets) > 0

    def verify_pairs(
        self, convs: Mapping[int, Conversation], pairs: Sequence[tuple[int, int]]
    ) -> list[float | None]:
        """The bottom-k Jaccard of each pair's shingles when it reaches the threshold, else None."""
        orders = sorted(convs)
        where = {o: i for i, o in enumerate(orders)}
        hashes, offsets = self._hasher().shingle_hashes(
            [convs[o].dedup_text(self.mode) for o in orders]
        )
        sample, off = bottom_k(hashes, offsets, self.sample)
        out: list[float | None] = []
        for a, b in pairs:
            i, j = where[a], where[b]
            score = jaccard(sample[off[i] : off[i + 1]], sample[off[j] : off[j + 1]], self.sample)
            out.append(score if score >= self.threshold else None)
        return out

    def duplicate_reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        """The near_duplicate reject this step gives when it runs locally."""
        return self.reject(
            conv,
            "near_duplicate",
            f"Jaccard {score:.3f} >= {self.threshold} with kept record {kept_id}",
            duplicate_of=kept_id,
            jaccard=round(score, 4),
        )

    def _make_index(self, bands: int, rows: int) -> CandidateIndex:
        if self.index == "memory":
            return NumpyIndex()
        if self.index == "datasketch":
            return DatasketchIndex(bands, rows, self.num_perm, self.scheme)
        if self.index == "redis":
            return DatasketchIndex(
                bands,
                rows,
                self.num_perm,
                self.scheme,
                redis=self.redis or {"host": "127.0.0.1", "port": 6379},
            )
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
                    for i, outcome in zip(
                        chunk, state.judge([buffered[i] for i in chunk]), strict=True
                    ):
                        outcomes[i] = outcome
                del buffered
                for decided_outcome in outcomes:
                    assert decided_outcome is not None
                    yield decided_outcome
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
        self.ids = IdStore()
        stats.counters["bands"] = bands
        stats.counters["rows"] = rows

    def judge(self, batch: list[Conversation]) -> list[Outcome]:
        """Outcomes for one batch, in order, indexing the records it keeps."""
        step, k = self.step, self.step.sample
        texts = [conv.dedup_text(step.mode) for conv in batch]
        hashes, offsets = distinct(*self.hasher.shingle_hashes(texts))
        sigs = self.hasher.from_hashes(hashes, offsets)  # a set's MinHash: repeats add nothing
        sample, sample_off = head(hashes, offsets, k)
        nonempty = np.diff(offsets) > 0
        self.stats.counters["empty_text"] += int((~nonempty).sum())
        keys = self._batch_keys(sigs)
        within = _within_pairs(keys, nonempty, budget=_PAIR_BUDGET * len(batch))
        if within is None:  # a flood of look-alikes: visit records one by one (stays linear)
            return self._judge_per_record(batch, sigs, keys, sample, sample_off, nonempty)
        base = len(self.ids)
        rows, owners = self.index.query(sigs, keys)
        rows, owners = _unique_pairs(rows, owners)
        e_j = self._jaccard(rows, owners, sample, sample_off, True)
        w_later, w_earlier = within
        w_j = self._jaccard(w_later, w_earlier, sample, sample_off, False)

        t = step.threshold
        earlier: dict[int, list[tuple[float, int]]] = {}
        for row, owner, j in zip(
            rows[e_j >= t].tolist(), owners[e_j >= t].tolist(), e_j[e_j >= t].tolist(), strict=True
        ):
            earlier.setdefault(row, []).append((j, owner))
        inside: dict[int, list[tuple[float, int]]] = {}
        for later, other, j in zip(
            w_later[w_j >= t].tolist(),
            w_earlier[w_j >= t].tolist(),
            w_j[w_j >= t].tolist(),
            strict=True,
        ):
            inside.setdefault(later, []).append((j, other))

        outcomes: list[Outcome] = list(batch)
        kept = nonempty.copy()
        for row in sorted(earlier.keys() | inside.keys()):
            # the most similar kept candidate; ties: the earliest (earlier batches first)
            best: tuple[float, int, int] | None = None
            for j, owner in earlier.get(row, ()):
                if best is None or (-j, 0, owner) < (-best[0], best[1], best[2]):
                    best = (j, 0, owner)
            for j, other in inside.get(row, ()):
                if kept[other] and (best is None or (-j, 1, other) < (-best[0], best[1], best[2])):
                    best = (j, 1, other)
            if best is None:
                continue
            kept[row] = False
            best_j, is_inside, number = best
            best_id = batch[number].id if is_inside else self.ids[number]
            outcomes[row] = step.duplicate_reject(batch[row], best_id, best_j)
        self._index_kept(batch, np.flatnonzero(kept), sigs, keys, sample, sample_off, base)
        return outcomes

    def _jaccard(
        self,
        rows: np.ndarray,
        others: np.ndarray,
        sample: np.ndarray,
        sample_off: np.ndarray,
        stored: bool,
    ) -> np.ndarray:
        """Jaccard of (batch row, other) pairs, the other kept earlier (``stored``) or in this
        batch; pairs whose sizes alone rule out the threshold get 0 without a check."""
        k, t = self.step.sample, self.step.threshold
        store_off = self.samples.offsets if stored else sample_off
        a_len = sample_off[rows + 1] - sample_off[rows]
        b_len = store_off[others + 1].astype(np.int64) - store_off[others]
        small, large = np.minimum(a_len, b_len), np.maximum(a_len, b_len)
        # exact sets: J <= small / large (slack so rounding never rules out a real match)
        check = (a_len >= k) | (b_len >= k) | (small >= t * large - 1e-9 * large)
        check &= small > 0
        out = np.zeros(len(rows), dtype=np.float64)
        idx = np.flatnonzero(check)
        if len(idx):
            a, a_n = gather(sample, sample_off, rows[idx])
            b, b_n = gather(self.samples.data if stored else sample, store_off, others[idx])
            out[idx] = pair_jaccard(a, a_n, b, b_n, k)
        self.stats.counters["checked"] += len(idx)
        return out

    def _index_kept(
        self,
        batch: list[Conversation],
        kept_rows: np.ndarray,
        sigs: np.ndarray,
        keys: np.ndarray,
        sample: np.ndarray,
        sample_off: np.ndarray,
        base: int,
    ) -> None:
        """Index the kept rows of a batch: band keys, shingle samples, ids."""
        if not len(kept_rows):
            return
        self.index.add(sigs[kept_rows], keys[kept_rows], base + np.arange(len(kept_rows)))
        parts, counts = gather(sample, sample_off, kept_rows)
        new_off = np.zeros(len(kept_rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=new_off[1:])
        self.samples.extend(parts, new_off)
        self.ids.extend([batch[r].id for r in kept_rows.tolist()])

    def _judge_per_record(
        self,
        batch: list[Conversation],
        sigs: np.ndarray,
        keys: np.ndarray,
        sample: np.ndarray,
        sample_off: np.ndarray,
        nonempty: np.ndarray,
    ) -> list[Outcome]:
        """The same decisions record by record: candidates in this batch come from buckets of
        kept rows only, so a batch of identical "hi"s stays linear."""
        step, k = self.step, self.step.sample
        rows, owners = self.index.query(sigs, keys)
        earlier: dict[int, set[int]] = {}
        for row, owner in zip(rows.tolist(), owners.tolist(), strict=True):
            earlier.setdefault(row, set()).add(owner)
        key_lists = keys.tolist()
        buckets: dict[int, list[int]] = {}
        outcomes: list[Outcome] = []
        kept_rows: list[int] = []
        base = len(self.ids)
        for row, conv in enumerate(batch):
            if not nonempty[row]:
                outcomes.append(conv)
                continue
            within: set[int] = set()
            for key in key_lists[row]:
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
                outcomes.append(step.duplicate_reject(conv, best, best_j))
                continue
            for key in key_lists[row]:
                buckets.setdefault(key, []).append(row)
            kept_rows.append(row)
            outcomes.append(conv)
        kept_array = np.array(kept_rows, dtype=np.int64)
        self._index_kept(batch, kept_array, sigs, keys, sample, sample_off, base)
        return outcomes

    def _batch_keys(self, sigs: np.ndarray) -> np.ndarray:
        """Band keys: for the within-batch buckets and the index."""
        bands, rows = self.step.banding()
        return keys_of_bands(sigs, bands, rows)

    def finish(self) -> None:
        """Report index size and free it (Redis keys included)."""
        self.stats.counters["indexed"] = len(self.ids)
        self.stats.counters["index_bytes"] = (
            self.index.nbytes + self.samples.nbytes + self.ids.nbytes
        )
        self.index.close()


def _unique_pairs(rows: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (row, other) pairs, sorted by row then other."""
    if not len(rows):
        return rows, others
    code = np.unique((rows.astype(np.int64) << 32) | others.astype(np.int64))
    return code >> 32, code & 0xFFFFFFFF


def _within_pairs(
    keys: np.ndarray, nonempty: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(later row, earlier row) pairs of a batch that share a band key (non-empty rows only);
    None when there are more than ``budget`` (a flood of look-alikes)."""
    n, bands = keys.shape
    row_of = np.repeat(np.arange(n, dtype=np.int64), bands)[np.repeat(nonempty, bands)]
    flat = keys[nonempty].ravel()
    order = np.argsort(flat, kind="stable")  # equal keys keep row order
    flat, row_of = flat[order], row_of[order]
    new_group = np.ones(len(flat), dtype=bool)
    new_group[1:] = flat[1:] != flat[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(flat)), 0))
    rank = np.arange(len(flat)) - group_start  # members of the same bucket before this one
    total = int(rank.sum())
    if total > budget:
        return None
    later = np.repeat(row_of, rank)
    first = np.repeat(group_start, rank)
    step_in = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(rank) - rank, rank)
    earlier = row_of[first + step_in]
    mask = earlier < later
    return _unique_pairs(later[mask], earlier[mask])
