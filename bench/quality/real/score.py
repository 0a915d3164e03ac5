"""Score a cleaning recipe on the hand-labelled real records (sample.jsonl + labels_*.jsonl).

    python bench/quality/real/score.py                       # default recipe, dev labels
    python bench/quality/real/score.py --split heldout       # the held-out labels
    python bench/quality/real/score.py --split all           # both: the development data now
    python bench/quality/real/score.py --details /tmp/x.json # every record's outcome

Each record runs through the recipe on its own (so dedup never pairs sample records) after
being read the way ``selfreflect clean`` reads it (format detected per record). Outcomes:

- ``keep`` label: success when the record is kept *whole* (no message cut; text repairs such as
  punctuation or unescaping are allowed).
- ``drop`` label: success when the record is dropped.
- ``repair`` label: success when the record is kept, changed (trimmed or rewritten), and every
  labelled defect that can be checked mechanically is gone from the output (headless: starts with
  a user turn; trailing_user: ends with an answer; escaped_markdown / ui_strings /
  regenerate_counter: none left outside code; continue_chain: no bare "continue" turn left;
  pii: no e-mail address or key-like token left).

Per rule (step and reason): how many records it acted on, and its precision: the record's label
lists the defect that rule is about (``RULE_DEFECTS``) and, for a drop, the label is drop; for a
cut or a rewrite, the label is not keep. Per defect code: recall (records with that defect
handled as labelled). Normalising rewriters (punctuation, whitespace, emoji, mojibake) are not
defect rules and are left out of the per-rule table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import regex

HERE = Path(__file__).resolve().parent

from selfreflect import steps as _steps  # noqa: E402
from selfreflect.conversation import Conversation  # noqa: E402
from selfreflect.formats.detect import FORMATS, format_of  # noqa: E402
from selfreflect.pipeline import Pipeline  # noqa: E402
from selfreflect.recipe import load  # noqa: E402
from selfreflect.steps import Reject  # noqa: E402

#: The cut-messages line type (absent before turn-level actions: then nothing is ever cut).
Cut = getattr(_steps, "Cut", type("NoCut", (), {}))

GOALS = {"keep": 0.98, "drop": 0.90, "repair": 0.80}

#: Reason code (or rewriting step) -> the label defect codes it is right about.
RULE_DEFECTS: dict[str, set[str]] = {
    "leading_assistant": {"headless"},
    "trailing_user": {"trailing_user"},
    "last_not_assistant": {"trailing_user"},
    "headless_context": {"context_dependent_opening"},
    "continuation": {"context_dependent_opening"},
    "refers_back": {"context_dependent_opening"},
    "reply_to_missing_turn": {"context_dependent_opening"},
    "answer_to_missing_prompt": {"context_dependent_opening"},
    "truncated_answer": {"truncated_answer"},
    "continue_request": {"continue_chain"},
    "repair_scrape_artefacts": {"escaped_markdown", "ui_strings", "regenerate_counter"},
    "redact_pii": {"pii"},
    "no_assistant": {"non_dialog", "headless"},
    "no_user": {"non_dialog"},
    "replacement_char": {"garbled"},
    "control_chars": {"garbled"},
    "symbol_garbage": {"garbled"},
    "mojibake": {"garbled"},
    "empty_user": {"empty_turn"},
    "empty_assistant": {"empty_turn"},
    "too_short_assistant": {"too_short"},
    "too_short_user": {"too_short"},
    "ai_self_reference": {"ai_self_reference"},
    "language_model_disclaimer": {"ai_self_reference"},
    "repeated_role": {"bad_structure"},
    "system_not_first": {"bad_structure"},
    "tool_call_missing_result": {"tool_call_missing_result"},
    "mostly_emoji_user": {"garbled", "other"},
    "mostly_emoji_assistant": {"garbled", "other"},
}
#: Normalising rewriters: not defect rules, left out of the per-rule table.
NORMALISERS = {"fix_mojibake", "normalize_punctuation", "normalize_whitespace", "remove_emoji"}

_FENCE = regex.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", regex.S)
_ESCAPED = regex.compile(r"\\[_*\[\]#]")
_UI = regex.compile(
    r"Copy code|Share Prompt|지금 번역하기|Regenerate response"
    r"|^\s*\d+\s*/\s*\d+\s*$",
    regex.M,
)
_CONTINUE = regex.compile(
    r"^\s*(?:please\s+)?(?:continue|go\s+on|keep\s+going)\W*"
    r"(?:please\s+(?:write|respond|answer|reply)\s+in\s+[\w ]{2,30}\W*)?$",
    regex.I,
)
_PII = regex.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\bsk-[A-Za-z0-9]{20,}|\bgh[pousr]_[A-Za-z0-9]{30,}")


def read_split(split: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The sample records of a split and their labels by id (``all``: dev and heldout together)."""
    if split == "all":
        dev, dev_labels = read_split("dev")
        held, held_labels = read_split("heldout")
        return dev + held, {**dev_labels, **held_labels}
    sample = HERE / ("sample2.jsonl" if split == "heldout2" else "sample.jsonl")
    records = [r for r in map(json.loads, sample.open(encoding="utf-8")) if r["split"] == split]
    path = HERE / f"labels_{split}.jsonl"
    labels = {lab["id"]: lab for lab in map(json.loads, path.open(encoding="utf-8"))}
    return records, labels


