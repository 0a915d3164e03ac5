"""Pipeline overhead: records/s and peak memory of the local engine, 1 vs N workers.

    python bench/pipeline.py                 # 100k records, every configuration, a table
    python bench/pipeline.py --n 20000       # smaller, while iterating
    python bench/pipeline.py --rules --n 20000   # empty / default rules / datatrove's rules

Each configuration runs in a fresh process so its peak RSS (``resource.getrusage``) is its own.
Records are generated in memory (role-play style, 2 to 6 turns) and streamed through
``Pipeline.stream``: nothing is kept, so memory must stay flat whatever ``--n`` is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

from selfreflect import Conversation, Filter, Message, Pipeline, Rewriter

WORDS = (
    "the ship sails east at dawn captain storm sea calm map chart star night wind "
    "harbour rope lantern crew island gold old friend laughs quietly looks away"
).split()


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
            messages += [
                Message(role="user", content=rng.choice(users)),
                Message(role="assistant", content=rng.choice(answers)),
            ]
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
    "three filters": lambda: Pipeline(
        [MinAnswerWords(3), MaxRepeatedWordRatio(0.3), DropAIDisclaimer()]
    ),
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
    kept = sum(
        1
        for _ in pipeline.stream(
            generate(n),
            on_reject,
            report,
            workers=workers,
            chunk_size=chunk_size,
            start_method=start_method,
        )
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, reaped at pool shutdown
    worker_cpu = children.ru_utime + children.ru_stime
    assert kept + rejected == n == report.input
    return {
        "pipeline": name,
        "n": n,
        "workers": workers,
        "seconds": round(seconds, 2),
        "records_per_s": round(n / seconds),
        "kept": kept,
        "rejected": rejected,
        "cpu_main_s": round(cpu, 2),
        "cpu_workers_s": round(worker_cpu, 2),
        "records_per_cpu_s": round(n / (cpu + worker_cpu)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def generation_only(n: int) -> dict:
    """The cost of making the records, to read the other rows against."""
    started, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in generate(n))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "pipeline": "(generate only)",
        "n": count,
        "workers": 1,
        "seconds": round(seconds, 2),
        "records_per_s": round(count / seconds),
        "kept": count,
        "rejected": 0,
        "cpu_main_s": round(cpu, 2),
        "cpu_workers_s": 0.0,
        "records_per_cpu_s": round(count / cpu),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_peak_rss_mb": 0,
    }


# -- rules against datatrove (issue 14, goal 5) ---------------------------------------------
EMPTY_RECIPE = "steps: []\n"
RULES_RECIPE = """steps:
  - step: fix_mojibake
  - step: drop_garbled
  - step: normalize_punctuation
    phrase_map: {"and/or": "and", "and\\\\or": "and"}
  - step: drop_emoji_turns
  - step: remove_emoji
  - step: normalize_whitespace
  - step: drop_empty_turns
  - step: drop_bad_structure
  - step: drop_by_length
  - step: drop_context_dependent
  - step: drop_ai_self_reference
