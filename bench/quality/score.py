"""Score a cleaning recipe on the labelled eval set, and measure its throughput.

    python bench/quality/score.py                          # default recipe, eval.jsonl
    python bench/quality/score.py --recipe path/to.yaml --details /tmp/details.json
    python bench/quality/score.py --stand-in               # the scorer's own toy pipeline
    python bench/quality/score.py --throughput 100000 --workers 1 2

A planted defect counts as handled when the record is dropped (drop classes) or kept with its
text changed (normalise classes). A clean record counts as kept when it is not dropped; the
share left byte-for-byte unchanged is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from selfreflect.conversation import Conversation  # noqa: E402
from selfreflect.pipeline import Pipeline  # noqa: E402
from selfreflect.report import StepStats  # noqa: E402
from selfreflect.steps import Reject  # noqa: E402

GOAL_HANDLED = 0.95
GOAL_CLEAN_KEPT = 0.98


@dataclass
class Outcome:
    """What the pipeline did to one record."""

    dropped: tuple[str, str] | None = None  # (step, reason)
    modified_by: list[str] = field(default_factory=list)
    final: Conversation | None = None
    #: Steps that kept the record with messages cut away (turn-level actions).
    trimmed_by: list[Any] = field(default_factory=list)

    def cut_away(self) -> bool:
        """True when the record was trimmed and every trimming step now passes what is left
        (the part with the defect was cut away, not just some other part)."""
        return (
            self.final is not None
            and bool(self.trimmed_by)
            and all(step.process(self.final) is self.final for step in self.trimmed_by)
        )


# -- running ------------------------------------------------------------------------------------


def load_pipeline(recipe: str | None, stand_in: bool) -> tuple[Pipeline, str]:
    """The pipeline to score and a name for it."""
    if stand_in:
        from stand_in import stand_in_pipeline

        return stand_in_pipeline(), "stand-in (bench/quality/stand_in.py)"
    from selfreflect.recipe import load  # the recipe module lands with the core work

    name = recipe or "default"
    return load(name).pipeline, f"recipe {name}"


def read_eval(path: Path) -> list[Conversation]:
    """The eval records, in file order."""
    with path.open(encoding="utf-8") as f:
        return [Conversation(**json.loads(line)) for line in f if line.strip()]


def trace(pipeline: Pipeline, records: list[Conversation]) -> dict[str, Outcome]:
    """Run the steps one after another in memory and note, per record id, who changed or
    dropped it (the same order of steps as ``Pipeline.stream``)."""
    outcomes = {conv.id: Outcome() for conv in records}
    current = list(records)
    for step in pipeline.steps:
        before = {conv.id: conv for conv in current}
        survivors = []
        for result in step.run(iter(current), StepStats(step.name)):
            if isinstance(result, Reject):
                rid = result.id
                if rid in outcomes:
                    outcomes[rid].dropped = (step.name, result.reason)
                continue
            old = before.get(result.id)
            cut = old is not None and (
                len(getattr(result, "cuts", ())) > len(getattr(old, "cuts", ()))
            )
            if cut and result.id in outcomes:
                outcomes[result.id].trimmed_by.append(step)
            elif old is not None and _content(old) != _content(result):
                outcomes[result.id].modified_by.append(step.name)
            survivors.append(result)
        current = survivors
    for conv in current:
        if conv.id in outcomes:
            outcomes[conv.id].final = conv
    return outcomes


def _reason(out: Outcome) -> str | None:
    """``step:reason`` of a drop, or None."""
    return f"{out.dropped[0]}:{out.dropped[1]}" if out.dropped else None


def _content(conv: Conversation) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in conv.messages]


def _loose(messages: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(role, " ".join(text.split())) for role, text in messages]


# -- scoring ------------------------------------------------------------------------------------


def score(labels: list[dict], outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """Per-class recall and precision, per-reason precision, clean-record retention."""
    by_class: dict[str, list[dict]] = defaultdict(list)
    for label in labels:
        by_class[label["defect_class"]].append(label)

    def handled(label: dict) -> bool:
        out = outcomes[label["id"]]
        if label["expected"] == "drop":
            # dropped, or kept with the defective part cut away (turn-level actions)
            return out.dropped is not None or out.cut_away()
        if label["expected"] == "keep_normalised":
            return out.dropped is None and bool(out.modified_by) and not out.trimmed_by
        return out.dropped is None and not out.trimmed_by

    classes = {}
    for cls, members in sorted(by_class.items()):
        expected = members[0]["expected"]
        hits = [m for m in members if handled(m)]
        row: dict[str, Any] = {
            "expected": expected,
            "n": len(members),
            "handled": len(hits),
            "rate": len(hits) / len(members),
        }
        if expected == "drop":
            reasons = Counter(outcomes[m["id"]].dropped for m in hits if outcomes[m["id"]].dropped)
            row["by"] = {f"{s}:{r}": n for (s, r), n in reasons.most_common()}
            cuts = Counter(
                st.name
                for m in hits
                if not outcomes[m["id"]].dropped
                for st in outcomes[m["id"]].trimmed_by
            )
            row["by"].update({f"{name} (cut)": n for name, n in cuts.most_common()})
            false = [
                lab
                for lab in labels
                if lab["expected"] != "drop" and outcomes[lab["id"]].dropped in reasons
            ]
            row["false_positives"] = len(false)
            row["precision"] = len(hits) / (len(hits) + len(false)) if hits else None
        elif expected == "keep_normalised":
            steps = Counter(s for m in hits for s in outcomes[m["id"]].modified_by)
            row["by"] = dict(steps.most_common())
            false = [
                lab
                for lab in labels
                if lab["expected"] == "keep_unchanged"
                and set(outcomes[lab["id"]].modified_by) & set(steps)
            ]
            row["false_positives"] = len(false)
            row["precision"] = len(hits) / (len(hits) + len(false)) if hits else None
            row["dropped"] = sum(1 for m in members if outcomes[m["id"]].dropped)
            row["restored"] = sum(
                1
                for m in hits
                if "reference" in m
                and _loose(_content(outcomes[m["id"]].final))
                == _loose((r["role"], r["content"]) for r in m["reference"])
            )
        else:
            row["unchanged"] = sum(
                1
                for m in members
                if outcomes[m["id"]].dropped is None and not outcomes[m["id"]].modified_by
            )
            row["normalised"] = len(hits) - row["unchanged"]
            row["dropped_by"] = dict(
                Counter(
                    _reason(outcomes[m["id"]]) for m in members if outcomes[m["id"]].dropped
                ).most_common()
            )
        classes[cls] = row

    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for label in labels:
        dropped = outcomes[label["id"]].dropped
        if dropped:
            reasons[_reason(outcomes[label["id"]])][label["expected"]] += 1
    by_reason = {
        reason: {
            "n": sum(c.values()),
            "planted_drop": c["drop"],
            "normalise_class": c["keep_normalised"],
            "clean": c["keep_unchanged"],
            "precision": c["drop"] / sum(c.values()),
        }
        for reason, c in sorted(reasons.items())
    }
    languages: dict[str, Counter[str]] = defaultdict(Counter)
    for label in labels:
        if label["expected"] == "keep_unchanged":
            out = outcomes[label["id"]]
            row = languages[label["lang"]]
            row["n"] += 1
            row["kept"] += out.dropped is None
            row["unchanged"] += out.dropped is None and not out.modified_by
    planted = [lab for lab in labels if lab["expected"] != "keep_unchanged"]
    clean = [lab for lab in labels if lab["expected"] == "keep_unchanged"]
    clean_unchanged = sum(
        1
        for lab in clean
        if outcomes[lab["id"]].dropped is None and not outcomes[lab["id"]].modified_by
    )
    summary = {
        "records": len(labels),
        "planted": len(planted),
        "planted_handled": sum(map(handled, planted)) / len(planted),
        "clean": len(clean),
        "clean_kept": sum(map(handled, clean)) / len(clean),
        "clean_unchanged": clean_unchanged / len(clean),
        "goals": {"planted_handled": GOAL_HANDLED, "clean_kept": GOAL_CLEAN_KEPT},
    }
    misses = [
        {
            "id": lab["id"],
            "class": lab["defect_class"],
            "variant": lab["variant"],
            "lang": lab["lang"],
            "outcome": _reason(outcomes[lab["id"]])
            or ("modified" if outcomes[lab["id"]].modified_by else "unchanged"),
        }
        for lab in labels
        if not handled(lab)
    ]
    return {
        "summary": summary,
        "classes": classes,
        "reasons": by_reason,
        "clean_by_language": {k: dict(v) for k, v in sorted(languages.items())},
        "misses": misses,
    }


def render(result: dict[str, Any], title: str) -> str:
    """Markdown tables for docs/benchmarks.md and the terminal."""
    s = result["summary"]
    lines = [
        f"Pipeline: {title}. Eval set: {s['records']} records ({s['planted']} with a planted "
        f"defect, {s['clean']} clean).",
        "",
        f"- planted defects handled: **{s['planted_handled']:.1%}** (goal >= {GOAL_HANDLED:.0%})",
        f"- clean records kept: **{s['clean_kept']:.1%}** (goal >= {GOAL_CLEAN_KEPT:.0%}); "
        f"kept byte-for-byte unchanged: {s['clean_unchanged']:.1%}",
        "",
        "| defect class | expected | n | handled | recall | precision | handled by |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    clean_rows = []
    for cls, row in result["classes"].items():
        if row["expected"] == "keep_unchanged":
            clean_rows.append((cls, row))
            continue
        precision = "n/a" if row.get("precision") is None else f"{row['precision']:.1%}"
        by = ", ".join(f"{k} ({v})" for k, v in list(row["by"].items())[:3])
        extra = ""
        if row["expected"] == "keep_normalised":
            extra = f"; restored exactly {row['restored']}/{row['handled']}"
            if row["dropped"]:
                extra += f"; dropped {row['dropped']}"
        lines.append(
            f"| {cls} | {row['expected']} | {row['n']} | {row['handled']} | "
            f"{row['rate']:.1%} | {precision} | {by}{extra} |"
        )
    missed: dict[str, Counter[str]] = defaultdict(Counter)
    for miss in result["misses"]:
        missed[miss["class"]][f"{miss['variant']} -> {miss['outcome']}"] += 1
    if missed:
        lines += ["", "Misses by variant (variant -> what happened):", ""]
        for cls, variants in sorted(missed.items()):
            shown = ", ".join(f"{v} ({n})" for v, n in variants.most_common(6))
            lines.append(f"- {cls}: {shown}")
    lines += [
        "",
        "| clean subclass | n | kept | unchanged | normalised | dropped by |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for cls, row in clean_rows:
        dropped = ", ".join(f"{k} ({v})" for k, v in row["dropped_by"].items()) or "-"
        lines.append(
            f"| {cls} | {row['n']} | {row['handled']} ({row['rate']:.1%}) | "
            f"{row['unchanged']} | {row['normalised']} | {dropped} |"
        )
    langs = result["clean_by_language"]
    lines += [
        "",
        "Clean records by language (kept / n, unchanged):",
        "",
        ", ".join(f"{lang} {r['kept']}/{r['n']} ({r['unchanged']})" for lang, r in langs.items()),
    ]
    lines += [
        "",
        "| reason code | rejects | planted drop | normalise class | clean | precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for reason, row in result["reasons"].items():
        lines.append(
            f"| {reason} | {row['n']} | {row['planted_drop']} | "
            f"{row['normalise_class']} | {row['clean']} | {row['precision']:.1%} |"
        )
    return "\n".join(lines)


# -- throughput ---------------------------------------------------------------------------------

#: The throughput data has the eval mix, except 50k-character turns, ten times rarer.
THROUGHPUT_WEIGHTS = {"too_long": 0.1}


def throughput_file(n: int, path: Path) -> Path:
    """Write ``n`` records made by the eval builder at scale (bases reused), once; the
    records come in builder order (shuffled, duplicates after their originals)."""
    if path.exists() and sum(1 for _ in path.open(encoding="utf-8")) >= n:
        return path
    from build_eval import CLEAN_COUNTS, DEFECT_COUNTS, DUPLICATES, build

    per_scale = sum(CLEAN_COUNTS.values()) + sum(c for c, _ in DEFECT_COUNTS.values()) + DUPLICATES
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8") as f:
        records = build(
            seed=7,
            scale=n / per_scale * 1.02,
            unique=False,
            labels=False,
            weights=THROUGHPUT_WEIGHTS,
        )
        for record, _ in records:
            if written == n:
                break
            f.write(json.dumps({**record, "id": f"t{written:06d}"}, ensure_ascii=False) + "\n")
            written += 1
    tmp.replace(path)
    return path


def stream(pipeline: Pipeline, records: Iterable[Any], workers: int) -> Iterator[Conversation]:
    """``pipeline.stream`` with ``workers`` processes, through whichever form the local engine
    offers; raises NotImplementedError when it offers none."""
    sink = _count_rejects

    return pipeline.stream(records, sink, workers=workers)


_REJECTED = Counter()


def _count_rejects(reject: Reject) -> None:
    if getattr(reject, "indices", None) is not None and reject.record is None:
        return  # messages cut from a kept record (turn-level actions): not a rejected record
    _REJECTED[reject.reason] += 1


def measure(pipeline_factory: Any, path: Path, workers: int) -> dict[str, Any]:
    """Records/s of a full streaming run over ``path`` (reading included)."""
    from selfreflect.formats import read

    _REJECTED.clear()
    pipeline = pipeline_factory()
    cpu0 = os.times()
    started = time.perf_counter()
    kept = sum(1 for _ in stream(pipeline, read(path), workers))
    seconds = time.perf_counter() - started
    cpu1 = os.times()
    cpu = sum(cpu1[:4]) - sum(cpu0[:4])  # user+system, this process and finished children
    total = kept + sum(_REJECTED.values())
    return {
        "workers": workers,
        "records": total,
        "kept": kept,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "records_per_s": round(total / seconds),
    }


# -- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", help="recipe name or YAML path (default: default)")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="score the toy pipeline in stand_in.py instead of a recipe",
    )
    parser.add_argument("--eval", type=Path, default=HERE / "eval.jsonl")
    parser.add_argument("--labels", type=Path, default=HERE / "labels.jsonl")
    parser.add_argument("--details", type=Path, help="write every number and miss as JSON here")
    parser.add_argument(
        "--throughput",
        type=int,
        metavar="N",
        help="instead of scoring, time the pipeline on N generated records",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".cache")
    args = parser.parse_args(argv)

    pipeline, title = load_pipeline(args.recipe, args.stand_in)
    if args.throughput:
        path = throughput_file(args.throughput, args.cache / f"quality_{args.throughput}.jsonl")
        rows = []
        for workers in args.workers:
            try:
                row = measure(lambda: load_pipeline(args.recipe, args.stand_in)[0], path, workers)
            except NotImplementedError as exc:
                row = {"workers": workers, "error": f"TODO: {exc}"}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
        print(f"Throughput of {title} on {args.throughput} records ({path.name}):\n")
        print(
            "| workers | records | kept | wall s | CPU s | records/s (wall) |\n"
            "|---:|---:|---:|---:|---:|---:|"
        )
        for row in rows:
            if "error" in row:
                print(f"| {row['workers']} | - | - | - | - | {row['error']} |")
            else:
                print(
                    f"| {row['workers']} | {row['records']} | {row['kept']} | "
                    f"{row['seconds']} | {row['cpu_seconds']} | {row['records_per_s']} |"
                )
        return 0

    records = read_eval(args.eval)
    with args.labels.open(encoding="utf-8") as f:
        labels = [json.loads(line) for line in f if line.strip()]
    if [r.id for r in records] != [lab["id"] for lab in labels]:
        parser.error("eval and labels files do not match; rebuild with build_eval.py")
    result = score(labels, trace(pipeline, records))
    print(render(result, title))
    if args.details:
        args.details.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
