"""Near-duplicate removal benchmark: selfreflect vs datasketch vs rensa, in one run.

Corpus: real dialog lines from the ``chatterbot-corpus`` PyPI package (7.6k conversations in 28
languages, written by its contributors), assembled into multi-turn chat records (one language
per record, 3 to 14 exchanges drawn from that language's dialog lines) with a persona
system prompt, plus planted near-duplicates (word substitutions, case/punctuation changes, a
changed system prompt, a dropped or added exchange) whose exact Jaccard is computed.

Ground truth: every pair whose exact Jaccard of word-bigram shingle sets (conversation mode,
system prompt masked) is >= the threshold, found exhaustively with prefix filtering.

    pip install -e '.[bench]'
    python bench/dedup.py --docs 100000            # the table in docs/benchmarks.md
    python bench/dedup.py --docs 1000000 --million  # memory per indexed record at 1M records
    python bench/dedup.py --docs 676000 --band-index  # the band index alone: add, query, bytes
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.dedup import ExactDedup, MinHasher, NearDedup, shingles
from selfreflect.pipeline import Pipeline

PERSONAS = [
    "You are a helpful assistant.",
    "You are Captain Nemo, a gruff but kind submarine captain who answers in short sentences.",
    "You are a friendly tutor for children. Explain things simply and kindly.",
    "You are a support agent for a phone company. Be polite and precise.",
]
NUM_PERM = 128
# single core for every tool (rensa would otherwise use a thread pool)
os.environ.setdefault("RAYON_NUM_THREADS", "1")


# -- corpus -----------------------------------------------------------------------------------
def dialog_pairs_by_language() -> dict[str, list[tuple[str, str]]]:
    """(user, assistant) pairs per language: consecutive lines of chatterbot-corpus dialogs."""
    import chatterbot_corpus
    import yaml

    root = os.path.join(os.path.dirname(chatterbot_corpus.__file__), "data")
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(root, "*", "*.yml"))):
        language = os.path.basename(os.path.dirname(path))
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for conv in (data or {}).get("conversations") or []:
            lines = [str(x) for x in conv if x is not None]
            pairs[language] += [(lines[i], lines[i + 1]) for i in range(len(lines) - 1)]
    return dict(pairs)


def dialog_pairs() -> list[tuple[str, str]]:
    """All (user, assistant) pairs, every language."""
    return [p for pairs in dialog_pairs_by_language().values() for p in pairs]


def perturb(rng: random.Random, text: str, vocab: list[str], edits: int) -> str:
    """Substitute ``edits`` words; sometimes change case and punctuation too."""
    words = text.split(" ")
    for _ in range(edits):
        words[rng.randrange(len(words))] = rng.choice(vocab)
    out = " ".join(words)
    if rng.random() < 0.3:
        out = out.lower().replace(".", "").replace("?", " ?")
    return out


def build_corpus(
    n: int, seed: int = 0, dup_rate: float = 0.15, exchanges: tuple[int, int] = (3, 14)
) -> list[Conversation]:
    """n records of ``exchanges`` (min, max) exchanges; ``dup_rate`` of them are planted
    near-copies of an earlier record."""
    rng = random.Random(seed)
    by_language = dialog_pairs_by_language()
    languages = sorted(by_language)
    weights = [len(by_language[lang]) for lang in languages]
    pairs = [p for lang in languages for p in by_language[lang]]
    vocab = sorted({w for u, a in pairs[:5000] for w in (u + " " + a).split()})
    records: list[Conversation] = []
    for i in range(n):
        if records and rng.random() < dup_rate:
            src = records[rng.randrange(len(records))]
            turns = [(m.role, m.content) for m in src.messages if m.role != "system"]
            kind = rng.random()
            if kind < 0.1 and len(turns) > 2:  # drop the last exchange
                turns = turns[:-2]
            elif kind < 0.2:  # add an exchange
                turns += list(zip(("user", "assistant"), rng.choice(pairs), strict=True))
            edits = rng.choice([0, 1, 1, 2, 2, 3, 4, 6, 8, 12])
            for _ in range(edits):
                j = rng.randrange(len(turns))
                turns[j] = (turns[j][0], perturb(rng, turns[j][1], vocab, 1))
            messages = [{"role": "system", "content": rng.choice(PERSONAS)}]
            messages += [{"role": r, "content": c} for r, c in turns]
            records.append(
                Conversation(id=f"d{i}", messages=messages, metadata={"planted_from": src.id})
            )
            continue
        messages = [{"role": "system", "content": rng.choice(PERSONAS)}]
        language = rng.choices(languages, weights)[0]  # one language per record
        for _ in range(rng.randint(*exchanges)):
            user, assistant = rng.choice(by_language[language])
            messages += [
                {"role": "user", "content": user},
                {"role": "assistant", "content": assistant},
            ]
        records.append(Conversation(id=f"d{i}", messages=messages))
    return records


# -- ground truth ---------------------------------------------------------------------------
def shingle_sets(texts: list[str], ngram: int = 2) -> list[frozenset[int]]:
    """Exact shingle sets (64-bit Python string hashes: no 32-bit collisions)."""
    return [frozenset(hash(s) for s in shingles(t, ngram)) for t in texts]


def true_pairs(sets: list[frozenset[int]], threshold: float) -> set[tuple[int, int]]:
    """All pairs with Jaccard >= threshold: prefix filtering (rarest shingles first), exact."""
    freq: dict[int, int] = defaultdict(int)
    for s in sets:
        for h in s:
            freq[h] += 1
    index: dict[int, list[int]] = defaultdict(list)
    found: set[tuple[int, int]] = set()
    for i, s in enumerate(sets):
        if not s:
            continue
        ordered = sorted(s, key=lambda h: (freq[h], h))
        prefix = len(s) - math.ceil(threshold * len(s)) + 1
        candidates: set[int] = set()
        for h in ordered[:prefix]:
            candidates.update(index[h])
            index[h].append(i)
        for j in candidates:
            other = sets[j]
            if min(len(s), len(other)) < threshold * max(len(s), len(other)):
                continue
            inter = len(s & other)
            if inter / (len(s) + len(other) - inter) >= threshold:
                found.add((j, i))
    return found


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def score(
    decisions: list[str | None],
    ids: list[str],
    sets: list[frozenset[int]],
    truth: set[tuple[int, int]],
    threshold: float,
) -> dict[str, float]:
    """Recall: true pairs not both kept. Precision: drops whose named kept record is >= t."""
    position = {id_: i for i, id_ in enumerate(ids)}
    dropped = [d is not None for d in decisions]
    caught = sum(1 for a, b in truth if dropped[a] or dropped[b])
    good = sum(
        1
        for i, d in enumerate(decisions)
        if d is not None and jaccard(sets[i], sets[position[d]]) >= threshold
    )
    n_drop = sum(dropped)
    return {
        "recall": caught / len(truth) if truth else 1.0,
        "precision": good / n_drop if n_drop else 1.0,
        "dropped": n_drop,
    }


# -- signature throughput -------------------------------------------------------------------
def sig_selfreflect(texts: list[str]) -> None:
    hasher = MinHasher(NUM_PERM, seed=1)
    for start in range(0, len(texts), 1024):
        hasher.signatures(texts[start : start + 1024])


def sig_datasketch_update(texts: list[str]) -> None:
    from datasketch import MinHash

    for t in texts:
        m = MinHash(NUM_PERM, seed=1)
        for s in shingles(t):
            m.update(s.encode("utf-8"))


def sig_datasketch_update_batch(texts: list[str]) -> None:
    from datasketch import MinHash

    for t in texts:
        m = MinHash(NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(t)])


def sig_datasketch_bulk(texts: list[str]) -> None:
    from datasketch import MinHash

    MinHash.bulk(
        [[s.encode("utf-8") for s in shingles(t)] for t in texts], num_perm=NUM_PERM, seed=1
    )


def sig_rensa_update(texts: list[str]) -> None:
    from rensa import RMinHash

    for t in texts:
        m = RMinHash(NUM_PERM, 1)
        m.update(shingles(t))
        m.digest()


def sig_rensa_matrix(texts: list[str]) -> None:
    from rensa import RMinHash

    for start in range(0, len(texts), 1024):
        RMinHash.digest_matrix_from_token_sets(
            [shingles(t) for t in texts[start : start + 1024]], NUM_PERM, 1
        )


def sig_shingles_only(texts: list[str]) -> None:
    for t in texts:
        shingles(t)


SIGNATURES: list[tuple[str, Callable[[list[str]], None], int]] = [
    ("datasketch MinHash.update per shingle", sig_datasketch_update, 1500),
    ("datasketch update_batch", sig_datasketch_update_batch, 4000),
    ("datasketch MinHash.bulk", sig_datasketch_bulk, 4000),
    ("rensa RMinHash.update(shingle list)", sig_rensa_update, 20000),
    ("rensa digest_matrix_from_token_sets", sig_rensa_matrix, 20000),
    ("selfreflect MinHasher.signatures", sig_selfreflect, 20000),
    ("floor: Python shingle lists only", sig_shingles_only, 20000),
]


def timed(fn: Callable[[list[str]], None], texts: list[str]) -> float:
    fn(texts[:200])  # warm-up (imports, caches)
    gc.collect()
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


# -- end to end -----------------------------------------------------------------------------
def e2e_selfreflect(
    records: list[Conversation], threshold: float, index: str = "memory"
) -> dict[str, Any]:
    result = Pipeline([NearDedup(threshold=threshold, index=index)]).run(records)
    decisions = {r.id: r.duplicate_of for r in result.rejects}
    counters = result.report.steps[-1].counters
    return {"decisions": [decisions.get(c.id) for c in records], "counters": dict(counters)}


def e2e_selfreflect_dsindex(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """The same step with datasketch's MinHashLSH (dict storage) holding the band buckets."""
    return e2e_selfreflect(records, threshold, index="datasketch")