"""
_PUNCT = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def _chat_text(data: dict) -> str:
    return "\n\n".join(f"{m.get('role')}: {m.get('content')}" for m in data.get("messages") or [])


def datatrove_rules(src: str, out: str, logs: str) -> None:
    """The default recipe's rules as a datatrove pipeline: read JSONL (turns as one text),
    ftfy, drop garbled, punctuation, drop emoji-heavy and remove emoji, whitespace, length
    bounds, AI self-reference regex, write JSONL."""
    import emoji
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import LambdaFilter, RegexFilter
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.formatters.base import BaseFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    class Punctuation(BaseFormatter):
        name = "punctuation"

        def format(self, text: str) -> str:
            return text.translate(_PUNCT).replace("and/or", "and")

    class RemoveEmoji(BaseFormatter):
        name = "remove emoji"

        def format(self, text: str) -> str:
            return emoji.replace_emoji(text, "")

    class Whitespace(BaseFormatter):
        name = "whitespace"

        def format(self, text: str) -> str:
            return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()

    def not_garbled(doc) -> bool:
        return "\ufffd" not in doc.text and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", doc.text)

    def not_mostly_emoji(doc) -> bool:
        return emoji.emoji_count(doc.text) * 2 < max(1, len(doc.text.split()))

    def length_ok(doc) -> bool:
        return 3 <= len(doc.text.split()) <= 20000

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(
                os.path.dirname(src),
                glob_pattern=os.path.basename(src),
                adapter=lambda self, data, path, i: {
                    "text": _chat_text(data),
                    "id": data.get("id"),
                    "metadata": {},
                },
            ),
            FTFYFormatter(),
            LambdaFilter(not_garbled),
            Punctuation(),
            LambdaFilter(not_mostly_emoji),
            RemoveEmoji(),
            Whitespace(),
            LambdaFilter(length_ok),
            RegexFilter(r"(?i)\bas an ai\b|\blanguage model\b|\bi am an ai\b"),
            JsonlWriter(out, compression=None),
        ],
        tasks=1,
        workers=1,
        logging_dir=logs,
    ).run()


def rules_one(kind: str, src: str, workdir: str) -> dict:
    """One configuration in this process: CPU seconds of the run (its own and its children's)."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if kind == "datatrove":
        from loguru import logger

        logger.remove()
        datatrove_rules(src, f"{workdir}/dt-out", f"{workdir}/dt-logs")
    else:
        from selfreflect.cli import main as cli

        recipe = f"{workdir}/{kind}.yaml"
        with open(recipe, "w") as fh:
            fh.write({"empty": EMPTY_RECIPE, "rules": RULES_RECIPE}.get(kind, ""))
        args = ["clean", src, "-o", f"{workdir}/{kind}.jsonl", "--report", f"{workdir}/{kind}.json"]
        args += ["--recipe", recipe] if kind in ("empty", "rules") else []
        code = cli(args)
        assert code in (0, None), code
    after = resource.getrusage(resource.RUSAGE_SELF)
    row = {
        "kind": kind,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
    }
    if kind != "datatrove":
        with open(f"{workdir}/{kind}.json") as fh:
            report = json.load(fh)
        row["steps"] = {s["name"]: round(s["seconds"], 2) for s in report["steps"]}
    return row


def rules(n: int) -> None:
    """Empty recipe, default rules, the whole default recipe and datatrove's equivalent rules
    on the same JSONL file, each in a fresh process; CPU seconds and ratios."""
    import tempfile
    from pathlib import Path

    sys.path.insert(0, os.path.dirname(__file__))
    from scale import make_data

    with tempfile.TemporaryDirectory() as workdir:
        src = f"{workdir}/in/records.jsonl"
        make_data(Path(src), n)
        size_mb = os.path.getsize(src) / 1e6
        rows = {}
        for kind in ("empty", "rules", "default", "datatrove"):
            done = subprocess.run(
                [sys.executable, __file__, "--rules-one", kind, "--src", src, "--workdir", workdir],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                print(f"  {kind}: failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            rows[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{n:,} records, {size_mb:.1f} MB (bench/scale.py's chat records)")
        print(
            "| run | CPU s | records per CPU s | MB per CPU s | CPU vs empty | CPU vs datatrove |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for kind, row in rows.items():
            cpu = row["cpu_s"]
            vs_empty = cpu / rows["empty"]["cpu_s"] if "empty" in rows else float("nan")
            vs_dt = cpu / rows["datatrove"]["cpu_s"] if "datatrove" in rows else float("nan")
            print(
                f"| {kind} | {cpu} | {n / cpu:,.0f} | {size_mb / cpu:.2f} | {vs_empty:.2f}x "
                f"| {vs_dt:.2f}x |"
            )
        for kind in ("empty", "default"):
            if kind in rows:
                steps = sorted(rows[kind]["steps"].items(), key=lambda kv: -kv[1])
                print(f"{kind}, seconds per step: " + ", ".join(f"{k} {v}" for k, v in steps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument(
        "--start-method",
        default="spawn",
        help="spawn (default here: workers are our children, so their CPU and "
        "peak RSS are measured) or forkserver (the library's default)",
    )
    parser.add_argument(
        "--rules",
        action="store_true",
        help="empty recipe vs default rules vs datatrove's equivalent rules, "
        "from a JSONL file through the CLI, in CPU seconds",
    )
    parser.add_argument("--rules-one", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--worker-count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rules_one:
        print(json.dumps(rules_one(args.rules_one, args.src, args.workdir)))
        return
    if args.rules:
        rules(args.n)
        return
    if args.one:
        row = (
            generation_only(args.n)
            if args.one == "(generate only)"
            else measure(args.one, args.n, args.worker_count, args.chunk_size, args.start_method)
        )
        print(json.dumps(row))
        return
    configs = [("(generate only)", 1, args.n)]
    configs += [
        (name, w, args.n if name != "heavy filter" else args.n // 10)
        for name in PIPELINES
        for w in args.workers
    ]
    # Memory must not grow with the input: the same pipelines on 5x the records.
    configs += [(name, max(args.workers), 5 * args.n) for name in ("empty", "three filters")]
    rows = []
    for name, workers, n in configs:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                name,
                "--n",
                str(n),
                "--worker-count",
                str(workers),
                "--chunk-size",
                str(args.chunk_size),
                "--start-method",
                args.start_method,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout))
        print(f"  {name} x{workers}: {rows[-1]['records_per_s']} records/s", file=sys.stderr)
    header = (
        "| pipeline | workers | records | seconds | records/s | CPU s main + workers "
        "| records per CPU s | kept | peak RSS main (MB) | peak RSS worker (MB) |"
    )
    print(header)
    print("|" + "---|" * 10)
    for r in rows:
        print(
            f"| {r['pipeline']} | {r['workers']} | {r['n']:,} | {r['seconds']} | "
            f"{r['records_per_s']:,} | {r['cpu_main_s']} + {r['cpu_workers_s']} | "
            f"{r['records_per_cpu_s']:,} | {r['kept']:,} | {r['peak_rss_mb']} | "
            f"{r['worker_peak_rss_mb'] or '-'} |"
        )


if __name__ == "__main__":
    main()