def to_conversation(record: dict[str, Any], line: int) -> Conversation | Reject:
    """The record read as the CLI reads it (format detected from the record)."""
    from selfreflect.formats.convert import RecordError

    obj = {k: v for k, v in record.items() if k not in ("split", "corpus", "stratum")}
    name = format_of(obj)
    if name is None:
        return Reject(step="read", reason="unknown_format", detail="no known format")
    try:
        return FORMATS[name].to_conversation(obj, "sample.jsonl", line)
    except RecordError as exc:
        return Reject(step="read", reason=exc.reason, detail=str(exc))


def outside_code(text: str) -> str:
    """The text with fenced and inline code removed."""
    return _FENCE.sub(" ", text)


def defect_gone(defect: str, conv: Conversation) -> bool | None:
    """Whether a labelled defect is gone from the output; None when it cannot be checked."""
    msgs = [m for m in conv.messages if m.role != "system"]
    prose = [outside_code(m.content or "") for m in msgs]
    if defect == "headless":
        return bool(msgs) and msgs[0].role == "user"
    if defect == "trailing_user":
        return bool(msgs) and msgs[-1].role != "user"
    if defect == "escaped_markdown":
        return not any(_ESCAPED.search(p) for p in prose)
    if defect in ("ui_strings", "regenerate_counter"):
        return not any(_UI.search(m.content or "") for m in msgs)
    if defect == "continue_chain":
        return not any(m.role == "user" and _CONTINUE.match(m.content or "") for m in msgs)
    if defect == "pii":
        return not any(_PII.search(m.content or "") for m in msgs)
    return None


def run_one(pipeline: Pipeline, record: dict[str, Any], line: int) -> dict[str, Any]:
    """What the pipeline did to one record."""
    conv = to_conversation(record, line)
    if isinstance(conv, Reject):
        return {"dropped": ("read", conv.reason), "acts": [("read", conv.reason, "drop")]}
    result = pipeline.run([conv])
    acts = []
    dropped = None
    for rej in result.rejects:
        if isinstance(rej, Cut):
            acts.append((rej.step, rej.reason, "cut"))
        else:
            dropped = (rej.step, rej.reason)
            acts.append((rej.step, rej.reason, "drop"))
    out: dict[str, Any] = {"dropped": dropped, "acts": acts}
    if result.kept:
        final = result.kept[0]
        out["final"] = final
        out["changed"] = final.to_record() != conv.to_record()
        out["cut"] = bool(getattr(final, "cuts", ()))
        for s in result.report.steps:
            if s.modified:
                acts.append((s.name, "modified", "rewrite"))
    return out


