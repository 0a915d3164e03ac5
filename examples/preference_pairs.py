"""Make preference pairs from a local OpenAI-compatible server (vLLM, llama.cpp, Ollama, ...).

    python examples/preference_pairs.py --base-url http://localhost:8000/v1 --model my-model

The records are cleaned with the built-in ``default`` recipe first, so LLM calls are spent only on
what survives. Then the ``reflect`` step shows the model each assistant answer together with the
turns that came *after* it; the model criticises the answer in their light and writes a better
one. Each revision becomes a DPO pair: ``prompt`` (the turns up to the question), ``chosen`` (the
revision) and ``rejected`` (the original). Answers the model keeps give no pair and go to the
rejects file as ``verdict_keep``; so do records with no answer followed by more conversation.
The API key, if the server needs one, is read from $SELFREFLECT_API_KEY.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from selfreflect import Reject, recipe
from selfreflect.formats import read, write_jsonl
from selfreflect.html_report import HtmlReportHook
from selfreflect.reflect import Reflect

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://localhost:8000/v1")
    parser.add_argument("--model", default="local-model")
    parser.add_argument("--input", default=str(HERE / "data" / "roleplay_openai.jsonl"))
    parser.add_argument("--out", default="pairs_out", help="directory for the results")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    reflect = Reflect(
        base_url=args.base_url,
        model=args.model,
        mode="preference",
        cache=str(out / "cache"),
        concurrency=args.concurrency,
    )
    pipeline = recipe.load("default").pipeline | reflect

    # the HTML report watches the run from outside: input, rejects and output are wrapped
    hook = HtmlReportHook(out / "report.html", title="preference pairs")
    report = pipeline.new_report()
    rejects: list[Reject] = []
    pairs = hook.output(
        pipeline.stream(hook.input(read(args.input)), hook.on_reject(rejects.append), report)
    )
    count = write_jsonl(pairs, out / "pairs.jsonl")
    with open(out / "rejects.jsonl", "w", encoding="utf-8") as fh:
        for reject in rejects:
            fh.write(json.dumps(reject.to_json(), ensure_ascii=False) + "\n")
    hook.finish(report, out / "pairs.jsonl")

    print(report.table())
    print(f"\n{count} preference pairs -> {out / 'pairs.jsonl'}; report -> {out / 'report.html'}")
    return report.to_json()


if __name__ == "__main__":
    main()
