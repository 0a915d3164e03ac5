"""LLM step throughput against a loopback OpenAI-compatible server with a fixed latency.

The server (tests/fakellm.py) runs in its own process and answers every request after exactly
``--latency`` seconds. The ``reflect`` step runs end to end (prompt rendering, HTTP, JSON
parsing, jsonschema validation, leak guard, output records) through ``Pipeline.run``. With
``c`` requests in flight the ideal throughput is ``c / latency`` calls per second; we report the
measured fraction of that, and the overhead per call beyond the latency.

    python bench/reflect.py                      # concurrency 1, 16, 64; 200 ms latency; 40 rounds
    python bench/reflect.py --concurrency 64 --rounds 5

Yield against a small model (``--faults N``): N multi-turn chitchat-dataset conversations
(human-human, first speaker = user, cut to 8 turns) through ``reflect --mode sft --turns all``
against the loopback "small local model" of tests/reflect/smallmodel.py (its fault mix is in
its docstring and in docs/llm.md). Reports the share of conversations that gave output, the
calls paid per example and whether any output revision carries a hindsight phrase.

    python bench/reflect.py --faults 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selfreflect import Conversation, Pipeline  # noqa: E402
from selfreflect.reflect import Reflect  # noqa: E402


def records(n: int, offset: int = 0) -> list[Conversation]:
    """``n`` three-turn conversations with distinct text (so no call is a cache hit)."""
    return [
        Conversation(
            id=str(i),
            messages=[
                {"role": "user", "content": f"Question number {i}: how do I flip a 3-sided coin?"},
                {"role": "assistant", "content": f"Answer {i}: heads, tails or side."},
                {"role": "user", "content": f"Follow-up {i}: a 3-sided coin does not exist."},
            ],
        )
        for i in range(offset, offset + n)
    ]


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """The fake server in a subprocess; returns it and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakellm.py"), "--latency", str(latency), "--fast"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def measure(base_url: str, concurrency: int, calls: int, offset: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) to reflect ``calls`` records."""
    step = Reflect(base_url=base_url, model="bench", concurrency=concurrency)
    batch = records(calls, offset)
    t0, c0 = time.perf_counter(), time.process_time()
    result = Pipeline([step]).run(batch)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(result.kept) == calls, result.report.table()
    assert result.report.steps[1].counters["calls"] == calls
    return elapsed, cpu


def measure_plain_httpx(base_url: str, concurrency: int, calls: int) -> float:
    """Seconds for the same calls with one plain ``httpx.AsyncClient`` (as openai-python uses):
    no prompt, no parsing, no validation -- the transport alone."""
    import asyncio

    import httpx

    body = {"model": "bench", "messages": [{"role": "user", "content": "x" * 600}]}

    async def go() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
            gate = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with gate:
                    response = await client.post("/chat/completions", json=body)
                    response.json()

            t0 = time.perf_counter()
            await asyncio.gather(*[one() for _ in range(calls)])
            return time.perf_counter() - t0

    return asyncio.run(go())


def chitchat(n: int, max_turns: int = 8) -> list[Conversation]:
    """The first ``n`` chitchat-dataset dialogs with at least one answer followed by more."""
    sys.path.insert(0, str(ROOT / "bench" / "quality"))
    from corpus import chitchat_dialogs

    out: list[Conversation] = []
    for d in chitchat_dialogs():
        turns = d.turns[:max_turns]
        if len(turns) < 3 or not all(t.strip() for t in turns):
            continue
        roles = ["user" if i % 2 == 0 else "assistant" for i in range(len(turns))]
        out.append(
            Conversation(
                id=d.ref,
                messages=[{"role": r, "content": t} for r, t in zip(roles, turns, strict=True)],
            )
        )
        if len(out) == n:
            break
    return out


def measure_yield(n: int) -> None:
    """Run the small-model check and print its table."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "reflect")]
    from fakellm import FakeLLM
    from smallmodel import HINDSIGHT, small_model

    from selfreflect.reflect import find_hindsight_leak, iter_examples

    convs = chitchat(n)
    served: dict[str, int] = {}
    with FakeLLM(small_model(served)) as server:
        step = Reflect(base_url=server.base_url, model="small", turns="all", concurrency=16)
        c0 = time.process_time()
        result = Pipeline([step]).run(convs)
        cpu = time.process_time() - c0
    stats = result.report.steps[1]
    c = stats.counters
    examples = list(iter_examples(result.kept))
    leaks = sum(
        1
        for e in examples
        if HINDSIGHT in e.messages[-1].content
        or find_hindsight_leak(e.messages[-1].content) is not None
    )
    failed = {k: v for k, v in sorted(stats.reasons.items())}
    print(
        f"{len(convs)} multi-turn chitchat-dataset conversations, {c['turns_reviewed']} "
        f"answers reviewed; faults served on first asks and re-asks: "
        + ", ".join(f"{k} {v}" for k, v in sorted(served.items()))
    )
    print(
        "| conversations | with output | yield | examples | turns failed | calls paid | "
        "calls per example | re-asks | evidence entries dropped | JSON repaired | "
        "revisions with a hindsight phrase | rejected (reason) | CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    print(
        f"| {len(convs)} | {len(result.kept)} | {len(result.kept) / len(convs):.1%} | "
        f"{len(examples)} | {c['turns_failed']} | {c['calls']} | "
        f"{c['calls'] / max(len(examples), 1):.2f} | {c['reasks']} | "
        f"{c['dropped_evidence_turns']} | {c['repaired_json']} | {leaks} | "
        f"{', '.join(f'{k} {v}' for k, v in failed.items()) or '-'} | {cpu:.1f} |"
    )


def main() -> None:
    if "--faults" in sys.argv:
        parser = argparse.ArgumentParser(description="reflect yield against a small model")
        parser.add_argument(
            "--faults", type=int, required=True, metavar="N", help="conversations to run"
        )
        measure_yield(parser.parse_args().faults)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument(
        "--rounds",
        type=int,
        default=40,
        help="calls per level = rounds x concurrency (default 40: steady state; "
        "10 shows the ramp-up of a short run)",
    )
    args = parser.parse_args()
    os.environ.pop("SELFREFLECT_API_KEY", None)
    proc, base_url = start_server(args.latency)
    try:
        measure(base_url, 4, 8, 10_000_000)  # warm up imports and connections
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"latency {args.latency * 1000:.0f} ms, {args.rounds} rounds per level, "
            f"{os.cpu_count()} cores, load average {load}"
        )
        print(
            "| concurrency | calls | seconds | calls/s | ideal calls/s | fraction of ideal "
            "| overhead per call | CPU per call | plain httpx: fraction of ideal |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        offset = 0
        for c in args.concurrency:
            calls = c * args.rounds
            elapsed, cpu = measure(base_url, c, calls, offset)
            offset += calls
            rate = calls / elapsed
            ideal = c / args.latency
            overhead = (elapsed - args.rounds * args.latency) / calls * 1000
            plain = measure_plain_httpx(base_url, c, calls)
            print(
                f"| {c} | {calls} | {elapsed:.2f} | {rate:.1f} | {ideal:.1f} | "
                f"{rate / ideal:.1%} | {overhead:.1f} ms | {cpu / calls * 1000:.2f} ms | "
                f"{args.rounds * args.latency / plain:.1%} |"
            )
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
