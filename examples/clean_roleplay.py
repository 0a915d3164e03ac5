"""Clean a small role-play set: look at it, clean it, and write output, rejects and an HTML report.

    python examples/clean_roleplay.py --out /tmp/roleplay

Role-play data has its own problems: the model breaks character ("As an AI language model..."),
template placeholders such as ``{{user}}`` leak into the text, and the same scene is exported
twice. Two small role-play steps are written here; when the built-in ``default`` recipe is
installed they run after it, otherwise alongside a minimal exact-dedup step.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from selfreflect import Conversation, Filter, MessageRewriter, Pipeline, Reject, Step, StepStats
from selfreflect.formats import read, write_jsonl
from selfreflect.html_report import write_run_report
from selfreflect.observe import RunObserver
from selfreflect.stats import DatasetStats

HERE = Path(__file__).resolve().parent


class DropOutOfCharacter(Filter):
    """Drop conversations where the assistant steps out of its role."""

    reasons = {"out_of_character": "an assistant turn talks about being an AI"}

    def __init__(self, phrases: tuple[str, ...] = ("as an ai", "language model", "i'm an ai")):
        self.phrases = phrases

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        for message in conv.turns("assistant"):
            lowered = message.content.lower()
            for phrase in self.phrases:
                if phrase in lowered:
                    return False, "out_of_character", f"assistant says {phrase!r}"
        return True


class FillPlaceholders(MessageRewriter):
    """Replace template placeholders such as ``{{user}}`` with a name."""

    def __init__(self, names: dict[str, str] | None = None):
        self.names = names

    def rewrite_text(self, text: str) -> str:
        names = self.names or {"user": "the traveller", "char": "the captain"}
        return re.sub(r"\{\{(\w+)\}\}", lambda m: names.get(m.group(1).lower(), m.group(0)), text)


class DropEmptyOrShort(Filter):
    """Drop conversations with an empty turn or a last answer under ``min_chars``."""

    reasons = {"empty_turn": "a turn is empty", "short_answer": "the last answer is too short"}

    def __init__(self, min_chars: int = 10):
        self.min_chars = min_chars

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        for message in conv.messages:
            if not message.content.strip():
                return False, "empty_turn", f"empty {message.role} turn"
        answers = conv.turns("assistant")
        if not answers or len(answers[-1].content) < self.min_chars:
            return False, "short_answer", "no answer" if not answers else answers[-1].content
        return True


class ExactDedup(Step):
    """Drop records whose user and assistant text was already seen (system prompt ignored)."""

    reasons = {"exact_duplicate": "the same turns as an earlier record"}

    def run(self, records: Iterable[Conversation], stats: StepStats
            ) -> Iterator[Conversation | Reject]:
        seen: dict[str, str] = {}
        for conv in records:
            key = conv.dedup_text()
            if key in seen:
                yield self.reject(conv, "exact_duplicate", duplicate_of=seen[key], jaccard=1.0)
            else:
                seen[key] = conv.id
                yield conv


def build_pipeline() -> Pipeline:
    """The default recipe (when installed) followed by the role-play steps."""
    roleplay = Pipeline([FillPlaceholders(), DropOutOfCharacter()])
    try:
        from selfreflect import recipe

        return recipe.load("default").pipeline | roleplay
    except (ImportError, FileNotFoundError, ValueError):
        return Pipeline([DropEmptyOrShort(), ExactDedup()]) | roleplay


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default=str(HERE / "roleplay_sample.jsonl"))
    parser.add_argument("--out", default="roleplay_out", help="directory for the results")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    print(DatasetStats.from_records(read(args.input)).table(), end="\n\n")

    pipeline = build_pipeline()
    observer = RunObserver()
    report = pipeline.new_report()
    rejects: list[Reject] = []
    kept = pipeline.stream(observer.wrap_input(read(args.input)),
                           observer.wrap_on_reject(rejects.append), report)
    write_jsonl(observer.wrap_output(kept), out / "clean.jsonl")
    write_jsonl_rejects(rejects, out / "rejects.jsonl")
    (out / "report.json").write_text(report.dumps(), encoding="utf-8")
    write_run_report(out / "report.html", report, observer, output=out / "clean.jsonl",
                     title="role-play cleaning")

    print(report.table())
    print(f"\nwrote {out / 'clean.jsonl'}, {out / 'rejects.jsonl'}, {out / 'report.html'}")
    return report.to_json()


def write_jsonl_rejects(rejects: list[Reject], path: Path) -> None:
    """The rejects file: one JSON object per rejected record."""
    path.write_text("".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rejects),
                    encoding="utf-8")


if __name__ == "__main__":
    main()
