"""Workers benchmark: ``selfreflect clean`` with 1 and N workers, wall and CPU of every process.

    python bench/workers.py --records 30000 --workers 1 2 --runs 3

Input: ``bench/scale.py``'s generated records (made once under --dir). Each run is its own
process that calls the CLI in-process (``selfreflect clean DATA -o OUT --rejects R --report J
--workers N``, the default recipe), so its CPU time (``resource.getrusage``) is the main
process's alone. The workers are forked by the forkserver, a child of the run: once the pool
has shut down, the forkserver has reaped them, and its own CPU time plus its children's
(``/proc/PID/stat`` utime, stime, cutime, cstime) is the workers' CPU time. Runs alternate
between worker counts (1, 2, 1, 2, ...) so that a change in the machine's load hits both.
Outputs of every run must be byte-identical (output, rejects, report counts); the load average
before and after each run is printed, since the machine may be shared.

On a shared Linux machine with ``kernel.sched_autogroup_enabled = 1`` the CPU is divided fairly
between sessions, not processes: while other sessions keep the cores busy, a run with more
processes gets no more CPU, and wall time only shows the workers' overhead. The table therefore
also gives the bound the CPU seconds set on ``--cores`` idle cores: the 1-worker CPU time over
max(main, (main + workers) / cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _cpu_with_reaped(pid: int) -> float:
    """CPU seconds of ``pid`` and of its children that it has waited for."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def child(data: Path, out: Path, workers: int) -> dict:
    """One run of the CLI in this process; CPU of this process and of the workers."""
    from selfreflect.cli import main

    rejects, report = out.with_suffix(".rejects.jsonl"), out.with_suffix(".report.json")
    started = time.perf_counter()
    cpu0 = time.process_time()
    args = [str(data), "-o", str(out), "--rejects", str(rejects), "--report", str(report)]
    code = main(["clean", *args, "--workers", str(workers)])
    wall = time.perf_counter() - started
    main_cpu = time.process_time() - cpu0
    time.sleep(0.3)  # the forkserver reaps the workers
    workers_cpu = sum(_cpu_with_reaped(p) for p in _children(os.getpid()))
    counts = json.loads(report.read_text())
    digest = hashlib.sha256(out.read_bytes() + b"\0" + rejects.read_bytes()).hexdigest()[:16]
    return {
        "code": code,
        "wall": wall,
        "main_cpu": main_cpu,
        "workers_cpu": workers_cpu,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": [counts["input"], counts["kept"], counts["rejected"]],
        "digest": digest,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/selfreflect-bench")
    ap.add_argument("--cores", type=int, default=2, help="idle cores for the CPU bound")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    base = Path(args.dir)
    data = base / f"scale-{args.records}.jsonl"
    if args.child is not None:
        out = base / f"workers-out-{args.child}.jsonl"
        print(json.dumps(child(data, out, args.child)))
        return
    if not data.exists():
        sys.path.insert(0, str(ROOT))
        from scale import make_data

        make_data(data, args.records)
    rows: dict[int, list[dict]] = {n: [] for n in args.workers}
    for run in range(args.runs):
        for n in args.workers:
            load = os.getloadavg()[0]
            cmd = [sys.executable, __file__, "--records", str(args.records), "--dir", args.dir]
            done = subprocess.run([*cmd, "--child", str(n)], capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"run with {n} workers failed:\n{done.stderr}")
            r = json.loads(done.stdout.strip().splitlines()[-1])
            r["load"] = (load, os.getloadavg()[0])
            rows[n].append(r)
            print(f"run {run + 1} workers {n}: {json.dumps(r)}", file=sys.stderr, flush=True)
    results = [r for n in args.workers for r in rows[n]]
    if len({(r["digest"], tuple(r["counts"])) for r in results}) > 1:
        raise SystemExit("runs disagree on output, rejects or counts")
    first = statistics.median(r["wall"] for r in rows[args.workers[0]])
    first_cpu = statistics.median(r["main_cpu"] + r["workers_cpu"] for r in rows[args.workers[0]])
    print(
        "| workers | runs | wall s (median) | wall speed-up | CPU s main | CPU s workers | "
        f"main share of CPU | bound on {args.cores} idle cores | peak RSS main MB | load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in args.workers:
        rs = rows[n]
        wall = statistics.median(r["wall"] for r in rs)
        main_cpu = statistics.median(r["main_cpu"] for r in rs)
        workers_cpu = statistics.median(r["workers_cpu"] for r in rs)
        share = main_cpu / (main_cpu + workers_cpu)
        bound = first_cpu / max(main_cpu, (main_cpu + workers_cpu) / min(n, args.cores))
        loads = f"{min(min(r['load']) for r in rs):.1f}-{max(max(r['load']) for r in rs):.1f}"
        print(
            f"| {n} | {len(rs)} | {wall:.1f} | {first / wall:.2f}x | {main_cpu:.1f} | "
            f"{workers_cpu:.1f} | {share:.0%} | {bound:.2f}x | "
            f"{max(r['maxrss_mb'] for r in rs):.0f} | {loads} |"
        )
    print(f"input {results[0]['counts'][0]}, kept {results[0]['counts'][1]}, identical outputs")


if __name__ == "__main__":
    main()
