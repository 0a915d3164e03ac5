"""Scale-out benchmark: one recipe, local engine with 1 and 2 workers vs Ray Data on the same cores.

    python bench/scale.py --records 200000            # the default recipe
    python bench/scale.py --records 200000 --near     # ... plus near_dedup (distributed on Ray)

Each configuration runs in its own process; the parent samples the proportional set size (PSS,
so Ray's shared object store is not counted once per process) of that process and all its
children (Ray's raylet, GCS and workers included) every 0.2 s and reports the peak. The Ray run
also reports ``ray.init`` time separately. All runs must give the same kept and rejected counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

WORDS = (
    "the a to of and in is it you that for on with as are be this was have at or not your can "
    "but all we they if will one my what about there so do when how time would like just know "
    "more some make people see good think well also work year could use need way new want look "
    "first help because day very most even give find thing tell story place long great little "
    "world river stone cloud engine mirror violet window ladder copper garden signal harbor "
    "pencil meadow rocket lantern castle dragon forest knight potion sword tavern village wizard"
).split()
NOISE = ["", "", "", "", " 😀😀", "  ", "doesnâ€™t", "\u2019", " and/or ", "\t"]


def make_data(path: Path, n: int, seed: int = 0) -> None:
    """Chat records with exact and near copies, emoji, mojibake and untidy spacing."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    made: list[list[dict[str, str]]] = []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            roll = rng.random()
            if made and roll < 0.04:
                messages = rng.choice(made)
            elif made and roll < 0.08:
                messages = [dict(m) for m in rng.choice(made)]
                words = messages[-1]["content"].split()
                words[rng.randrange(len(words))] = rng.choice(WORDS)
                messages[-1]["content"] = " ".join(words)
            else:
                messages = [{"role": "system", "content": "You are a helpful guide."}]
                for _ in range(rng.choice([1, 1, 2, 3])):
                    q = " ".join(rng.choices(WORDS, k=rng.randint(4, 30))) + "?"
                    a = " ".join(rng.choices(WORDS, k=rng.randint(2, 160))) + "."
                    messages += [
                        {"role": "user", "content": q + rng.choice(NOISE)},
                        {"role": "assistant", "content": a + rng.choice(NOISE)},
                    ]
                if len(made) < 20000:
                    made.append(messages)
            fh.write(json.dumps({"id": f"r{i}", "messages": messages}, ensure_ascii=False) + "\n")


def pipeline(near: bool):
    """The default recipe (a stand-in of per-record steps if it is not installed) [+ near_dedup]."""
    from selfreflect import Pipeline

    try:
        from selfreflect.recipe import load

        pipe = load("default").pipeline
    except ImportError:
        pipe = Pipeline(_stand_in_steps())
    if near:
        from selfreflect.dedup import NearDedup

        pipe = pipe | NearDedup()
    return pipe


def _stand_in_steps():
    from selfreflect import Filter, MessageRewriter

    class Squash(MessageRewriter):
        """Collapse whitespace."""

        def rewrite_text(self, text):
            return " ".join(text.split())

    class DropShort(Filter):
        """Drop answers under 3 words."""

        def keep(self, conv):
            ok = all(len(m.content.split()) >= 3 for m in conv.turns("assistant"))
            return ok or (False, "too_short")

    return [Squash(), DropShort()]


# -- children ------------------------------------------------------------------------------------
def run_local(data: Path, out: Path, workers: int, near: bool) -> dict:
    import inspect

    from selfreflect.formats import read, write_jsonl

    pipe = pipeline(near)
    rejects = []
    report = pipe.new_report()
    started = time.perf_counter()
    kwargs = {"workers": workers} if "workers" in inspect.signature(pipe.stream).parameters else {}
    if workers > 1 and not kwargs:
        raise SystemExit("this selfreflect has no local workers")
    write_jsonl(pipe.stream(read(data), rejects.append, report, **kwargs), out)
    return {
        "seconds": time.perf_counter() - started,
        "kept": report.kept,
        "rejected": report.rejected,
    }


def run_ray(data: Path, out: Path, near: bool) -> dict:
    import ray

    from selfreflect.engines.ray_engine import run_recipe_on_ray

    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False
    init = time.perf_counter() - t0
    started = time.perf_counter()
    report = run_recipe_on_ray(pipeline(near), [str(data)], str(out), rejects=str(out) + ".rejects")
    seconds = time.perf_counter() - started
    ray.shutdown()
    return {
        "seconds": seconds,
        "init_seconds": init,
        "kept": report.kept,
        "rejected": report.rejected,
    }


# -- parent: run each child, sample its memory ------------------------------------------------
def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def measure(args: list[str]) -> dict:
    """Run ``bench/scale.py --child ...`` and return its JSON result plus peak PSS in MB."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _pss_mb(_tree(proc.pid)))
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--near", action="store_true", help="append near_dedup to the recipe")
    ap.add_argument("--dir", default="/tmp/selfreflect-bench")
    ap.add_argument("--only", choices=["local1", "local2", "ray"], action="append")
    ap.add_argument("--child", choices=["local1", "local2", "ray"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    base = Path(args.dir)
    data = base / f"scale-{args.records}.jsonl"
    near = ["--near"] if args.near else []
    if args.child:
        out = base / f"out-{args.child}.jsonl"
        if args.child == "ray":
            result = run_ray(data, out, args.near)
        else:
            result = run_local(data, out, 1 if args.child == "local1" else 2, args.near)
        print(json.dumps(result))
        return
    if not data.exists():
        t0 = time.perf_counter()
        make_data(data, args.records)
        print(f"made {data} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    rows = []
    for name in args.only or ["local1", "local2", "ray"]:
        r = measure(["--records", str(args.records), "--dir", args.dir, "--child", name, *near])
        rows.append((name, r))
        print(name, json.dumps(r), file=sys.stderr, flush=True)
    print("| engine | wall s | records/s | peak PSS MB | kept | rejected | ray.init s |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        init = f"{r['init_seconds']:.1f}" if "init_seconds" in r else "-"
        print(
            f"| {name} | {r['seconds']:.1f} | {args.records / r['seconds']:,.0f} | "
            f"{r['peak_mb']:,.0f} | {r['kept']} | {r['rejected']} | {init} |"
        )
    if len({(r["kept"], r["rejected"]) for _, r in rows}) > 1:
        raise SystemExit("engines disagree on kept/rejected counts")


if __name__ == "__main__":
    main()
