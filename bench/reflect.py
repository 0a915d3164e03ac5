"""LLM step throughput against a loopback OpenAI-compatible server with a fixed latency.

The server (tests/fakellm.py) runs in its own process and answers every request after exactly
``--latency`` seconds. The ``reflect`` step runs end to end (prompt rendering, HTTP, JSON
parsing, jsonschema validation, leak guard, output records) through ``Pipeline.run``. With
``c`` requests in flight the ideal throughput is ``c / latency`` calls per second; we report the
measured fraction of that, and the overhead per call beyond the latency.

    python bench/reflect.py                      # concurrency 1, 16, 64; 200 ms latency; 40 rounds
    python bench/reflect.py --concurrency 64 --rounds 5
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
        Conversation(id=str(i), messages=[
            {"role": "user", "content": f"Question number {i}: how do I flip a 3-sided coin?"},
            {"role": "assistant", "content": f"Answer {i}: heads, tails or side."},
            {"role": "user", "content": f"Follow-up {i}: a 3-sided coin does not exist."},
        ])
        for i in range(offset, offset + n)
    ]


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """The fake server in a subprocess; returns it and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakellm.py"), "--latency", str(latency), "--fast"],
        stdout=subprocess.PIPE, text=True,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rounds", type=int, default=40,
                        help="calls per level = rounds x concurrency (default 40: steady state; "
                             "10 shows the ramp-up of a short run)")
    args = parser.parse_args()
    os.environ.pop("SELFREFLECT_API_KEY", None)
    proc, base_url = start_server(args.latency)
    try:
        measure(base_url, 4, 8, 10_000_000)  # warm up imports and connections
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"latency {args.latency * 1000:.0f} ms, {args.rounds} rounds per level, "
              f"{os.cpu_count()} cores, load average {load}")
        print("| concurrency | calls | seconds | calls/s | ideal calls/s | fraction of ideal "
              "| overhead per call | CPU per call | plain httpx: fraction of ideal |")
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
            print(f"| {c} | {calls} | {elapsed:.2f} | {rate:.1f} | {ideal:.1f} | "
                  f"{rate / ideal:.1%} | {overhead:.1f} ms | {cpu / calls * 1000:.2f} ms | "
                  f"{args.rounds * args.latency / plain:.1%} |")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
