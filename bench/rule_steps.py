"""CPU seconds of each rule step of the default recipe, records going through the steps in turn.

    python bench/rule_steps.py --generated 20000          # bench/scale.py's generated records
    python bench/rule_steps.py FILE --generate 20000      # the same, written to FILE first
    python bench/rule_steps.py FILE.jsonl --limit 3000    # any input, e.g. ShareGPT as JSONL
    python bench/rule_steps.py FILE --steps fix_mojibake,drop_garbled   # print only these

The records are read first (reading is not timed); then each record goes through every
per-record step of the default recipe in order, as the pipeline runs them, and the CPU time
(``time.process_time``) of each step is added up; MB of message text per CPU second beside.
Dedup steps are left out. Best of ``--repeat`` runs. To compare with another commit, run the
same command with that commit's tree first on ``PYTHONPATH`` (``git archive BASE | tar -x -C
/tmp/base``), in the same minute.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from selfreflect import Conversation, read
from selfreflect.recipe import load


def records(args: argparse.Namespace) -> list[Conversation]:
    """The records to time, read from a file or generated."""
    count = args.generated or args.generate
    if count:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from scale import make_data

        path = Path(args.path) if args.path else Path(tempfile.mkdtemp()) / "generated.jsonl"
        make_data(path, count)
    else:
        path = Path(args.path)
    convs = [r for r in read(path) if isinstance(r, Conversation)]
    return convs[: args.limit] if args.limit else convs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--generated", type=int, default=0, help="generate this many records")
    parser.add_argument("--generate", type=int, default=0, help="write this many to PATH first")
    parser.add_argument("--limit", type=int, default=0, help="time only the first N records")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", default="", help="print only these steps (comma-separated)")
    args = parser.parse_args()
    if not args.path and not args.generated:
        parser.error("give FILE or --generated N")
    convs = records(args)
    gc.collect()
    gc.freeze()  # the records read stay alive: keep them out of every collection
    steps = [s for s in load("default").pipeline.steps if s.per_record]
    clock = time.process_time
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    total = float("inf")
    for _ in range(args.repeat):
        spent: dict[str, float] = defaultdict(float)
        started = clock()
        for conv in convs:
            for step in steps:
                t = clock()
                out = step.process(conv)
                spent[step.name] += clock() - t
                if not isinstance(out, Conversation):
                    break
                conv = out
        total = min(total, clock() - started)
        for name, seconds in spent.items():
            best[name] = min(best[name], seconds)
    size = sum(len(m.text.encode()) for c in convs for m in c.messages) / 1e6
    print(
        f"{len(convs)} records, {size:.1f} MB of message text; every rule step: {total:.2f} CPU s"
    )
    only = set(filter(None, args.steps.split(",")))
    for name, seconds in best.items():
        if not only or name in only:
            print(f"  {name:26s} {seconds:6.3f} CPU s  {size / max(seconds, 1e-9):8.1f} MB/CPU s")


if __name__ == "__main__":
    main()
