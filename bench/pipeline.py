"""Pipeline overhead: records/s and peak memory of the local engine, 1 vs N workers.

    python bench/pipeline.py                 # 100k records, every configuration, a table
    python bench/pipeline.py --n 20000       # smaller, while iterating

Each configuration runs in a fresh process so its peak RSS (``resource.getrusage``) is its own.
Records are generated in memory (role-play style, 2 to 6 turns) and streamed through
``Pipeline.stream``: nothing is kept, so memory must stay flat whatever ``--n`` is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

from selfreflect import Conversation, Filter, Message, Pipeline, Rewriter

WORDS = ("the ship sails east at dawn captain storm sea calm map chart star night wind "
         "harbour rope lantern crew island gold old friend laughs quietly looks away").split()


def _texts(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(low, high))) for _ in range(count)]


def generate(n: int, seed: int = 0) -> Iterator[Conversation]:
    """``n`` conversations with a system prompt and 1 to 3 (user, assistant) pairs."""
    rng = random.Random(seed)
    users = _texts(rng, 1000, 5, 30)
    answers = _texts(rng, 1000, 0, 80)
    answers[::50] = [a + " As an AI language model I cannot do that." for a in answers[::50]]
    for i in range(n):
        messages = [Message(role="system", content="You are Aria, a ship's navigator.")]
        for _ in range(1 + i % 3):
            messages += [Message(role="user", content=rng.choice(users)),
                         Message(role="assistant", content=rng.choice(answers))]
        yield Conversation(id=f"bench-{i}", messages=messages, source="bench", line=i + 1)


class Identity(Rewriter):
    """Return every conversation unchanged."""

    def rewrite(self, conv: Conversation) -> Conversation:
        return conv


class MinAnswerWords(Filter):
    """Drop conversations with an assistant answer shorter than n words."""

    reasons = {"short_answer": "an assistant answer has fewer than n words"}

    def __init__(self, n: int = 3):
        self.n = n

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        if any(len(m.content.split()) < self.n for m in conv.turns("assistant")):
            return False, "short_answer"
        return True


class MaxRepeatedWordRatio(Filter):
    """Drop conversations whose answers repeat one word too much."""

    reasons = {"repetitive": "one word is more than `ratio` of an answer"}

    def __init__(self, ratio: float = 0.3):
        self.ratio = ratio

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        for m in conv.turns("assistant"):
            words = m.content.lower().split()
            if len(words) >= 10 and max(Counter(words).values()) > self.ratio * len(words):
                return False, "repetitive"
        return True


class DropAIDisclaimer(Filter):
    """Drop answers that break character with an AI disclaimer."""

    reasons = {"ai_disclaimer": "an answer says it is an AI language model"}

    def __init__(self, pattern: str = r"\bas an ai\b|\blanguage model\b"):
        self.pattern = pattern

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        rx = re.compile(self.pattern, re.IGNORECASE)
        if any(rx.search(m.content) for m in conv.turns("assistant")):
            return False, "ai_disclaimer"
        return True


class HeavyScore(Filter):
    """Keep everything after CPU work per record, like a model-based quality score."""

    def __init__(self, rounds: int = 200):
        self.rounds = rounds

    def keep(self, conv: Conversation) -> bool:
        text = conv.dedup_text().encode()
        for _ in range(self.rounds):
            text = hashlib.blake2b(text, digest_size=64).digest() + text[:256]
        return True


PIPELINES = {
    "empty": lambda: Pipeline([]),
    "identity": lambda: Pipeline([Identity()]),
    "three filters": lambda: Pipeline([MinAnswerWords(3), MaxRepeatedWordRatio(0.3),
                                       DropAIDisclaimer()]),
    "heavy filter": lambda: Pipeline([HeavyScore()]),
}


def measure(name: str, n: int, workers: int, chunk_size: int, start_method: str) -> dict:
    """Run one configuration in this process and return its numbers."""
    pipeline = PIPELINES[name]()
    rejected = 0

    def on_reject(_: object) -> None:
        nonlocal rejected
        rejected += 1

    report = pipeline.new_report()
    started, cpu = time.perf_counter(), time.process_time()
    kept = sum(1 for _ in pipeline.stream(generate(n), on_reject, report, workers=workers,
                                          chunk_size=chunk_size, start_method=start_method))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, reaped at pool shutdown
    worker_cpu = children.ru_utime + children.ru_stime
    assert kept + rejected == n == report.input
    return {
        "pipeline": name, "n": n, "workers": workers, "seconds": round(seconds, 2),
        "records_per_s": round(n / seconds), "kept": kept, "rejected": rejected,
        "cpu_main_s": round(cpu, 2), "cpu_workers_s": round(worker_cpu, 2),
        "records_per_cpu_s": round(n / (cpu + worker_cpu)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def generation_only(n: int) -> dict:
    """The cost of making the records, to read the other rows against."""
    started, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in generate(n))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"pipeline": "(generate only)", "n": count, "workers": 1, "seconds": round(seconds, 2),
            "records_per_s": round(count / seconds), "kept": count, "rejected": 0,
            "cpu_main_s": round(cpu, 2), "cpu_workers_s": 0.0,
            "records_per_cpu_s": round(count / cpu),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "worker_peak_rss_mb": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--start-method", default="spawn",
                        help="spawn (default here: workers are our children, so their CPU and "
                             "peak RSS are measured) or forkserver (the library's default)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--worker-count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        row = (generation_only(args.n) if args.one == "(generate only)"
               else measure(args.one, args.n, args.worker_count, args.chunk_size,
                            args.start_method))
        print(json.dumps(row))
        return
    configs = [("(generate only)", 1, args.n)]
    configs += [(name, w, args.n if name != "heavy filter" else args.n // 10)
                for name in PIPELINES for w in args.workers]
    # Memory must not grow with the input: the same pipelines on 5x the records.
    configs += [(name, max(args.workers), 5 * args.n) for name in ("empty", "three filters")]
    rows = []
    for name, workers, n in configs:
        done = subprocess.run(
            [sys.executable, __file__, "--one", name, "--n", str(n), "--worker-count",
             str(workers), "--chunk-size", str(args.chunk_size), "--start-method",
             args.start_method],
            capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout))
        print(f"  {name} x{workers}: {rows[-1]['records_per_s']} records/s", file=sys.stderr)
    header = ("| pipeline | workers | records | seconds | records/s | CPU s main + workers "
              "| records per CPU s | kept | peak RSS main (MB) | peak RSS worker (MB) |")
    print(header)
    print("|" + "---|" * 10)
    for r in rows:
        print(f"| {r['pipeline']} | {r['workers']} | {r['n']:,} | {r['seconds']} | "
              f"{r['records_per_s']:,} | {r['cpu_main_s']} + {r['cpu_workers_s']} | "
              f"{r['records_per_cpu_s']:,} | {r['kept']:,} | {r['peak_rss_mb']} | "
              f"{r['worker_peak_rss_mb'] or '-'} |")


if __name__ == "__main__":
    main()