def e2e_datasketch(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """datasketch as commonly used: MinHashLSH(threshold) with its own (bands, rows), keep
    first, any candidate counts as a duplicate (no verification)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    decisions: list[str | None] = []
    for start in range(0, len(records), 1024):
        batch = records[start : start + 1024]
        mhs = MinHash.bulk(
            [[s.encode() for s in shingles(c.dedup_text())] for c in batch],
            num_perm=NUM_PERM,
            seed=1,
        )
        for conv, mh in zip(batch, mhs, strict=True):
            found = lsh.query(mh)
            if found:
                decisions.append(min(found, key=lambda k: int(k[1:])))
            else:
                lsh.insert(conv.id, mh)
                decisions.append(None)
    return {"decisions": decisions, "bands_rows": [lsh.b, lsh.r]}


def e2e_rensa(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """rensa RMinHashLSH (16 bands, as in its README), keep first, candidates are duplicates."""
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold, NUM_PERM, 16)
    decisions: list[str | None] = []
    for start in range(0, len(records), 1024):
        batch = records[start : start + 1024]
        mhs = RMinHash.from_token_sets([shingles(c.dedup_text()) for c in batch], NUM_PERM, 1)
        for i, (_conv, mh) in enumerate(zip(batch, mhs, strict=True)):
            found = lsh.query(mh)
            if found:
                decisions.append(records[min(found)].id)
            else:
                lsh.insert(start + i, mh)
                decisions.append(None)
    return {"decisions": decisions}


def _child(fn_name: str, threshold: float, conn: Any) -> None:
    fn = globals()[fn_name]
    rss0 = _rss("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(_RECORDS, threshold)
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu
    out["peak_mb"] = (_rss("VmHWM") - rss0) / 1024
    conn.send(out)
    conn.close()


def _rss(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


_RECORDS: list[Conversation] = []


def in_child(fn_name: str, threshold: float) -> dict[str, Any]:
    """Run one end-to-end method in a forked process: clean peak-memory accounting."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn_name, threshold, child))
    proc.start()
    child.close()
    try:
        out = parent.recv()
    except EOFError:
        out = {"error": f"child exited with {proc.exitcode}", "decisions": None}
    proc.join()
    return out


# -- anchors: CPU seconds against rensa and datasketch (issue 14) ------------------------------
#: name -> (records, exchanges per record, ngram): 100k documents of ~225 words compared on word
#: 5-grams, and 30k shorter chat documents (50 to 300 words) on the default word bigrams.
CORPORA = {"long": (100_000, (12, 30), 5), "short": (30_000, (5, 28), 2)}
_NGRAM = 2


def _shingle_lists(records: list[Conversation]) -> list[list[str]]:
    return [shingles(c.dedup_text(), _NGRAM) for c in records]


def a_selfreflect(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """The step as a recipe runs it (default parameters but ``ngram``)."""
    result = Pipeline([NearDedup(threshold=threshold, ngram=_NGRAM)]).run(records)
    decisions = {r.id: r.duplicate_of for r in result.rejects}
    return {
        "decisions": [decisions.get(c.id) for c in records],
        "counters": dict(result.report.steps[-1].counters),
    }


def a_rensa_dedup(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """rensa's own deduplicator (LSH + its MinHash estimate), keep first."""
    from rensa import RMinHash, RMinHashDeduplicator

    dedup = RMinHashDeduplicator(threshold, NUM_PERM, True, None, 1)
    decisions: list[str | None] = []
    for conv, toks in zip(records, _shingle_lists(records), strict=True):
        mh = RMinHash(NUM_PERM, 1)
        mh.update(toks)
        decisions.append(None if dedup.add(conv.id, mh) else "?")
    return {"decisions": decisions}


def a_rensa_matrix(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """rensa's signature matrix + numpy banding (9 x 13, datasketch's optimum), keep first,
    any candidate is a duplicate."""
    import numpy as np
    from rensa import RMinHash

    from selfreflect.dedup.lsh import BandIndex, band_keys

    index = BandIndex()
    decisions: list[str | None] = []
    for start in range(0, len(records), 1024):
        batch = records[start : start + 1024]
        sigs = np.asarray(
            RMinHash.digest_matrix_from_token_sets(_shingle_lists(batch), NUM_PERM, 1).to_rows(),
            dtype=np.uint32,
        )
        keys = band_keys(sigs, 9, 13)
        rows, _owners = index.query(keys)
        hit = np.zeros(len(batch), dtype=bool)
        hit[rows] = True
        seen: set[int] = set()
        kept = []
        for i in range(len(batch)):
            row_keys = keys[i].tolist()
            if hit[i] or any(k in seen for k in row_keys):
                decisions.append("?")
                continue
            seen.update(row_keys)
            kept.append(i)
            decisions.append(None)
        if kept:
            index.add(keys[kept], start + np.array(kept))
    return {"decisions": decisions}


def a_datasketch(records: list[Conversation], threshold: float) -> dict[str, Any]:
    return e2e_datasketch(records, threshold)


def a_datatrove(records: list[Conversation], threshold: float) -> dict[str, Any]:
    """datatrove's 4-stage MinHash pipeline (signatures, buckets, clusters, filter), its own
    ``str.split`` as word tokenizer (its English and fallback ones need spaCy, ~5x slower),
    ``n_grams`` = the benchmark's, 14 buckets x 8 hashes (its defaults)."""
    import tempfile

    from datatrove.data import Document
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.utils.word_tokenizers import WordTokenizer

    class SplitTokenizer(WordTokenizer):
        """``str.split`` words (datatrove's own tokenizers need spaCy)."""

        def word_tokenize(self, text: str) -> list[str]:
            return text.split()

        def sent_tokenize(self, text: str) -> list[str]:
            return text.splitlines()

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [(0, len(text))]

    from datatrove.utils.hashing import HashConfig
    from loguru import logger

    logger.remove()  # its per-bucket progress lines

    # its default xxhash hashing passes str to xxhash, which xxhash >= 4 refuses: sha1 instead
    config = MinhashConfig(
        n_grams=_NGRAM,
        num_buckets=14,
        hashes_per_bucket=8,
        hash_config=HashConfig(precision=64, hash_fc="sha1"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        docs = [Document(text=c.dedup_text(), id=c.id) for c in records]
        MinhashDedupSignature(
            output_folder=f"{tmp}/sigs", config=config, language=SplitTokenizer()
        ).run(iter(docs))
        buckets = MinhashDedupBuckets(
            input_folder=f"{tmp}/sigs", output_folder=f"{tmp}/buckets", config=config
        )
        for rank in range(config.num_buckets):  # one task per bucket, as it requires
            buckets.run(None, rank=rank, world_size=config.num_buckets)
        MinhashDedupCluster(
            input_folder=f"{tmp}/buckets", output_folder=f"{tmp}/remove_ids", config=config
        ).run(None)
        kept = {d.id for d in MinhashDedupFilter(input_folder=f"{tmp}/remove_ids").run(iter(docs))}
    return {"decisions": [None if c.id in kept else "?" for c in records]}


ANCHORS = [
    ("selfreflect near_dedup", "a_selfreflect"),
    ("rensa RMinHashDeduplicator", "a_rensa_dedup"),
    ("rensa signature matrix + numpy banding", "a_rensa_matrix"),
    ("datasketch MinHashLSH", "a_datasketch"),
    ("datatrove MinHash pipeline", "a_datatrove"),
]


def anchors(corpus: str, threshold: float, only: list[str] | None) -> dict[str, Any]:
    """Every method in a forked child on the same records: CPU seconds, peak RSS, recall."""
    global _RECORDS, _NGRAM
    n, exchanges, _NGRAM = CORPORA[corpus]
    _RECORDS = build_corpus(n, exchanges=exchanges)
    texts = [c.dedup_text() for c in _RECORDS]
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"corpus {corpus}: {n} records, {words:.0f} words per compared text, "
        f"word {_NGRAM}-grams, threshold {threshold}",
        flush=True,
    )
    runs = {
        label: in_child(fn, threshold)
        for label, fn in ANCHORS
        if not only or fn.removeprefix("a_") in only
    }
    sets = shingle_sets(texts, _NGRAM)
    truth = true_pairs(sets, threshold)
    print(f"ground truth: {len(truth)} pairs >= {threshold}", flush=True)
    ids = [c.id for c in _RECORDS]
    base = runs.get("rensa RMinHashDeduplicator", {}).get("cpu_seconds")
    out: dict[str, Any] = {
        "corpus": corpus,
        "records": n,
        "words": words,
        "ngram": _NGRAM,
        "true_pairs": len(truth),
        "runs": {},
    }
    for label, run in runs.items():
        if run.get("error"):
            print(f"  {label:<40} failed: {run['error']}", flush=True)
            continue
        decisions = run.pop("decisions")
        dropped = [d is not None for d in decisions]
        run["recall"] = (
            sum(1 for a, b in truth if dropped[a] or dropped[b]) / len(truth) if truth else 1.0
        )
        run["dropped"] = sum(dropped)
        if all(d != "?" for d in decisions):
            run["precision"] = score(decisions, ids, sets, truth, threshold)["precision"]
        ratio = f"{run['cpu_seconds'] / base:5.2f}x rensa" if base else ""
        print(
            f"  {label:<40} {run['cpu_seconds']:7.1f} CPU s  peak +{run['peak_mb']:6.0f} MB  "
            f"recall {run['recall']:.4f}  dropped {run['dropped']:>6}  {ratio}",
            flush=True,
        )
        out["runs"][label] = run
    return out


# -- 1M memory run --------------------------------------------------------------------------
def million(n: int) -> dict[str, Any]:
    """Stream n short records through exact_dedup then near_dedup without keeping them; report
    each index's bytes per record it holds (ids as the readers make them: 16 hex digits)."""
    pairs = dialog_pairs()
    rng = random.Random(1)

    def stream():
        for i in range(n):
            msgs = []
            for _ in range(rng.randint(1, 4)):
                u, a = rng.choice(pairs)
                msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
            yield Conversation(id=Conversation.make_id("million.jsonl", i), messages=msgs)

    rss0 = _rss("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    pipeline = Pipeline([ExactDedup(), NearDedup()])
    report = pipeline.new_report()
    kept = sum(1 for _ in pipeline.stream(stream(), lambda r: None, report))
    exact, near = report.steps[-2], report.steps[-1]
    distinct = exact.out
    return {
        "records": n,
        "kept": kept,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "exact_index_bytes": exact.counters["index_bytes"],
        "exact_distinct": distinct,
        "exact_bytes_per_distinct": exact.counters["index_bytes"] / max(1, distinct),
        "near_index_bytes": near.counters["index_bytes"],
        "near_indexed": near.counters["indexed"],
        "near_bytes_per_indexed": near.counters["index_bytes"] / max(1, near.counters["indexed"]),
        "rss_growth_mb": (_rss("VmHWM") - rss0) / 1024,
    }


def band_index(n: int) -> dict[str, Any]:
    """The band index alone: n records of 21 random band keys added in batches of 1,024, then
    the CPU time of one batch query (best of 20) and the bytes per record."""
    import numpy as np

    from selfreflect.dedup.lsh import BandIndex

    rng = np.random.default_rng(0)
    index = BandIndex()
    cpu = time.process_time()
    for start in range(0, n, 1024):
        m = min(1024, n - start)
        index.add(rng.integers(0, 2**63, (m, 21), dtype=np.uint64), np.arange(start, start + m))
    add = time.process_time() - cpu
    needles = rng.integers(0, 2**63, (1024, 21), dtype=np.uint64)
    best = float("inf")
    for _ in range(20):
        cpu = time.process_time()
        index.query(needles)
        best = min(best, time.process_time() - cpu)
    return {
        "records": n,
        "add_cpu_seconds": add,
        "query_batch_ms": best * 1000,
        "bytes_per_record": index.nbytes / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--million", action="store_true", help="only the memory run")
    parser.add_argument(
        "--band-index", action="store_true", help="only the band index (--docs random records)"
    )
    parser.add_argument("--json", help="write results here too")
    parser.add_argument(
        "--anchors",
        choices=sorted(CORPORA),
        help="CPU seconds against rensa, datasketch and datatrove on this corpus",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        help="with --anchors: only these methods "
        "(selfreflect, rensa_dedup, rensa_matrix, datasketch, datatrove)",
    )
    args = parser.parse_args()
    if args.anchors:
        out = anchors(args.anchors, args.threshold, args.only)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(out, fh, indent=2)
        return
    if args.million:
        print(json.dumps(million(args.docs), indent=2))
        return
    if args.band_index:
        print(json.dumps(band_index(args.docs)))
        return

    global _RECORDS
    t0 = time.perf_counter()
    _RECORDS = build_corpus(args.docs)
    texts = [c.dedup_text() for c in _RECORDS]
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"corpus: {len(texts)} records, {words:.0f} words per compared text on average, "
        f"built in {time.perf_counter() - t0:.1f}s",
        flush=True,
    )

    results: dict[str, Any] = {"docs": len(texts), "words_per_doc": words, "signatures": {}}
    # end-to-end runs first, each in a forked child, before the parent starts rensa's threads
    e2e = {
        label: in_child(fn_name, args.threshold)
        for label, fn_name in [
            ("selfreflect near_dedup", "e2e_selfreflect"),
            ("selfreflect, index=datasketch", "e2e_selfreflect_dsindex"),
            ("datasketch MinHashLSH", "e2e_datasketch"),
            ("rensa RMinHashLSH", "e2e_rensa"),
        ]
    }
    for name, fn, n in SIGNATURES:
        rate = timed(fn, texts[:n])
        results["signatures"][name] = rate
        print(f"  {name:<42} {rate:>10,.0f} docs/s  (n={n})", flush=True)

    t0 = time.perf_counter()
    sets = shingle_sets(texts)
    truth = true_pairs(sets, args.threshold)
    print(
        f"ground truth: {len(truth)} pairs >= {args.threshold} ({time.perf_counter() - t0:.1f}s)",
        flush=True,
    )
    results["true_pairs"] = len(truth)

    ids = [c.id for c in _RECORDS]
    results["e2e"] = {}
    for label, out in e2e.items():
        if out.get("error"):
            print(f"  {label:<26} failed: {out['error']}", flush=True)
            continue
        quality = score(out.pop("decisions"), ids, sets, truth, args.threshold)
        out.update(quality)
        results["e2e"][label] = out
        print(
            f"  {label:<26} {out['seconds']:7.1f}s  peak +{out['peak_mb']:6.0f} MB  "
            f"recall {quality['recall']:.4f}  precision {quality['precision']:.4f}  "
            f"dropped {quality['dropped']}  {out.get('counters', out.get('bands_rows', ''))}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
