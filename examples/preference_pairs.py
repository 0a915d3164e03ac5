"""Make preference pairs from a local OpenAI-compatible server (vLLM, llama.cpp, Ollama, ...).

    python examples/preference_pairs.py --base-url http://localhost:8000/v1 --model my-model

For every assistant answer, the model reads the whole conversation, including the turns that came
*after* the answer, criticises the answer in their light and writes a better one. Each revised
answer becomes a preference pair: ``chosen`` = revised, ``rejected`` = original, with the critique.

This example talks to the server with plain httpx to show the method end to end in one file; the
built-in reflect step (``selfreflect reflect --mode preference``) adds retries, a cache, bounded
concurrency and a hindsight-leak guard.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx

from selfreflect import Conversation, Pipeline, Reject, Step, StepStats
from selfreflect.formats import read
from selfreflect.html_report import write_html
from selfreflect.observe import RunObserver

HERE = Path(__file__).resolve().parent

INSTRUCTIONS = (
    "You review one assistant answer in a conversation. The conversation is a JSON array; turn {l} "
    "answers turn {k}. Use the turns after {l}: a user who corrects, repeats or complains shows "
    "what the answer missed. Reply with JSON only: "
    '{{"verdict": "keep" or "revise", "critique": "...", "revised_answer": "..."}}. '
    "The revised answer must read as a first reply to turn {k}, never mention later turns, and be "
    'empty when the verdict is "keep".'
)


class CritiqueAndRewrite(Step):
    """Ask an LLM to critique every answer in light of the whole conversation and revise it."""

    reasons = {"llm_error": "the server failed or answered with something that is not the JSON"}

    def __init__(self, base_url: str, model: str, timeout: float = 60.0):
        self.base_url = base_url
        self.model = model
        self.timeout = timeout

    def run(self, records: Iterable[Conversation], stats: StepStats
            ) -> Iterator[Conversation | Reject]:
        key = os.environ.get("OPENAI_API_KEY", "none")
        with httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.timeout,
                          headers={"Authorization": f"Bearer {key}"}) as client:
            for conv in records:
                try:
                    reflections = [self._reflect(client, conv, k, a, stats)
                                   for k, a in conv.pairs()]
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    yield self.reject(conv, "llm_error", f"{type(exc).__name__}: {exc}"[:300])
                    continue
                if any(r["verdict"] == "revise" for r in reflections):
                    stats.modified += 1
                yield conv.model_copy(update={
                    "metadata": {**conv.metadata, "reflections": reflections}})

    def _reflect(self, client: httpx.Client, conv: Conversation, k: int, a: int,
                 stats: StepStats) -> dict[str, Any]:
        turns = [{"turn": i, "role": m.role, "content": m.content}
                 for i, m in enumerate(conv.messages)]
        response = client.post("/chat/completions", json={
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": INSTRUCTIONS.format(k=k, l=a)},
                {"role": "user", "content": json.dumps(turns, ensure_ascii=False)},
            ],
        })
        response.raise_for_status()
        body = response.json()
        stats.counters["calls"] += 1
        for name, value in (body.get("usage") or {}).items():
            if isinstance(value, int):
                stats.counters[name] += value
        answer = _json_object(body["choices"][0]["message"]["content"])
        verdict = answer["verdict"]
        if verdict not in ("keep", "revise"):
            raise ValueError(f"verdict must be keep or revise, got {verdict!r}")
        original = conv.messages[a].content
        revised = str(answer.get("revised_answer") or "") if verdict == "revise" else original
        if verdict == "revise" and not revised.strip():
            raise ValueError("verdict is revise but revised_answer is empty")
        return {"k": k, "l": a, "verdict": verdict, "critique": str(answer["critique"]),
                "prompt": conv.messages[k].content, "original": original, "revised": revised}


def _json_object(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer (code fences tolerated)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError(f"no JSON object in the answer: {text[:80]!r}")
    value = json.loads(text[start:end + 1])
    if not isinstance(value, dict):
        raise ValueError("the answer is not a JSON object")
    return value


def preference_pairs(conv: Conversation) -> Iterator[dict[str, Any]]:
    """One pair per revised answer: the prompt (turns up to K), chosen, rejected, critique."""
    for item in conv.metadata.get("reflections", []):
        if item["verdict"] != "revise":
            continue
        prompt = [m.model_dump(exclude_none=True) for m in conv.messages[:item["k"] + 1]]
        yield {"id": f"{conv.id}:{item['l']}", "prompt": prompt, "chosen": item["revised"],
               "rejected": item["original"], "critique": item["critique"]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://localhost:8000/v1")
    parser.add_argument("--model", default="local-model")
    parser.add_argument("--input", default=str(HERE / "roleplay_sample.jsonl"))
    parser.add_argument("--out", default="pairs_out", help="directory for the results")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    pipeline = Pipeline([CritiqueAndRewrite(args.base_url, args.model)])
    observer = RunObserver()
    result = observer.run(pipeline, read(args.input))
    pairs = [pair for conv in result.kept for pair in preference_pairs(conv)]
    with open(out / "pairs.jsonl", "w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(json.dumps(pair, ensure_ascii=False) + "\n")
    write_html(out / "report.html", result.report, observer, title="preference pairs")

    print(result.report.table())
    print(f"\n{len(pairs)} preference pairs -> {out / 'pairs.jsonl'}; report -> "
          f"{out / 'report.html'}")
    return {"pairs": len(pairs), "report": result.report.to_json()}


if __name__ == "__main__":
    main()
