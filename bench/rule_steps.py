"""CPU seconds of each per-record step of the default recipe, on the records of one file.

    python bench/rule_steps.py FILE [--repeat 3] [--steps fix_mojibake,drop_garbled]
    python bench/rule_steps.py /tmp/20k.jsonl --generate 20000   # bench/scale.py's records first

Reads FILE (any format `selfreflect clean` reads) into memory, then runs the default recipe's
steps before exact_dedup one after the other over all records, as the pipeline does, and prints
each step's CPU seconds (``time.process_time``, the least of ``--repeat`` runs of that step on
the same input) and MB of message text per CPU second. Reading and writing are not counted.
Run it with the code of two commits in the same minute to compare them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from selfreflect import Conversation, read
from selfreflect.recipe import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", default="", help="only time these steps (comma-separated)")
    parser.add_argument("--generate", type=int, help="first write this many records to FILE")
    args = parser.parse_args()
    if args.generate:
        sys.path.insert(0, str(Path(__file__).parent))
        from scale import make_data

        make_data(Path(args.file), args.generate)
    only = set(filter(None, args.steps.split(",")))
    records = [c for c in read(args.file) if isinstance(c, Conversation)]
    size = sum(len(m.content.encode()) for c in records for m in c.messages if m.content)
    print(f"{len(records)} records, {size / 1e6:.1f} MB of message text")
    total = 0.0
    for step in load("default").pipeline.steps:
        if step.name == "exact_dedup":
            break
        best = float("inf")
        for _ in range(args.repeat if not only or step.name in only else 1):
            started = time.process_time()
            outcomes = [step.process(c) for c in records]
            best = min(best, time.process_time() - started)
        if not only or step.name in only:
            total += best
            print(f"{step.name:26} {best:7.3f} CPU s  {size / 1e6 / best:8.1f} MB/CPU s")
        records = [o for o in outcomes if isinstance(o, Conversation)]
    print(f"{'(these steps)':26} {total:7.3f} CPU s")


if __name__ == "__main__":
    main()