def score(split: str, recipe: str | None, details: Path | None) -> dict[str, Any]:
    """Run the recipe on one split and print the summary; return it."""
    pipeline = load(recipe or "default").pipeline
    records, labels = read_split(split)
    missing = [r["id"] for r in records if r["id"] not in labels]
    if missing:
        print(
            f"warning: {len(missing)} records without a label (first: {missing[0]})",
            file=sys.stderr,
        )
    by_label: dict[str, list[bool]] = defaultdict(list)
    per_defect: dict[str, list[bool]] = defaultdict(list)
    rule_acts: Counter[tuple[str, str]] = Counter()
    rule_right: Counter[tuple[str, str]] = Counter()
    rows = []
    for line, record in enumerate(records, start=1):
        label = labels.get(record["id"])
        if label is None:
            continue
        got = run_one(pipeline, record, line)
        kind = label["label"]
        final = got.get("final")
        if kind == "keep":
            ok = final is not None and not got.get("cut")
        elif kind == "drop":
            ok = final is None
        else:
            checks = [defect_gone(d, final) for d in label["defects"]] if final else []
            ok = (
                final is not None
                and got.get("changed", False)
                and all(c is not False for c in checks)
            )
        by_label[kind].append(ok)
        for d in label["defects"] or ["none"]:
            per_defect[d].append(ok)
        for step, reason, act in got["acts"]:
            if step in NORMALISERS:
                continue
            key = (step, reason)
            rule_acts[key] += 1
            wanted = RULE_DEFECTS.get(reason if act != "rewrite" else step, set())
            right = bool(wanted & set(label["defects"])) and (
                kind == "drop" if act == "drop" else kind != "keep"
            )
            rule_right[key] += right
        rows.append(
            {
                "id": record["id"],
                "label": kind,
                "defects": label["defects"],
                "ok": ok,
                "dropped": got["dropped"],
                "acts": got["acts"],
                "final": final.to_record() if final is not None else None,
            }
        )
    names = {
        "keep": "good records kept whole",
        "drop": "unusable records dropped",
        "repair": "repairable records repaired",
    }
    summary: dict[str, Any] = {"split": split, "records": len(rows)}
    print(f"{split}: {len(rows)} labelled records, recipe {recipe or 'default'}\n")
    print(f"{'label':8} {'n':>4} {'success':>8}  goal")
    for kind in ("keep", "drop", "repair"):
        oks = by_label.get(kind, [])
        share = sum(oks) / len(oks) if oks else 0.0
        summary[kind] = {"n": len(oks), "ok": sum(oks), "share": round(share, 4)}
        print(f"{kind:8} {len(oks):4d} {share:8.1%}  >= {GOALS[kind]:.0%}  ({names[kind]})")
    print("\nper defect (recall: handled as labelled)")
    for d, oks in sorted(per_defect.items(), key=lambda kv: -len(kv[1])):
        print(f"  {d:28} {len(oks):4d} {sum(oks) / len(oks):7.1%}")
    print("\nper rule (records acted on, precision)")
    for key, n in rule_acts.most_common():
        print(f"  {key[0] + ':' + key[1]:52} {n:4d} {rule_right[key] / n:7.1%}")
    summary["per_defect"] = {d: [len(o), sum(o)] for d, o in per_defect.items()}
    summary["per_rule"] = {f"{k[0]}:{k[1]}": [n, rule_right[k]] for k, n in rule_acts.items()}
    if details:
        details.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all", "heldout2"), default="dev")
    parser.add_argument("--recipe", help="recipe name or path (default: the default recipe)")
    parser.add_argument("--details", type=Path, help="write every record's outcome here (JSON)")
    args = parser.parse_args()
    score(args.split, args.recipe, args.details)


if __name__ == "__main__":
    main()
