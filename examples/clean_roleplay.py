"""Clean a small role-play set: look at it, clean it, and write output, rejects and an HTML report.

    python examples/clean_roleplay.py --out /tmp/roleplay

Role-play data has its own problems: the model breaks character ("As an AI language model..."),
template placeholders such as ``{{user}}`` leak into the text, and the same scene is exported
twice, sometimes with small edits. The built-in ``default`` recipe handles most of it; near
duplicates and a small role-play rewriter written here are added after it.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from selfreflect import MessageRewriter, Pipeline, Reject, recipe, registry
from selfreflect.formats import read, write_jsonl
from selfreflect.html_report import write_run_report
from selfreflect.observe import RunObserver
from selfreflect.stats import DatasetStats

HERE = Path(__file__).resolve().parent


class FillPlaceholders(MessageRewriter):
    """Replace template placeholders such as ``{{user}}`` with a name."""

    def __init__(self, names: dict[str, str] | None = None):
        self.names = names

    def rewrite_text(self, text: str) -> str:
        names = self.names or {"user": "the traveller", "char": "the captain"}
        return re.sub(r"\{\{(\w+)\}\}", lambda m: names.get(m.group(1).lower(), m.group(0)), text)


def build_pipeline() -> Pipeline:
    """The built-in ``default`` recipe, then near-duplicate removal, then the placeholder fix."""
    default = recipe.load("default").pipeline
    near_dedup = registry.get("near_dedup")(threshold=0.7)  # any registered step, by name
    return default | near_dedup | FillPlaceholders()


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
    kept = pipeline.stream(
        observer.wrap_input(read(args.input)), observer.wrap_on_reject(rejects.append), report
    )
    write_jsonl(observer.wrap_output(kept), out / "clean.jsonl")
    write_jsonl_rejects(rejects, out / "rejects.jsonl")
    (out / "report.json").write_text(report.dumps(), encoding="utf-8")
    write_run_report(
        out / "report.html",
        report,
        observer,
        output=out / "clean.jsonl",
        title="role-play cleaning",
    )

    print(report.table())
    print(f"\nwrote {out / 'clean.jsonl'}, {out / 'rejects.jsonl'}, {out / 'report.html'}")
    return report.to_json()


def write_jsonl_rejects(rejects: list[Reject], path: Path) -> None:
    """The rejects file: one JSON object per rejected record."""
    path.write_text(
        "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rejects),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
